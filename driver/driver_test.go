package driver

import (
	"context"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/mesosproto"
	"github.com/mesos-shim/executor/messenger"
)

func testDriverConfig(a *fakeAgent, checkpoint bool) Config {
	return Config{
		FrameworkID: "fw", ExecutorID: "ex", AgentID: "ag", AgentPID: a.m.UPID(),
		Directory: "/tmp", Sandbox: "/tmp", Checkpoint: checkpoint,
		RecoveryTimeout: time.Minute, ShutdownGracePeriod: time.Minute, KeepProcessGroup: true,
		Getenv: mapEnv(map[string]string{"LIBPROCESS_IP": "127.0.0.1"}),
	}
}

func registeredMessage() *mesosproto.ExecutorRegisteredMessage {
	return &mesosproto.ExecutorRegisteredMessage{
		ExecutorInfo:  &mesos.ExecutorInfo{ExecutorID: mesos.ExecutorID{Value: "ex"}},
		FrameworkID:   &mesos.FrameworkID{Value: "fw"},
		FrameworkInfo: &mesos.FrameworkInfo{Name: "fw"},
		SlaveID:       &mesos.AgentID{Value: "ag"},
		SlaveInfo:     &mesos.AgentInfo{Hostname: "localhost"},
	}
}

func startDriver(t *testing.T, cfg Config, exec Executor) *Driver {
	t.Helper()
	d, err := New(exec, cfg)
	require.NoError(t, err)
	st, err := d.Start()
	require.NoError(t, err)
	require.Equal(t, mesos.DRIVER_RUNNING, st)
	t.Cleanup(func() { d.Stop() })
	return d
}

func TestLegacyLifecycleAcrossAnAgentRestart(t *testing.T) {
	agent := startFakeAgent(t, 0)
	rec := newRecorder()
	d := startDriver(t, testDriverConfig(agent, true), rec.executor())

	var reg mesosproto.RegisterExecutorMessage
	from := agent.expect("mesos.internal.RegisterExecutorMessage", &reg)
	require.Equal(t, "fw", reg.FrameworkID.Value)
	agent.send(from, registeredMessage())
	require.Equal(t, "Registered", rec.next(t))

	task := mesos.TaskInfo{Name: "t", TaskID: mesos.TaskID{Value: "t1"}, AgentID: mesos.AgentID{Value: "ag"}}
	agent.send(from, &mesosproto.RunTaskMessage{Framework: &mesos.FrameworkInfo{Name: "fw"}, Task: &task})
	require.Equal(t, "LaunchTask", rec.next(t))

	_, err := d.SendStatusUpdate(&mesos.TaskStatus{TaskID: task.TaskID, State: mesos.TASK_RUNNING.Enum()})
	require.NoError(t, err)
	var upd mesosproto.StatusUpdateMessage
	agent.expect("mesos.internal.StatusUpdateMessage", &upd)
	require.Equal(t, d.wire.(*legacyWire).m.UPID().String(), *upd.PID)
	require.Len(t, upd.Update.UUID, 16)
	require.Equal(t, upd.Update.UUID, upd.Update.Status.UUID)
	// Not acknowledged: the agent restarts.
	port := agent.m.UPID().Port
	agent.m.Close()
	require.Equal(t, "Disconnected", rec.next(t))

	agent = startFakeAgent(t, port)
	agent.send(from, &mesosproto.ReconnectExecutorMessage{SlaveID: &mesos.AgentID{Value: "ag"}})
	var rereg mesosproto.ReregisterExecutorMessage
	agent.expect("mesos.internal.ReregisterExecutorMessage", &rereg)
	require.Len(t, rereg.Tasks, 1)
	require.Len(t, rereg.Updates, 1)
	require.Equal(t, upd.Update.UUID, rereg.Updates[0].UUID)
	agent.send(from, &mesosproto.ExecutorReregisteredMessage{SlaveID: &mesos.AgentID{Value: "ag"}, SlaveInfo: &mesos.AgentInfo{Hostname: "localhost"}})
	require.Equal(t, "Reregistered", rec.next(t))

	agent.send(from, &mesosproto.StatusUpdateAcknowledgementMessage{SlaveID: &mesos.AgentID{Value: "ag"},
		FrameworkID: &mesos.FrameworkID{Value: "fw"}, TaskID: &task.TaskID, UUID: upd.Update.UUID})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, d.AwaitAcknowledgements(ctx))

	agent.send(from, &mesosproto.ShutdownExecutorMessage{})
	require.Equal(t, "Shutdown", rec.next(t))
	require.Equal(t, mesos.DRIVER_RUNNING, d.Status(), "updates may still be sent during shutdown")
	st, err := d.Stop()
	require.NoError(t, err)
	require.Equal(t, mesos.DRIVER_STOPPED, st)
	st, err = d.Join()
	require.NoError(t, err)
	require.Equal(t, mesos.DRIVER_STOPPED, st)
}

func TestMessagesFromStrangersAreDropped(t *testing.T) {
	agent := startFakeAgent(t, 0)
	rec := newRecorder()
	startDriver(t, testDriverConfig(agent, true), rec.executor())
	from := agent.expect("mesos.internal.RegisterExecutorMessage", nil)

	stranger := startFakeAgent(t, 0)
	stranger.send(from, registeredMessage())
	stranger.send(from, &mesosproto.FrameworkToExecutorMessage{Data: []byte("from a stranger")})
	require.NoError(t, agent.m.Send(messenger.Message{To: from.From, Name: "mesos.internal.RunTaskMessage", Body: []byte{0xff, 0xff}}))
	require.NoError(t, agent.m.Send(messenger.Message{To: from.From, Name: "mesos.internal.NoSuchMessage"}))
	agent.send(from, registeredMessage())
	require.Equal(t, "Registered", rec.next(t), "nothing before Registered, and the stranger's message was dropped")
	agent.send(from, &mesosproto.FrameworkToExecutorMessage{Data: []byte("hi")})
	require.Equal(t, "FrameworkMessage:hi", rec.next(t))
}

func TestCallbackPanicIsReportedThroughErrorAndAborts(t *testing.T) {
	agent := startFakeAgent(t, 0)
	rec := newRecorder()
	exec := rec.executor()
	exec.OnLaunchTask = func(ExecutorDriver, *mesos.TaskInfo) { panic("boom") }
	d := startDriver(t, testDriverConfig(agent, true), exec)
	from := agent.expect("mesos.internal.RegisterExecutorMessage", nil)
	agent.send(from, registeredMessage())
	require.Equal(t, "Registered", rec.next(t))
	agent.send(from, &mesosproto.RunTaskMessage{Task: &mesos.TaskInfo{TaskID: mesos.TaskID{Value: "t1"}}})
	require.Equal(t, "Error", rec.next(t))
	st, _ := d.Join()
	require.Equal(t, mesos.DRIVER_ABORTED, st)
}

func TestAgentDeathWithoutCheckpointShutsDown(t *testing.T) {
	agent := startFakeAgent(t, 0)
	rec := newRecorder()
	exec := rec.executor()
	startDriver(t, testDriverConfig(agent, false), exec)
	from := agent.expect("mesos.internal.RegisterExecutorMessage", nil)
	agent.send(from, registeredMessage())
	require.Equal(t, "Registered", rec.next(t))
	start := time.Now()
	agent.m.Close()
	require.Equal(t, "Disconnected", rec.next(t))
	require.Equal(t, "Shutdown", rec.next(t))
	t.Logf("agent death noticed in %v", time.Since(start))
}

func mapEnv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// A status update's UUID is an RFC 4122 version 4 UUID, and updates never
// share one.
func TestStatusUpdateUUIDsAreVersion4AndDistinct(t *testing.T) {
	seen := make(map[string]bool)
	for range 10000 {
		u := newUUID()
		require.Len(t, u, 16)
		require.Equal(t, byte(0x40), u[6]&0xf0, "version nibble of %x", u)
		require.Equal(t, byte(0x80), u[8]&0xc0, "variant bits of %x", u)
		require.False(t, seen[string(u)], "%x issued twice", u)
		seen[string(u)] = true
	}
}
