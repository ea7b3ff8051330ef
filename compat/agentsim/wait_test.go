package agentsim

import (
	"testing"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/stretchr/testify/require"
)

// updatesOnly is an agent with nothing but a record of updates: enough for
// the checks behind the waits, which run with its lock held.
func updatesOnly() *Agent {
	return &Agent{acks: make(map[string]int)}
}

func (a *Agent) acceptForTest(taskID string, state mesos.TaskState, uuid byte) {
	a.updates.add(Update{TaskID: taskID, State: state, UUID: []byte{uuid}, Wire: WireV1})
}

func (a *Agent) ackForTest(uuid byte) { a.acks[uuidKey([]byte{uuid})]++ }

func TestAllAcknowledgedJudgesEachUpdateOnceAndRestartsAfterAForget(t *testing.T) {
	a := updatesOnly()
	check := a.allAcknowledged()
	require.True(t, check(), "no updates: nothing to wait for")

	a.acceptForTest("t", mesos.TASK_RUNNING, 1)
	a.acceptForTest("t", mesos.TASK_RUNNING, 2)
	a.acceptForTest("t", mesos.TASK_RUNNING, 3)
	a.ackForTest(1)
	a.ackForTest(2)
	require.False(t, check(), "update 3 is not acknowledged")

	forgotten := a.ForgetAcknowledged() // keeps only update 3, now at index 0
	require.Len(t, forgotten, 2)
	a.acceptForTest("t", mesos.TASK_FINISHED, 4)
	a.ackForTest(3)
	require.False(t, check(), "update 4, accepted after the forget, is not acknowledged; "+
		"a cursor kept across the forget would skip it")

	a.ackForTest(4)
	require.True(t, check())
}

func TestAnUnackableUpdateIsNotWaitedFor(t *testing.T) {
	a := updatesOnly()
	a.updates.add(Update{TaskID: "t", State: mesos.TASK_RUNNING, UUID: []byte{1}, Wire: WireV0, PID: ""})
	require.True(t, a.allAcknowledged()(), "an update without a valid pid is never acknowledged")
}

func TestFindsUpdateSeesUpdatesAcceptedLaterAndAfterAForget(t *testing.T) {
	a := updatesOnly()
	var found Update
	check := a.findsUpdate("t", mesos.TASK_FINISHED, &found)
	a.acceptForTest("t", mesos.TASK_RUNNING, 1)
	a.acceptForTest("t", mesos.TASK_RUNNING, 2)
	a.acceptForTest("t", mesos.TASK_RUNNING, 3)
	require.False(t, check())

	a.ackForTest(1)
	a.ackForTest(2)
	a.ForgetAcknowledged() // update 3 moves to index 0
	a.acceptForTest("t", mesos.TASK_FINISHED, 4)
	require.True(t, check(), "the TASK_FINISHED accepted after the forget is found")
	require.Equal(t, []byte{4}, found.UUID)
	require.Zero(t, found.Acks)

	other := a.findsUpdate("t", mesos.TASK_RUNNING, &found)
	require.True(t, other())
	require.Equal(t, []byte{3}, found.UUID, "the first matching update")
}
