package agentsim

import (
	"context"
	"testing"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/stretchr/testify/require"
)

// An agent before 1.1 has no task groups to send.
func TestLaunchGroupNeedsAnAgentWithTaskGroups(t *testing.T) {
	a, err := Start(context.Background(), AgentConfig{Profile: Mesos10})
	require.NoError(t, err)
	defer a.Close()
	err = a.LaunchGroup(mesos.TaskGroupInfo{Tasks: []mesos.TaskInfo{{TaskID: mesos.TaskID{Value: "g1"}}}})
	require.ErrorContains(t, err, "no task groups")
}

// 0.24 stops setting RunTaskMessage.framework_id; 1.0 starts shutting down
// executors that register with no task, 1.1 those that subscribe with none
// (see Profile.RunTaskFrameworkID and Profile.ShutdownTasklessExecutor);
// 1.2 starts validating check_status, in every profile after Mesos11.
func TestProfilesBetweenTheirNeighbours(t *testing.T) {
	require.True(t, Mesos022.RunTaskFrameworkID)
	require.False(t, Mesos024.RunTaskFrameworkID)
	require.False(t, Mesos028.ShutdownTasklessExecutor)
	require.True(t, Mesos10.ShutdownTasklessExecutor)
	require.False(t, Mesos10.ShutdownTasklessSubscriber)
	require.True(t, Mesos11.ShutdownTasklessSubscriber)
	require.False(t, Mesos15.Heartbeats)
	require.True(t, Mesos18.Heartbeats)
	require.False(t, Mesos11.V1ValidatesCheckStatus)
	require.True(t, Mesos13.V1ValidatesCheckStatus)
	require.True(t, Mesos14.V1ValidatesCheckStatus)
}
