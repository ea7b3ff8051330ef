package driver

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/mesosproto"
)

// A callback that blocks holds back later callbacks, never the wire: the
// acknowledgement of an update sent meanwhile is still processed.
func TestBlockingCallbackHoldsCallbacksNotTheWire(t *testing.T) {
	agent := startFakeAgent(t, 0)
	rec := newRecorder()
	exec := rec.executor()
	release := make(chan struct{})
	var inside, most atomic.Int32
	enter := func() {
		if n := inside.Add(1); n > most.Load() {
			most.Store(n)
		}
	}
	exec.OnLaunchTask = func(ExecutorDriver, *mesos.TaskInfo) {
		enter()
		defer inside.Add(-1)
		rec.calls <- "LaunchTask"
		<-release
	}
	exec.OnFrameworkMessage = func(_ ExecutorDriver, d []byte) {
		enter()
		defer inside.Add(-1)
		rec.calls <- "FrameworkMessage:" + string(d)
	}
	d := startDriver(t, testDriverConfig(agent, true), exec)
	from := agent.expect("mesos.internal.RegisterExecutorMessage", nil)
	agent.send(from, registeredMessage())
	require.Equal(t, "Registered", rec.next(t))
	task := mesos.TaskInfo{TaskID: mesos.TaskID{Value: "t1"}}
	agent.send(from, &mesosproto.RunTaskMessage{Task: &task})
	require.Equal(t, "LaunchTask", rec.next(t))

	// LaunchTask is blocked. Send an update and let the agent answer.
	_, err := d.SendStatusUpdate(&mesos.TaskStatus{TaskID: task.TaskID, State: mesos.TASK_RUNNING.Enum()})
	require.NoError(t, err)
	var upd mesosproto.StatusUpdateMessage
	agent.expect("mesos.internal.StatusUpdateMessage", &upd)
	agent.send(from, &mesosproto.FrameworkToExecutorMessage{Data: []byte("queued")})
	agent.send(from, &mesosproto.StatusUpdateAcknowledgementMessage{TaskID: &task.TaskID, UUID: upd.Update.UUID})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, d.AwaitAcknowledgements(ctx), "the loop took the ack while a callback blocked")

	// The message came before the ack on one connection, so it is queued
	// behind the blocked callback, not delivered.
	require.Empty(t, rec.calls)
	close(release)
	require.Equal(t, "FrameworkMessage:queued", rec.next(t))
	require.Equal(t, int32(1), most.Load(), "one callback at a time")
}

// Without checkpointing, a lost agent takes the shutdown path, and once the
// grace period has passed the driver ends the process group.
func TestShutdownGracePeriodEndsTheProcessGroup(t *testing.T) {
	agent := startFakeAgent(t, 0)
	rec := newRecorder()
	exec := rec.executor()
	cfg := testDriverConfig(agent, false)
	cfg.KeepProcessGroup = false
	cfg.ShutdownGracePeriod = 200 * time.Millisecond
	d, err := New(exec, cfg)
	require.NoError(t, err)
	terminated := make(chan time.Time, 1)
	d.terminate = func() { terminated <- time.Now() }
	_, err = d.Start()
	require.NoError(t, err)
	t.Cleanup(func() { d.Stop() })
	from := agent.expect("mesos.internal.RegisterExecutorMessage", nil)
	agent.send(from, registeredMessage())
	require.Equal(t, "Registered", rec.next(t))
	closedAt := time.Now() // the shutdown path starts after this, so its grace ends after closedAt+grace
	agent.m.Close()
	require.Equal(t, "Disconnected", rec.next(t))
	require.Equal(t, "Shutdown", rec.next(t))
	select {
	case at := <-terminated:
		require.GreaterOrEqual(t, at.Sub(closedAt), cfg.ShutdownGracePeriod, "not before the grace period")
	case <-time.After(5 * time.Second):
		t.Fatal("the process group was not ended")
	}
}

// An executor that stops the driver in Shutdown, as Funcs does by default,
// still has its process group ended once the grace period has passed, if
// the process is still there: the C++ driver's shutdown outlives its stop.
func TestStopInShutdownStillEndsTheProcessGroupAfterTheGracePeriod(t *testing.T) {
	agent := startFakeAgent(t, 0)
	cfg := testDriverConfig(agent, false)
	cfg.KeepProcessGroup = false
	cfg.ShutdownGracePeriod = 200 * time.Millisecond
	d, err := New(Funcs{}, cfg) // Funcs's Shutdown stops the driver
	require.NoError(t, err)
	terminated := make(chan time.Time, 1)
	d.terminate = func() { terminated <- time.Now() }
	_, err = d.Start()
	require.NoError(t, err)
	from := agent.expect("mesos.internal.RegisterExecutorMessage", nil)
	agent.send(from, registeredMessage())
	closedAt := time.Now() // the grace period starts after this
	agent.m.Close()        // no checkpointing: the shutdown path
	st, err := d.Join()
	require.NoError(t, err)
	require.Equal(t, mesos.DRIVER_STOPPED, st)
	select {
	case at := <-terminated:
		require.GreaterOrEqual(t, at.Sub(closedAt), cfg.ShutdownGracePeriod, "not before the grace period")
	case <-time.After(5 * time.Second):
		t.Fatal("the process group was not ended after Stop")
	}
}

func TestKeepProcessGroupTurnsTheEndOff(t *testing.T) {
	cfg := Config{ShutdownGracePeriod: time.Millisecond, KeepProcessGroup: true}
	require.False(t, coreConfig(cfg, false).Terminate)
	cfg.KeepProcessGroup, cfg.Local = false, true
	require.False(t, coreConfig(cfg, false).Terminate, "MESOS_LOCAL never ends the group")
	cfg.Local = false
	require.True(t, coreConfig(cfg, false).Terminate)
}
