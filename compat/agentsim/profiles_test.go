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

// 0.24 stops setting RunTaskMessage.framework_id; 1.5 starts shutting down
// taskless executors (see Profile.RunTaskFrameworkID and
// Profile.ShutdownTasklessExecutor).
func TestProfilesBetweenTheirNeighbours(t *testing.T) {
	require.True(t, Mesos022.RunTaskFrameworkID)
	require.False(t, Mesos024.RunTaskFrameworkID)
	require.False(t, Mesos14.ShutdownTasklessExecutor)
	require.True(t, Mesos15.ShutdownTasklessExecutor)
	require.False(t, Mesos15.Heartbeats)
	require.True(t, Mesos18.Heartbeats)
}
