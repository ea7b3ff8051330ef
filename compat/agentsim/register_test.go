package agentsim

import (
	"testing"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/mesosproto"
	"github.com/mesos-shim/executor/messenger"
)

func TestRegisterSendsRegisteredThenQueuedTasksAndAcksToPid(t *testing.T) {
	a := startAgent(t, AgentConfig{Profile: Mesos14, Checkpoint: true})
	f := newFakeExecutor(t, a)
	require.NoError(t, a.Launch(CommandTask("t1", "sleep 30")))

	f.register()
	var reg mesosproto.ExecutorRegisteredMessage
	msg := f.expect(&reg)
	require.Equal(t, a.UPID(), msg.From)
	require.Equal(t, DefaultExecutorID, reg.GetExecutorInfo().ExecutorID.Value)
	require.Equal(t, DefaultFrameworkID, reg.GetFrameworkID().GetValue())
	require.Equal(t, DefaultFrameworkID, reg.GetFrameworkInfo().GetID().GetValue())
	require.True(t, reg.GetFrameworkInfo().GetCheckpoint())
	require.Equal(t, DefaultAgentID, reg.GetSlaveID().GetValue())
	require.Equal(t, DefaultAgentID, reg.GetSlaveInfo().GetID().GetValue())
	var run mesosproto.RunTaskMessage
	f.expect(&run)
	require.Equal(t, "t1", run.GetTask().TaskID.Value)
	require.Equal(t, DefaultAgentID, run.GetTask().AgentID.Value)
	require.Equal(t, "sleep 30", run.GetTask().GetCommand().GetValue())
	require.Nil(t, run.FrameworkID, "agents stopped setting framework_id in 0.24")
	require.Equal(t, HTTPFrameworkPID, run.GetPID())
	require.NoError(t, a.WaitRegistered(testContext(t)))

	// The acknowledgement goes to StatusUpdateMessage.pid, not to the sender.
	acks := make(chan messenger.Message, 4)
	elsewhere := newInbox(t, acks)
	sent := f.statusUpdate("t1", mesos.TASK_RUNNING, elsewhere.UPID())
	f.send(sent)
	var ack mesosproto.StatusUpdateAcknowledgementMessage
	expectOn(t, acks, &ack)
	require.Equal(t, sent.Update.UUID, ack.UUID)
	require.Equal(t, "t1", ack.GetTaskID().GetValue())
	require.Equal(t, DefaultAgentID, ack.GetSlaveID().GetValue())
	require.Equal(t, DefaultFrameworkID, ack.GetFrameworkID().GetValue())

	u, err := a.WaitUpdate(testContext(t), "t1", mesos.TASK_RUNNING)
	require.NoError(t, err)
	require.Equal(t, 1, u.Acks)
	require.Empty(t, f.inbox, "the sender got a message meant for pid")
}

func TestDuplicateRegistrationIsAnsweredWithShutdown(t *testing.T) {
	a := startAgent(t, AgentConfig{})
	f := newFakeExecutor(t, a)
	f.registerWithTask(a, "t1")

	f.register()
	msg := f.expect(&mesosproto.ShutdownExecutorMessage{})
	require.Empty(t, msg.Body, "agents send ShutdownExecutorMessage with an empty body")
	require.Equal(t, Running, a.State(), "a refused duplicate leaves the executor's state alone")
}

func TestRegistrationFromUnknownExecutorIsAnsweredWithShutdown(t *testing.T) {
	a := startAgent(t, AgentConfig{Profile: Mesos14})
	f := newFakeExecutor(t, a)
	fw, _, _ := f.ids()
	f.send(&mesosproto.RegisterExecutorMessage{FrameworkID: fw, ExecutorID: &mesos.ExecutorID{Value: "someone-else"}})
	f.expect(&mesosproto.ShutdownExecutorMessage{})
	require.Equal(t, Registering, a.State())
}

// Since 1.0 (and 0.28.2) an executor with nothing to run is shut down when
// it registers.
func TestTasklessRegistration(t *testing.T) {
	for _, tc := range []struct {
		profile Profile
		want    proto.Message
		state   ExecutorState
	}{
		{Mesos028, &mesosproto.ExecutorRegisteredMessage{}, Running},
		{Mesos10, &mesosproto.ShutdownExecutorMessage{}, Terminating},
		{Mesos112, &mesosproto.ShutdownExecutorMessage{}, Terminating},
	} {
		t.Run(tc.profile.Name, func(t *testing.T) {
			a := startAgent(t, AgentConfig{Profile: tc.profile})
			f := newFakeExecutor(t, a)
			f.register()
			f.expect(tc.want)
			err := a.WaitRegistered(testContext(t))
			require.Equal(t, tc.state == Running, err == nil, "WaitRegistered: %v", err)
			require.Equal(t, tc.state, a.State())
		})
	}
}
