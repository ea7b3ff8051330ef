package core

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/executor"
)

// FuzzLifecycle drives the core with any sequence of inputs, each a byte
// of the fuzzer's data (with its arguments in the bytes after it), and
// checks after every step what the driver promises whatever happens:
//
//   - the status only moves forward (NOT_STARTED, RUNNING, then STOPPED or
//     ABORTED; a Stop after an abort makes it STOPPED, as the C++ driver's
//     stop does);
//   - callbacks follow the Executor contract: Registered at most once and
//     before any work, connection changes alternate Disconnected,
//     Reregistered, and nothing but Error follows Shutdown or Error;
//   - no status update is lost or reordered: a reregistration carries
//     exactly the accepted updates not yet acknowledged, in the order they
//     were accepted, and between two connections each update goes out at
//     most once, in order, and never once acknowledged;
//   - none is stuck: once the sequence ends, an agent that takes the
//     executor (back) and acknowledges what reaches it on its connection
//     gets every accepted update.
func FuzzLifecycle(f *testing.F) {
	f.Add([]byte{0x01, 0, 6, 1, 0, 0, 0, 3, 0, 0, 1, 3, 0})
	f.Add([]byte{0x03, 0, 6, 0, 0, 0, 0, 1, 4, 0, 5, 6, 0, 0, 3, 0})
	f.Add([]byte{0x00, 0, 6, 1, 1, 0, 1, 0, 10, 2, 1, 7, 200, 0, 2})
	f.Add([]byte{0x05, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, 4, 3, 7, 50, 6, 3, 0, 3, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 || len(data) > maxFuzzOps {
			return // the checks cost O(n²): long inputs would only be slow
		}
		m := newLifecycleModel(t, data[0])
		m.step(Start{})
		for r := (&opReader{data: data[1:]}); !r.done(); {
			m.step(m.nextInput(r))
		}
		m.drain()
	})
}

// drain has an agent take a running executor, registering it or taking it
// back, then acknowledge every update that reaches it, until none is left.
// Only what went out on the current connection reaches the agent: a new
// connection loses what the wire had queued for the old one (v1), which
// the reregistration must carry instead.
func (m *lifecycleModel) drain() {
	if m.c.Status() != mesos.DRIVER_RUNNING {
		return
	}
	switch {
	case m.c.State() == StateRegistering:
		m.step(subscribedEvent())
	case m.c.lostAgent():
		m.step(Reconnect{AgentID: "ag"})
		m.step(subscribedEvent())
	}
	for round := 0; len(m.sentHere) > 0; round++ {
		if round > len(m.accepted) {
			m.t.Fatalf("acknowledgements never end: %d rounds", round)
		}
		sent := m.sentHere
		m.sentHere = nil
		for _, key := range sent {
			if !m.acked[key] {
				m.step(ackEvent(m.task[key], []byte(key)))
			}
		}
	}
	if m.c.State() == StateConnected || m.c.State() == StateShuttingDown && !m.c.agentGone {
		for _, u := range m.accepted {
			if !m.acked[string(u)] {
				m.t.Fatalf("update %x never reached the agent (state %s, callbacks %v)", u, m.c.State(), m.callbacks)
			}
		}
	}
}

// maxFuzzOps bounds FuzzLifecycle's input: a few hundred inputs reach
// every state.
const maxFuzzOps = 2048

// opReader hands out the fuzzer's bytes; past the end it gives zeros.
type opReader struct {
	data []byte
	at   int
}

func (r *opReader) done() bool { return r.at >= len(r.data) }

func (r *opReader) byte() byte {
	if r.done() {
		return 0
	}
	r.at++
	return r.data[r.at-1]
}

// lifecycleModel is the fuzz test's record of what the core was asked and
// what it answered.
type lifecycleModel struct {
	t   *testing.T
	c   *Core
	now time.Time

	status    mesos.Status
	callbacks []CallbackKind
	// accepted lists the uuids of the accepted updates, in order;
	// task[uuid] is the update's task, acked[uuid] its acknowledgement.
	accepted [][]byte
	task     map[string]string
	acked    map[string]bool
	// sentHere lists the uuids sent as UPDATE calls since the last fresh
	// connection or reregistration.
	sentHere []string
	next     uint64 // the next update's uuid
}

func newLifecycleModel(t *testing.T, cfgByte byte) *lifecycleModel {
	cfg := Config{
		FrameworkID: "fw", ExecutorID: "ex", AgentID: "ag",
		Checkpoint:      cfgByte&1 != 0,
		Resubscribe:     cfgByte&2 != 0,
		RecoveryTimeout: 15 * time.Minute, ShutdownGracePeriod: 5 * time.Second, Terminate: cfgByte&4 != 0,
		BackoffMax: 2 * time.Second, Jitter: func(max time.Duration) time.Duration { return max / 2 },
		SendWindow: 1 + int(cfgByte>>3)%4,
	}
	return &lifecycleModel{t: t, c: New(cfg), now: t0, status: mesos.DRIVER_NOT_STARTED,
		task: map[string]string{}, acked: map[string]bool{}}
}

var fuzzTasks = []string{"t0", "t1", "t2"}

// nextInput decodes one input from r.
func (m *lifecycleModel) nextInput(r *opReader) Input {
	task := fuzzTasks[int(r.byte())%len(fuzzTasks)]
	switch op := r.byte() % 17; op {
	case 0:
		state := mesos.TASK_RUNNING
		if r.byte()%4 == 0 {
			state = mesos.TASK_FINISHED
		}
		m.next++
		uuid := binary.BigEndian.AppendUint64(make([]byte, 8), m.next)
		return SendUpdate{Status: &mesos.TaskStatus{TaskID: mesos.TaskID{Value: task}, State: state.Enum()}, UUID: uuid}
	case 1:
		return launchEvent(task)
	case 2:
		return killEvent(task)
	case 3:
		return m.ackOf(int(r.byte()))
	case 4:
		b := r.byte()
		return Lost{Cause: "fuzz", Retry: b&1 != 0, Silent: b&2 != 0}
	case 5:
		if r.byte()%8 == 0 {
			return Reconnect{AgentID: "other"}
		}
		return Reconnect{AgentID: "ag"}
	case 6:
		return subscribedEvent()
	case 7:
		m.now = m.now.Add(time.Duration(r.byte()) * 5 * time.Second)
		return Tick{}
	case 8:
		return Stop{}
	case 9:
		return Abort{}
	case 10:
		return Event{&executor.Event{Type: executor.Event_SHUTDOWN}}
	case 11:
		return SendMessage{Data: []byte("m")}
	case 12:
		return Event{&executor.Event{Type: executor.Event_MESSAGE, Message: &executor.Event_Message{Data: []byte("m")}}}
	case 13:
		return CallbackPanicked{Message: "fuzz"}
	case 14:
		return WireChanged{Resubscribe: r.byte()&1 != 0}
	case 15:
		return Event{&executor.Event{Type: executor.Event_LAUNCH_GROUP, LaunchGroup: &executor.Event_LaunchGroup{
			TaskGroup: mesos.TaskGroupInfo{Tasks: []mesos.TaskInfo{{TaskID: mesos.TaskID{Value: task}}}}}}}
	default:
		return Start{}
	}
}

// ackOf acknowledges the i-th outstanding accepted update, or an update
// never sent if there is none.
func (m *lifecycleModel) ackOf(i int) Input {
	var open [][]byte
	for _, u := range m.accepted {
		if !m.acked[string(u)] {
			open = append(open, u)
		}
	}
	if len(open) == 0 {
		return ackEvent("t0", []byte("never sent......"))
	}
	u := open[i%len(open)]
	return ackEvent(m.task[string(u)], u)
}

func (m *lifecycleModel) step(in Input) {
	out := m.c.Step(m.now, in)
	m.noteInput(in, out)
	m.checkStatus(in)
	m.checkCallbacks(in, out.Callbacks)
	if out.Connection == Open {
		m.sentHere = nil
	}
	for _, call := range out.Calls {
		m.checkCall(call)
	}
}

// noteInput records an accepted update, or an acknowledgement the core
// took.
func (m *lifecycleModel) noteInput(in Input, out Output) {
	switch in := in.(type) {
	case SendUpdate:
		if out.Err == nil {
			m.accepted = append(m.accepted, in.UUID)
			m.task[string(in.UUID)] = in.Status.TaskID.Value
		}
	case Event:
		if a := in.Event.Acknowledged; a != nil && m.task[string(a.UUID)] != "" && m.c.book.find(a.UUID) < 0 {
			m.acked[string(a.UUID)] = true
		}
	}
}

func (m *lifecycleModel) checkStatus(in Input) {
	st := m.c.Status()
	_, stop := in.(Stop)
	switch {
	case st == m.status:
	case m.status == mesos.DRIVER_NOT_STARTED && st == mesos.DRIVER_RUNNING,
		m.status == mesos.DRIVER_RUNNING && (st == mesos.DRIVER_STOPPED || st == mesos.DRIVER_ABORTED),
		m.status == mesos.DRIVER_ABORTED && st == mesos.DRIVER_STOPPED && stop:
	default:
		m.t.Fatalf("status went from %s to %s", m.status, st)
	}
	m.status = st
}

// checkCallbacks holds the callbacks so far to the Executor contract.
func (m *lifecycleModel) checkCallbacks(in Input, cbs []Callback) {
	for _, cb := range cbs {
		m.checkCallback(in, cb.Kind)
		m.callbacks = append(m.callbacks, cb.Kind)
	}
}

func (m *lifecycleModel) checkCallback(in Input, k CallbackKind) {
	has := func(k CallbackKind) bool { return slices.Contains(m.callbacks, k) }
	fail := func(why string) {
		m.t.Fatalf("%s after %v (input %T %+v): %s", k, m.callbacks, in, in, why)
	}
	switch {
	case has(Error) && k != Error:
		fail("a callback after Error")
	case has(Shutdown) && k != Error:
		fail("a callback after Shutdown")
	case k == Registered && has(Registered):
		fail("Registered twice")
	case k != Registered && k != Error && k != Shutdown && !has(Registered):
		fail("before Registered")
	case k == Disconnected && m.lastConnectionCallback() == Disconnected:
		fail("Disconnected twice in a row")
	case k == Reregistered && m.lastConnectionCallback() != Disconnected:
		fail("Reregistered without Disconnected")
	}
}

// lastConnectionCallback is the last Registered, Disconnected or
// Reregistered so far.
func (m *lifecycleModel) lastConnectionCallback() CallbackKind {
	for i := len(m.callbacks) - 1; i >= 0; i-- {
		switch k := m.callbacks[i]; k {
		case Registered, Disconnected, Reregistered:
			return k
		}
	}
	return 0
}

// checkCall holds a call to the no-loss, no-reorder rules.
func (m *lifecycleModel) checkCall(c *executor.Call) {
	switch {
	case c.Type == executor.Call_SUBSCRIBE && c.Subscribe != nil:
		m.checkReregistration(c.Subscribe)
		m.sentHere = nil
		for _, u := range c.Subscribe.UnacknowledgedUpdates {
			m.sentHere = append(m.sentHere, string(u.Status.UUID))
		}
	case c.Type == executor.Call_UPDATE:
		m.checkUpdate(c.Update.Status.UUID)
	}
}

// checkReregistration: exactly the accepted updates not acknowledged, in
// order.
func (m *lifecycleModel) checkReregistration(s *executor.Call_Subscribe) {
	var want, got []string
	for _, u := range m.accepted {
		if !m.acked[string(u)] {
			want = append(want, fmt.Sprintf("%x", u))
		}
	}
	for _, u := range s.UnacknowledgedUpdates {
		got = append(got, fmt.Sprintf("%x", u.Status.UUID))
	}
	if !slices.Equal(want, got) {
		m.t.Fatalf("reregistration carries updates %v, want %v", got, want)
	}
}

// checkUpdate: not acknowledged, not sent on this connection yet, and
// newer than every update sent on it.
func (m *lifecycleModel) checkUpdate(uuid []byte) {
	key := string(uuid)
	switch {
	case m.task[key] == "":
		m.t.Fatalf("UPDATE %x was never accepted", uuid)
	case m.acked[key]:
		m.t.Fatalf("UPDATE %x sent after its acknowledgement", uuid)
	case slices.Contains(m.sentHere, key):
		m.t.Fatalf("UPDATE %x sent twice on one connection", uuid)
	case len(m.sentHere) > 0 && m.order(key) < m.order(m.sentHere[len(m.sentHere)-1]):
		m.t.Fatalf("UPDATE %x sent after a newer one", uuid)
	}
	m.sentHere = append(m.sentHere, key)
}

// order is the position of the update of uuid key among the accepted ones.
func (m *lifecycleModel) order(key string) int {
	return slices.IndexFunc(m.accepted, func(u []byte) bool { return bytes.Equal(u, []byte(key)) })
}
