package core

import (
	"testing"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/executor"
	"github.com/stretchr/testify/require"
)

func commandTask(id string) mesos.TaskInfo {
	return mesos.TaskInfo{TaskID: mesos.TaskID{Value: id}, Data: []byte("data"),
		Command: &mesos.CommandInfo{Value: strPtr("run"), Environment: &mesos.Environment{
			Variables: []mesos.Environment_Variable{{Name: "A", Value: strPtr("1")}}}}}
}

func strPtr(s string) *string { return &s }

// edit changes a task in place as an executor may, once handed it: its
// data, and the command's environment.
func edit(t *mesos.TaskInfo) {
	copy(t.Data, "XXXX")
	*t.Command.Value = "edited"
	t.Command.Environment.Variables[0].Name = "EDITED"
	t.Command.Environment.Variables = append(t.Command.Environment.Variables, mesos.Environment_Variable{Name: "B"})
}

// The tasks a reregistration hands back to the agent are the tasks as the
// agent launched them, whatever the executor did to those it was given:
// LaunchTask and LaunchTaskGroup give the executor values of its own, not
// the ones the core keeps (which the loop encodes while the executor's
// goroutines may be changing theirs).
func TestTheExecutorsEditsOfItsTasksDoNotReachTheReregistration(t *testing.T) {
	h := registered(t, testConfig())
	out := h.step(Event{&executor.Event{Type: executor.Event_LAUNCH, Launch: &executor.Event_Launch{Task: commandTask("t1")}}})
	edit(out.Callbacks[0].Task)
	out = h.step(Event{&executor.Event{Type: executor.Event_LAUNCH_GROUP, LaunchGroup: &executor.Event_LaunchGroup{
		TaskGroup: mesos.TaskGroupInfo{Tasks: []mesos.TaskInfo{commandTask("g1")}}}}})
	edit(&out.Callbacks[0].TaskGroup.Tasks[0])

	h.step(Lost{Cause: "EOF"})
	out = h.step(Reconnect{AgentID: "ag"})
	tasks := out.Calls[0].Subscribe.UnacknowledgedTasks
	require.Len(t, tasks, 2)
	for _, task := range tasks {
		want := commandTask(task.TaskID.Value)
		require.True(t, want.Equal(&task), "task %s as launched, got %v", task.TaskID.Value, task)
	}
}
