package driver

import (
	"fmt"
	"strconv"
	"testing"
	"unsafe"

	"github.com/mesos/mesos-go/api/v1/lib/executor"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/internal/httppipe"
)

// A steady stream of calls, settled as they are answered, goes through one
// array of the queue, in order, and the array keeps nothing settled.
func TestTheCallQueueReusesItsArray(t *testing.T) {
	var q callQueue
	pushed, settled := 0, 0
	push := func() {
		q.push(queuedCall{body: []byte(strconv.Itoa(pushed))})
		pushed++
	}
	for range 100 {
		push()
	}
	arrays, array := 0, (*queuedCall)(nil)
	for range 10000 {
		push()
		if a := unsafe.SliceData(q.base); a != array {
			arrays, array = arrays+1, a
		}
		q.sent = len(q.calls) // all written
		require.Equal(t, strconv.Itoa(settled), string(q.calls[0].body), "settled out of order")
		q.settle()
		settled++
	}
	require.LessOrEqual(t, arrays, 2, "the queue grew a new array as it went")
	require.LessOrEqual(t, cap(q.base), 512)
	start := cap(q.base) - cap(q.calls) // where the queue lies in its array
	for i, c := range q.base[:cap(q.base)] {
		if i < start || i >= start+len(q.calls) {
			require.Nil(t, c.body, "slot %d outside the queue still holds a settled call", i)
		}
	}
}

// A call settled behind calls waiting to be sent again (answered "retry")
// leaves the others in order.
func TestTheCallQueueSettlesBehindRetries(t *testing.T) {
	var q callQueue
	for i := range 40 {
		q.push(queuedCall{body: []byte(strconv.Itoa(i))})
	}
	q.next, q.sent = 2, 40
	q.settle()
	var left []string
	for _, c := range q.calls {
		left = append(left, string(c.body))
	}
	require.Equal(t, []string{"0", "1", "3"}, left[:3])
	require.Len(t, left, 39)
	require.Nil(t, q.calls[:40][39].body, "the slot freed at the end still holds a call")
}

// Calls are pipelined only once the agent has accepted one past its
// recovery. It accepts a HEARTBEAT while still recovering (and refuses an
// UPDATE with 503 then), so a HEARTBEAT's 202 leaves the connection cold:
// otherwise updates pipelined behind it could be refused and accepted out
// of order as recovery ends between them.
func TestAHeartbeatAcceptedDoesNotWarmTheCallsConnection(t *testing.T) {
	w := &httpWire{}
	conn := &callsConn{}
	w.calls.conn = conn
	answer := func(typ executor.Call_Type) {
		w.calls.push(queuedCall{what: callName{typ: typ}})
		w.calls.sent++
		w.apply(conn, false, httppipe.Response{Status: 202}, typ)
	}
	answer(executor.Call_HEARTBEAT)
	require.False(t, conn.warm, "a HEARTBEAT's 202 says nothing of recovery")
	require.Equal(t, 1, w.calls.room(), "one call at a time on a cold connection")
	answer(executor.Call_UPDATE)
	require.True(t, conn.warm, "an UPDATE's 202 does")
	require.Equal(t, callsWindow, w.calls.room())
}

// Of the calls a broken connection left unsure, the UPDATEs acknowledged
// on the stream are not written again; the others are, and so is every
// call written for the first time, acknowledged uuid or not.
func TestTheCallQueueSkipsOnlyUnsureUpdatesAcknowledged(t *testing.T) {
	uuid := func(i int) []byte { return []byte(fmt.Sprintf("uuid-%011d", i)) }
	var q callQueue
	for i := range 6 {
		q.push(queuedCall{what: callName{typ: executor.Call_UPDATE, uuid: uuid(i)}, body: []byte(strconv.Itoa(i))})
	}
	q.push(queuedCall{what: callName{typ: executor.Call_MESSAGE}, body: []byte("m")})
	q.sent = 5 // 0 to 4 written, their answers lost with the connection
	q.dropConn()
	for _, i := range []int{1, 3, 5} {
		q.acked.add(uuid(i))
	}
	require.Equal(t, 5, q.skipAcknowledged(7))
	var left []string
	for _, c := range q.calls {
		left = append(left, string(c.body))
		require.False(t, c.unsure, "call %s is still marked unsure once judged", c.body)
	}
	require.Equal(t, []string{"0", "2", "4", "5", "m"}, left)
}

// The wire remembers the last 2 × callsWindow acknowledgements, no more.
func TestTheAckMemoryKeepsTheLastTwoWindows(t *testing.T) {
	uuid := func(i int) []byte { return []byte(fmt.Sprintf("uuid-%011d", i)) }
	var m ackMemory
	const n = 2*callsWindow + 10
	for i := range n {
		m.add(uuid(i))
	}
	for i := range n {
		require.Equal(t, i >= 10, m.has(uuid(i)), "uuid %d", i)
	}
	require.False(t, m.has([]byte("short")))
}
