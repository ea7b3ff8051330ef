package agentsim

import (
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/executor"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/mesosproto"
)

func TestKillCarriesThePolicyFrom10On(t *testing.T) {
	policy := &mesos.KillPolicy{GracePeriod: &mesos.DurationInfo{Nanoseconds: int64(time.Second)}}
	for _, tc := range []struct {
		profile    Profile
		wantPolicy bool
	}{{Mesos026, false}, {Mesos1x, true}} {
		t.Run(tc.profile.Name, func(t *testing.T) {
			a := startAgent(t, AgentConfig{Profile: tc.profile})
			f := newFakeExecutor(t, a)
			f.registerWithTask(a, "t1")

			require.NoError(t, a.Kill("t1", policy))
			var kill mesosproto.KillTaskMessage
			f.expect(&kill)
			require.Equal(t, "t1", kill.GetTaskID().GetValue())
			require.Equal(t, DefaultFrameworkID, kill.GetFrameworkID().GetValue())
			require.Equal(t, tc.wantPolicy, kill.KillPolicy != nil)
		})
	}
}

func TestFrameworkMessagesBothWays(t *testing.T) {
	a := startAgent(t, AgentConfig{})
	f := newFakeExecutor(t, a)
	f.registerWithTask(a, "t1")
	data := []byte("ping \x00\xff")

	require.NoError(t, a.FrameworkMessage(data))
	var in mesosproto.FrameworkToExecutorMessage
	f.expect(&in)
	require.Equal(t, data, in.Data)
	require.Equal(t, DefaultExecutorID, in.GetExecutorID().GetValue())
	require.Equal(t, DefaultAgentID, in.GetSlaveID().GetValue())

	fw, ex, agent := f.ids()
	f.send(&mesosproto.ExecutorToFrameworkMessage{SlaveID: agent, FrameworkID: fw, ExecutorID: ex, Data: in.Data})
	require.NoError(t, a.WaitFrameworkMessage(testContext(t), data))
	require.Equal(t, [][]byte{data}, a.FrameworkMessages())
}

func TestLaunchGroupSendsAnUnversionedExecutorEvent(t *testing.T) {
	a := startAgent(t, AgentConfig{})
	f := newFakeExecutor(t, a)
	group := mesos.TaskGroupInfo{Tasks: []mesos.TaskInfo{CommandTask("g1", "true"), CommandTask("g2", "true")}}
	require.NoError(t, a.LaunchGroup(group)) // queued: a real agent launches for it

	f.register()
	f.expect(&mesosproto.ExecutorRegisteredMessage{})
	var ev executor.Event
	msg := f.expect(&ev)
	require.Equal(t, mesosproto.ExecutorEventName, msg.Name)
	require.Equal(t, executor.Event_LAUNCH_GROUP, ev.Type)
	tasks := ev.GetLaunchGroup().TaskGroup.Tasks
	require.Len(t, tasks, 2)
	require.Equal(t, "g2", tasks[1].TaskID.Value)
	require.Equal(t, DefaultAgentID, tasks[1].AgentID.Value)
}

func TestScriptOperationsNeedARegisteredExecutor(t *testing.T) {
	a := startAgent(t, AgentConfig{})
	require.Error(t, a.Kill("t1", nil))
	require.Error(t, a.FrameworkMessage([]byte("x")))
	require.Error(t, a.Shutdown())
	require.NoError(t, a.Launch(CommandTask("t1", "true")), "a launch before registration is queued")
}
