package core

import (
	"testing"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/executor"
	"github.com/stretchr/testify/require"
)

func windowConfig(window int) Config {
	cfg := testConfig()
	cfg.SendWindow = window
	return cfg
}

// updateUUIDs lists the uuids of the UPDATE calls of out, in order.
func updateUUIDs(t *testing.T, out Output) []byte {
	t.Helper()
	var uuids []byte
	for _, c := range out.Calls {
		require.Equal(t, executor.Call_UPDATE, c.Type)
		uuids = append(uuids, c.Update.Status.UUID...)
	}
	return uuids
}

func TestUpdatesBeyondTheSendWindowWaitInTheBookAndGoOutInOrderAsAcksComeIn(t *testing.T) {
	h := registered(t, windowConfig(2))
	for u := byte(1); u <= 2; u++ {
		require.Equal(t, []byte{u}, updateUUIDs(t, h.step(statusUpdate("t", mesos.TASK_RUNNING, u))))
	}
	for u := byte(3); u <= 5; u++ {
		out := h.step(statusUpdate("t", mesos.TASK_RUNNING, u))
		require.NoError(t, out.Err, "a full window holds updates back, it does not refuse them")
		require.Empty(t, out.Calls, "update %d waits: 2 are out unacknowledged", u)
	}
	require.Equal(t, 5, h.c.Unacknowledged())

	require.Equal(t, []byte{3}, updateUUIDs(t, h.step(ackEvent("t", []byte{1}))), "each acknowledgement makes room for the oldest waiting")
	require.Empty(t, h.step(statusUpdate("t", mesos.TASK_RUNNING, 6)).Calls, "a new update waits behind older ones")
	require.Equal(t, []byte{4}, updateUUIDs(t, h.step(ackEvent("t", []byte{3}))), "out of order acknowledgements make room too")
	require.Equal(t, []byte{5}, updateUUIDs(t, h.step(ackEvent("t", []byte{2}))))
	require.Empty(t, h.step(ackEvent("t", []byte{9})).Calls, "an unknown acknowledgement makes no room")
	require.Equal(t, []byte{6}, updateUUIDs(t, h.step(ackEvent("t", []byte{4}))))
	require.Empty(t, h.step(ackEvent("t", []byte{5})).Calls, "nothing is left waiting")
	require.Equal(t, []byte{7}, updateUUIDs(t, h.step(statusUpdate("t", mesos.TASK_FINISHED, 7))), "room again: sent at once")
	require.Equal(t, 2, h.c.Unacknowledged())
}

func TestAReregistrationCarriesTheHeldUpdatesAndTheWindowCountsThem(t *testing.T) {
	h := registered(t, windowConfig(2))
	h.step(launchEvent("t"))
	for u := byte(1); u <= 4; u++ {
		h.step(statusUpdate("t", mesos.TASK_RUNNING, u)) // 1 and 2 out, 3 and 4 held
	}
	h.step(Lost{Cause: "EOF"})
	require.Empty(t, h.step(ackEvent("t", []byte{1})).Calls, "a late ack from the old agent makes room, but no agent can take it")
	out := h.step(Reconnect{AgentID: "ag"})
	require.Len(t, out.Calls, 1)
	var resent []byte
	for _, u := range out.Calls[0].Subscribe.UnacknowledgedUpdates {
		resent = append(resent, u.Status.UUID...)
	}
	require.Equal(t, []byte{2, 3, 4}, resent, "held or not, every unacknowledged update rides the reregistration")
	require.Empty(t, h.step(statusUpdate("t", mesos.TASK_RUNNING, 5)).Calls, "made while reregistering: held")

	out = h.step(subscribedEvent())
	require.Equal(t, []CallbackKind{Reregistered}, kinds(out))
	require.Empty(t, out.Calls, "the 3 updates the reregistration carried fill the window of 2")
	require.Empty(t, h.step(ackEvent("t", []byte{2})).Calls, "still 2 out")
	require.Equal(t, []byte{5}, updateUUIDs(t, h.step(ackEvent("t", []byte{3}))))
}

func TestTheDefaultSendWindowLetsAThousandUpdatesOutAtOnce(t *testing.T) {
	h := registered(t, testConfig())
	sent := 0
	for i := 0; i < DefaultSendWindow+1; i++ {
		out := h.step(SendUpdate{Status: &mesos.TaskStatus{TaskID: mesos.TaskID{Value: "t"}, State: mesos.TASK_RUNNING.Enum()}, UUID: uuidN(i)})
		require.NoError(t, out.Err)
		sent += len(out.Calls)
	}
	require.Equal(t, DefaultSendWindow, sent)
	require.GreaterOrEqual(t, DefaultSendWindow, 1000)
}
