package driver

import (
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/mesosproto"
)

// At MaxUnacknowledgedUpdates, SendStatusUpdate waits for an
// acknowledgement to make room, and the updates keep their order.
func TestSendStatusUpdateBlocksAtTheBound(t *testing.T) {
	agent := startFakeAgent(t, 0)
	rec := newRecorder()
	cfg := testDriverConfig(agent, true)
	cfg.MaxUnacknowledgedUpdates = 2
	d := startDriver(t, cfg, rec.executor())
	from := agent.expect("mesos.internal.RegisterExecutorMessage", nil)
	agent.send(from, registeredMessage())
	require.Equal(t, "Registered", rec.next(t))

	send := func(msg string) {
		_, err := d.SendStatusUpdate(&mesos.TaskStatus{TaskID: mesos.TaskID{Value: "t1"}, State: mesos.TASK_RUNNING.Enum(), Message: &msg})
		require.NoError(t, err)
	}
	send("1")
	send("2")
	third := make(chan struct{})
	go func() { send("3"); close(third) }()

	var first mesosproto.StatusUpdateMessage
	agent.expect("mesos.internal.StatusUpdateMessage", &first)
	agent.expect("mesos.internal.StatusUpdateMessage", nil)
	select {
	case <-third:
		t.Fatal("the third update went out with two unacknowledged")
	default:
	}
	require.Empty(t, agent.msgs, "nothing more reached the agent")

	agent.send(from, &mesosproto.StatusUpdateAcknowledgementMessage{TaskID: &mesos.TaskID{Value: "t1"}, UUID: first.Update.UUID})
	select {
	case <-third:
	case <-time.After(5 * time.Second):
		t.Fatal("the acknowledgement did not make room")
	}
	var next mesosproto.StatusUpdateMessage
	agent.expect("mesos.internal.StatusUpdateMessage", &next)
	require.Equal(t, "3", next.Update.Status.GetMessage())
}

// Once no acknowledgement can come (the agent is gone for good), updates
// are not held: the caller is not blocked forever.
func TestNoBackPressureOnceTheAgentIsGone(t *testing.T) {
	agent := startFakeAgent(t, 0)
	rec := newRecorder()
	cfg := testDriverConfig(agent, false)
	cfg.MaxUnacknowledgedUpdates = 1
	d := startDriver(t, cfg, rec.executor())
	from := agent.expect("mesos.internal.RegisterExecutorMessage", nil)
	agent.send(from, registeredMessage())
	require.Equal(t, "Registered", rec.next(t))
	_, err := d.SendStatusUpdate(&mesos.TaskStatus{TaskID: mesos.TaskID{Value: "t1"}, State: mesos.TASK_RUNNING.Enum()})
	require.NoError(t, err)
	agent.m.Close()
	require.Equal(t, "Disconnected", rec.next(t))
	require.Equal(t, "Shutdown", rec.next(t))
	_, err = d.SendStatusUpdate(&mesos.TaskStatus{TaskID: mesos.TaskID{Value: "t1"}, State: mesos.TASK_KILLED.Enum()})
	require.NoError(t, err, "returns, though nobody will acknowledge it")
}
