package agentsim

import (
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/mesosproto"
)

func TestStagingUpdateShutsTheExecutorDown(t *testing.T) {
	a := startAgent(t, AgentConfig{Profile: Mesos14})
	f := newFakeExecutor(t, a)
	f.registerWithTask(a, "t1")

	f.update("t1", mesos.TASK_STAGING)
	f.expect(&mesosproto.ShutdownExecutorMessage{})
	require.Equal(t, Terminating, a.State())
	require.Empty(t, a.Updates(), "a STAGING update is not accepted")
	require.Contains(t, names(a.Trace(), AtAgent), EventUpdateDropped)
}

// Invalid updates get no acknowledgement: on the ordered link, the next
// message after them is the acknowledgement of a valid one.
func TestInvalidUpdatesAreDroppedWithoutAcknowledgement(t *testing.T) {
	a := startAgent(t, AgentConfig{Profile: Mesos14})
	f := newFakeExecutor(t, a)
	f.registerWithTask(a, "t1")

	for name, spoil := range map[string]func(*mesosproto.StatusUpdate){
		"no uuid":          func(u *mesosproto.StatusUpdate) { u.UUID = nil },
		"short uuid":       func(u *mesosproto.StatusUpdate) { u.UUID = u.UUID[:8] },
		"other agent":      func(u *mesosproto.StatusUpdate) { u.SlaveID = &mesos.AgentID{Value: "other"} },
		"no agent":         func(u *mesosproto.StatusUpdate) { u.SlaveID = nil },
		"status agent":     func(u *mesosproto.StatusUpdate) { u.Status.AgentID = &mesos.AgentID{Value: "other"} },
		"no status agent":  func(u *mesosproto.StatusUpdate) { u.Status.AgentID = nil },
		"other framework":  func(u *mesosproto.StatusUpdate) { u.FrameworkID = &mesos.FrameworkID{Value: "other"} },
		"without a status": func(u *mesosproto.StatusUpdate) { u.Status = nil },
	} {
		m := f.statusUpdate("bad", mesos.TASK_RUNNING, f.m.UPID())
		spoil(m.Update)
		f.send(m)
		t.Log("sent an update with", name)
	}
	good := f.update("t1", mesos.TASK_RUNNING)

	var ack mesosproto.StatusUpdateAcknowledgementMessage
	f.expect(&ack)
	require.Equal(t, good.Update.UUID, ack.UUID)
	require.Len(t, a.Updates(), 1)
	dropped := 0
	for _, n := range names(a.Trace(), AtAgent) {
		if n == EventUpdateDropped {
			dropped++
		}
	}
	require.Equal(t, 8, dropped)
}

// Before 1.1 the agent does not compare an update's agent ids with its
// own (Slave::statusUpdate at the 1.0.0 and 1.1.0 tags): an update naming
// another agent, or none in its status, is accepted and acknowledged.
func TestAgentIDsOfUpdatesUncheckedBefore11(t *testing.T) {
	a := startAgent(t, AgentConfig{Profile: Mesos10})
	f := newFakeExecutor(t, a)
	f.registerWithTask(a, "t1")

	for _, spoil := range []func(*mesosproto.StatusUpdate){
		func(u *mesosproto.StatusUpdate) { u.SlaveID = &mesos.AgentID{Value: "other"} },
		func(u *mesosproto.StatusUpdate) { u.Status.AgentID = nil },
	} {
		m := f.statusUpdate("t1", mesos.TASK_RUNNING, f.m.UPID())
		spoil(m.Update)
		f.send(m)
		var ack mesosproto.StatusUpdateAcknowledgementMessage
		f.expect(&ack)
		require.Equal(t, m.Update.UUID, ack.UUID)
	}
	require.Len(t, a.Updates(), 2)
}

func TestUpdateWithoutPidIsAcceptedButNeverAcknowledged(t *testing.T) {
	a := startAgent(t, AgentConfig{Profile: Mesos14})
	f := newFakeExecutor(t, a)
	f.registerWithTask(a, "t1")

	m := f.statusUpdate("t1", mesos.TASK_RUNNING, f.m.UPID())
	m.PID = nil
	f.send(m)
	good := f.update("t1", mesos.TASK_FINISHED)

	var ack mesosproto.StatusUpdateAcknowledgementMessage
	f.expect(&ack)
	require.Equal(t, good.Update.UUID, ack.UUID)
	require.NoError(t, a.WaitAllAcknowledged(testContext(t)))
	updates := a.Updates()
	require.Len(t, updates, 2)
	require.Zero(t, updates[0].Acks)
	require.Contains(t, names(a.Trace(), AtAgent), EventNoAck)
}

func TestAckDelayHoldsTheAcknowledgementBack(t *testing.T) {
	const delay = 40 * time.Millisecond
	a := startAgent(t, AgentConfig{Profile: Mesos14, AckDelay: delay})
	f := newFakeExecutor(t, a)
	f.registerWithTask(a, "t1")

	f.update("t1", mesos.TASK_RUNNING)
	f.expect(&mesosproto.StatusUpdateAcknowledgementMessage{})
	require.NoError(t, a.WaitAllAcknowledged(testContext(t)))

	var in, out time.Duration
	for _, e := range a.Trace().Entries() {
		switch {
		case e.Dir == FromExecutor && e.Name == "StatusUpdateMessage":
			in = e.At
		case e.Dir == ToExecutor && e.Name == "StatusUpdateAcknowledgementMessage":
			out = e.At
		}
	}
	require.GreaterOrEqual(t, out-in, delay)
}
