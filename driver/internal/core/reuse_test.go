package core

import (
	"testing"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/stretchr/testify/require"
)

// A framework may launch a task with the id of one that has ended once its
// terminal update is acknowledged: the master only refuses ids of tasks it
// still tracks (validateUniqueTaskID), the agent only ids it has launched
// and not seen end, and the C++ driver only ids with an update not yet
// acknowledged. A long-lived executor that gets the new task must run it.
func TestATaskIDMayBeLaunchedAgainOnceItsTerminalUpdateIsAcknowledged(t *testing.T) {
	h := registered(t, testConfig())
	require.Equal(t, []CallbackKind{LaunchTask}, kinds(h.step(launchEvent("t1"))))
	h.step(statusUpdate("t1", mesos.TASK_RUNNING, 1))
	h.step(ackEvent("t1", []byte{1}))
	require.Empty(t, kinds(h.step(launchEvent("t1"))), "a running task's id is still taken")
	require.Equal(t, []CallbackKind{KillTask}, kinds(h.step(killEvent("t1"))), "its kill is not kept waiting for a launch")

	h.step(statusUpdate("t1", mesos.TASK_KILLED, 2))
	require.Empty(t, kinds(h.step(launchEvent("t1"))), "until the terminal update is acknowledged")
	h.step(ackEvent("t1", []byte{2}))
	require.Equal(t, []CallbackKind{LaunchTask}, kinds(h.step(launchEvent("t1"))))
}
