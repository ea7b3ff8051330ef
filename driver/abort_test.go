package driver

import (
	"context"
	"runtime"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/driver/internal/core"
	"github.com/mesos-shim/executor/mesosproto"
	"github.com/mesos-shim/executor/messenger"
)

// registeredWithBlockedLaunch registers an executor whose first LaunchTask
// blocks until release is closed, then runs then; it queues a second launch
// and a framework message behind it and returns once the loop has taken
// both (an acknowledgement sent after them has been processed).
func registeredWithBlockedLaunch(t *testing.T, rec *recorder, then func()) (d *Driver, release chan struct{}) {
	agent := startFakeAgent(t, 0)
	release = make(chan struct{})
	exec := rec.executor()
	exec.OnLaunchTask = func(_ ExecutorDriver, task *mesos.TaskInfo) {
		rec.calls <- "LaunchTask:" + task.TaskID.Value
		if task.TaskID.Value == "t1" {
			<-release
			then()
		}
	}
	d = startDriver(t, testDriverConfig(agent, true), exec)
	from := agent.expect("mesos.internal.RegisterExecutorMessage", nil)
	agent.send(from, registeredMessage())
	require.Equal(t, "Registered", rec.next(t))
	t1 := mesos.TaskInfo{TaskID: mesos.TaskID{Value: "t1"}}
	agent.send(from, &mesosproto.RunTaskMessage{Task: &t1})
	require.Equal(t, "LaunchTask:t1", rec.next(t))
	queueBehind(t, d, agent, from, t1.TaskID)
	return d, release
}

// queueBehind has the agent send a second launch and a framework message,
// then acknowledge an update, and waits for that acknowledgement: the loop
// has then queued the launch and the message behind the blocked callback.
func queueBehind(t *testing.T, d *Driver, agent *fakeAgent, from messenger.Message, id mesos.TaskID) {
	_, err := d.SendStatusUpdate(&mesos.TaskStatus{TaskID: id, State: mesos.TASK_RUNNING.Enum()})
	require.NoError(t, err)
	var upd mesosproto.StatusUpdateMessage
	agent.expect("mesos.internal.StatusUpdateMessage", &upd)
	agent.send(from, &mesosproto.RunTaskMessage{Task: &mesos.TaskInfo{TaskID: mesos.TaskID{Value: "t2"}}})
	agent.send(from, &mesosproto.FrameworkToExecutorMessage{Data: []byte("late")})
	agent.send(from, &mesosproto.StatusUpdateAcknowledgementMessage{TaskID: &id, UUID: upd.Update.UUID})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, d.AwaitAcknowledgements(ctx))
}

// After Abort no callback is delivered, not even those already queued, as
// the C++ driver checks its aborted flag before every callback.
func TestAbortDropsTheCallbacksStillQueued(t *testing.T) {
	rec := newRecorder()
	d, release := registeredWithBlockedLaunch(t, rec, func() {})
	st, err := d.Abort()
	require.NoError(t, err)
	require.Equal(t, mesos.DRIVER_ABORTED, st)
	close(release)
	<-d.callbacks.done // the callback goroutine has run all it was given
	require.Empty(t, rec.calls, "LaunchTask:t2 and the framework message were dropped")
}

// A callback that panics aborts the driver: the callbacks queued behind it
// are dropped, and Error is delivered.
func TestPanicDropsTheCallbacksQueuedBehindIt(t *testing.T) {
	rec := newRecorder()
	d, release := registeredWithBlockedLaunch(t, rec, func() { panic("boom") })
	close(release)
	require.Equal(t, "Error", rec.next(t))
	<-d.callbacks.done
	require.Equal(t, mesos.DRIVER_ABORTED, d.Status())
	require.Empty(t, rec.calls, "LaunchTask:t2 and the framework message were dropped")
}

// Before Start, and after a Start that failed, there is no loop to answer:
// every method returns at once with ErrNotRunning instead of waiting.
func TestMethodsAnswerAtOnceWithoutARunningLoop(t *testing.T) {
	agent := startFakeAgent(t, 0)
	cfg := testDriverConfig(agent, true)
	notStarted, err := New(newRecorder().executor(), cfg)
	require.NoError(t, err)
	cfg.Protocol = ProtocolV0
	cfg.Getenv = mapEnv(map[string]string{"LIBPROCESS_IP": "192.0.2.1"}) // not this host's: no listener
	failed, err := New(newRecorder().executor(), cfg)
	require.NoError(t, err)
	_, err = failed.Start()
	require.Error(t, err)

	for name, d := range map[string]*Driver{"not started": notStarted, "failed to start": failed} {
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, err := d.SendStatusUpdate(&mesos.TaskStatus{TaskID: mesos.TaskID{Value: "t"}, State: mesos.TASK_RUNNING.Enum()})
			assert.ErrorIs(t, err, core.ErrNotRunning, name)
			_, err = d.SendFrameworkMessage([]byte("x"))
			assert.ErrorIs(t, err, core.ErrNotRunning, name)
			_, err = d.Abort()
			assert.ErrorIs(t, err, core.ErrNotRunning, name)
			_, err = d.Stop()
			assert.ErrorIs(t, err, core.ErrNotRunning, name)
			st, err := d.Join()
			assert.NoError(t, err, name)
			assert.Equal(t, mesos.DRIVER_NOT_STARTED, st, name)
			assert.ErrorIs(t, d.AwaitAcknowledgements(context.Background()), core.ErrNotRunning, name)
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: a method is waiting for a loop that does not run", name)
		}
	}
}

// A callback that calls runtime.Goexit, as t.FailNow or a failed require
// in a test executor's callback does, is no return: it aborts the driver
// like a panic, and Error still comes, on the goroutine that takes over
// from the one that exited.
func TestGoexitInACallbackAbortsLikeAPanic(t *testing.T) {
	rec := newRecorder()
	d, release := registeredWithBlockedLaunch(t, rec, runtime.Goexit)
	close(release)
	require.Equal(t, "Error", rec.next(t))
	require.Contains(t, <-rec.errors, "LaunchTask callback called runtime.Goexit")
	<-d.callbacks.done
	require.Equal(t, mesos.DRIVER_ABORTED, d.Status())
	require.Empty(t, rec.calls, "LaunchTask:t2 and the framework message were dropped")
}
