package core

import (
	"encoding/binary"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/executor"
	"github.com/stretchr/testify/require"
)

// realisticConfig has ids as long as a real agent's and executor's.
func realisticConfig() Config {
	cfg := testConfig()
	cfg.AgentID = "2b9f5a8c-31d4-4c1e-9f0a-7d2e6b3c1a90-S12"
	cfg.FrameworkID = "2b9f5a8c-31d4-4c1e-9f0a-7d2e6b3c1a90-0007"
	cfg.ExecutorID = "thermos-www-data-prod-hello-0-5a0c2f1e-6b7d-4e8f-9a1b-2c3d4e5f6a7b"
	return cfg
}

func uuidN(i int) []byte {
	u := make([]byte, 16)
	binary.BigEndian.PutUint64(u[8:], uint64(i))
	return u
}

// retainedPerUpdate sends n updates that are never acknowledged and returns
// the heap they keep alive, per update.
func retainedPerUpdate(n int) float64 {
	h := &harness{c: New(realisticConfig()), now: t0}
	h.step(Start{})
	h.step(subscribedEvent())
	uuids := make([][]byte, n) // made by the driver, kept by the core
	for i := range uuids {
		uuids[i] = uuidN(i)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range uuids {
		st := mesos.TaskStatus{TaskID: mesos.TaskID{Value: "task-0001"}, State: mesos.TASK_RUNNING.Enum()}
		h.step(SendUpdate{Status: &st, UUID: uuids[i]}) // the output is garbage once the wire sent it
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(h)
	runtime.KeepAlive(uuids)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n)
}

// The driver lets 10,000 updates wait for their acknowledgements (the v1
// wire, or a slow agent, gets there): each must stay small.
func TestUnacknowledgedUpdatesAreKeptCompactly(t *testing.T) {
	per := retainedPerUpdate(10000)
	t.Logf("%.0f bytes kept per unacknowledged update", per)
	require.Less(t, per, 128.0)
}

func BenchmarkUnacknowledgedUpdate(b *testing.B) {
	b.ReportMetric(retainedPerUpdate(10000), "retained-B/update")
	h := &harness{c: New(realisticConfig()), now: t0}
	h.step(Start{})
	h.step(subscribedEvent())
	st := mesos.TaskStatus{TaskID: mesos.TaskID{Value: "task-0001"}, State: mesos.TASK_RUNNING.Enum()}
	uuids := make([][]byte, 1000)
	for i := range uuids {
		uuids[i] = uuidN(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	// Send 1,000 ahead, then one acknowledgement per send, in order.
	for i := 0; i < b.N; i++ {
		h.step(SendUpdate{Status: &st, UUID: uuids[i%1000]})
		if i >= 999 {
			h.step(Event{&executor.Event{Type: executor.Event_ACKNOWLEDGED, Acknowledged: &executor.Event_Acknowledged{
				TaskID: st.TaskID, UUID: uuids[(i+1)%1000]}}})
		}
	}
}

// An update handed back to a restarted agent is the one sent the first time,
// every field of it.
func TestResentUpdatesAreTheOnesFirstSent(t *testing.T) {
	h := registered(t, testConfig())
	full := mesos.TaskStatus{
		TaskID: mesos.TaskID{Value: "t1"}, State: mesos.TASK_RUNNING.Enum(), Message: proto.String("up"),
		Reason: mesos.REASON_TASK_CHECK_STATUS_UPDATED.Enum(), Data: []byte("data"), Healthy: proto.Bool(true),
		Labels:      &mesos.Labels{Labels: []mesos.Label{{Key: "k", Value: proto.String("v")}}},
		CheckStatus: &mesos.CheckStatusInfo{Type: mesos.CheckInfo_COMMAND.Enum(), Command: &mesos.CheckStatusInfo_Command{ExitCode: proto.Int32(0)}},
		// stamped over, as always
		UUID: []byte("theirs"), Source: mesos.SOURCE_MASTER.Enum(),
	}
	minimal := mesos.TaskStatus{TaskID: mesos.TaskID{Value: "t1"}, State: mesos.TASK_FINISHED.Enum()}
	var sent []mesos.TaskStatus
	for i, s := range []*mesos.TaskStatus{&full, &minimal} {
		out := h.step(SendUpdate{Status: s, UUID: uuidN(i)})
		require.NoError(t, out.Err)
		sent = append(sent, out.Calls[0].Update.Status)
	}
	require.Equal(t, "theirs", string(full.UUID), "the core stamps a copy, never the executor's status")
	require.Equal(t, mesos.SOURCE_MASTER, full.GetSource())
	h.step(Lost{Cause: "EOF"})
	out := h.step(Reconnect{AgentID: "ag"})
	var resent []mesos.TaskStatus
	for _, u := range out.Calls[0].Subscribe.UnacknowledgedUpdates {
		resent = append(resent, u.Status)
	}
	require.Equal(t, sent, resent)
}

// Acknowledgements in any order leave exactly the others outstanding, in
// the order they were sent, however the slots are reused.
func TestAcknowledgementsInAnyOrderLeaveTheRestInOrder(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	h := registered(t, testConfig())
	var want []int // uuids outstanding, oldest first
	next := 0
	for step := 0; step < 5000; step++ {
		switch {
		case len(want) == 0 || rnd.IntN(3) > 0:
			require.NoError(t, h.step(statusUpdate("t1", mesos.TASK_RUNNING, byte(next))).Err)
			want = append(want, next)
			next = (next + 1) % 256
		default:
			i := 0 // mostly in order
			if rnd.IntN(4) == 0 {
				i = rnd.IntN(len(want))
			}
			h.step(ackEvent("t1", []byte{byte(want[i])}))
			want = append(want[:i], want[i+1:]...)
		}
		if len(want) > 200 { // keep the uuids (one byte) unique
			for len(want) > 0 {
				h.step(ackEvent("t1", []byte{byte(want[0])}))
				want = want[1:]
			}
		}
		got := make([]int, 0, len(want))
		for _, p := range h.c.book.outstanding() {
			got = append(got, int(p.uuid()[0]))
		}
		require.Equal(t, want, got, "step %d", step)
	}
}
