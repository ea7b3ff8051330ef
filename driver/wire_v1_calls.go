package driver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"time"

	"github.com/mesos-shim/executor/logging"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/executor"

	"github.com/mesos-shim/executor/compat/httpapi"
	"github.com/mesos-shim/executor/internal/httppipe"
)

// Calls other than SUBSCRIBE go, in order, on one persistent connection,
// pipelined (HTTP/1.1, RFC 9112 §9.3.2): the sender writes queued calls
// back to back without waiting, the connection's reader takes the answers,
// which come in the order of the calls, and each answer settles the oldest
// call awaiting one. libprocess handles the requests of one socket in order
// and answers in order, as does Go's HTTP server (agentsim);
// internal/httppipe's tests check the latter.
//
// Rules, in the order they matter:
//
//   - Calls go out only while the current subscription is live, and every
//     call belongs to it: a new subscription drops the queue and the
//     connection (its UPDATEs are still unacknowledged in the core and ride
//     the SUBSCRIBE).
//   - A call answered 202, or refused for good (400, 403, ...: logged), is
//     settled. A call answered "retry" (503: the agent has not finished
//     recovering) is kept, and so is every call whose answer never came
//     because the connection broke: they are sent again, in order, after
//     callRetryDelay, until settled or dropped by a new subscription
//     (a refused UPDATE must not wait for a re-subscription that may
//     never come: "503 during recovery" in
//     testdata/captures/mesos-1.12-dev/README.md).
//   - A connection starts cold: one call at a time until the agent accepts
//     one on it, and again after any "retry" answer. Only an agent process
//     that has not finished its recovery answers 503, and recovery, once
//     over, stays over for that process; a new process is a new
//     connection. So calls are pipelined only to an agent that has shown it
//     is past recovery, and a 503 for one call never comes while calls
//     behind it are accepted, which would reorder a task's updates at the
//     agent once the refused one is sent again.
//   - A call sent again after a broken connection may have been handled
//     already (the agent handles a request before the connection breaks,
//     the answer is lost). For an UPDATE that is harmless: the agent's
//     status update manager ignores an update whose uuid it has already
//     received or seen acknowledged, and acknowledges it again
//     (TaskStatusUpdateStream::update). Only a duplicate arriving after the
//     task's terminal update has been acknowledged, when the agent has
//     forgotten the task's stream, would be forwarded again. So an UPDATE
//     whose acknowledgement the event stream has brought is not sent again
//     (the wire remembers the last ackMemory acknowledged uuids, more than
//     the calls one connection can leave unanswered). A MESSAGE may reach
//     the framework twice; the v1 API promises nothing more.
//   - No answer for CallTimeout while calls are outstanding (nor a connect
//     within it) means the agent's host went silent without closing the
//     socket: the connection and the subscription are dropped and the core
//     told, as for a broken event stream, so that it subscribes again on
//     fresh connections with its unacknowledged updates.

const (
	// callsWindow bounds the calls written and not yet answered. A burst
	// of updates needs far fewer in flight to keep an agent busy (at 30,000
	// calls/s, a 1 ms round trip holds 30); the bound keeps what one broken
	// connection may leave to send again, and the answers the reader may
	// have to buffer, small (128 calls of a few hundred bytes fit in any
	// socket buffer, so the agent never stops reading behind our writes).
	callsWindow = 128
	// maxAnswerBytes bounds the body of an answer to a call: agents answer
	// with at most a line of text.
	maxAnswerBytes = 64 << 10
	// defaultCallTimeout is Config.CallTimeout's default.
	defaultCallTimeout = 10 * time.Second
)

// queuedCall is a call of the current subscription, encoded once. Only
// what the logs name of it is kept besides: a burst can queue a thousand
// UPDATEs (the core's send window).
type queuedCall struct {
	what callName
	body []byte
	// unsure: written on a connection that broke before the answer came,
	// so the agent may have handled it.
	unsure bool
}

// callName names a call in logs.
type callName struct {
	typ   executor.Call_Type
	task  string // UPDATE only, as the uuid and state
	uuid  []byte
	state mesos.TaskState
}

func nameCall(c *executor.Call) callName {
	n := callName{typ: c.Type}
	if c.Type == executor.Call_UPDATE && c.Update != nil {
		s := &c.Update.Status
		n.task, n.uuid, n.state = s.TaskID.Value, s.UUID, s.GetState()
	}
	return n
}

func (n callName) String() string {
	if n.typ == executor.Call_UPDATE {
		return fmt.Sprintf("UPDATE %s of task %s (uuid %x)", n.state, n.task, n.uuid)
	}
	return n.typ.String()
}

// callQueue is the calls of the current subscription not yet settled, in
// order, and where each stands on the calls connection. Guarded by the
// wire's mutex.
type callQueue struct {
	calls []queuedCall
	// base is the array calls lies in, from its start: settled calls leave
	// room before calls, which settle reclaims (see push and settle).
	base []queuedCall
	// calls[:next] were answered "retry" on conn and wait to be sent again;
	// calls[next:sent] are written to conn and await their answers; the
	// rest are not written yet.
	next, sent int
	retrying   bool // a call was answered "retry": finish the round, pause, resend
	conn       *callsConn
	acked      ackMemory
}

func (q *callQueue) outstanding() int { return q.sent - q.next }

// drop forgets every call and the connection.
func (q *callQueue) drop() {
	q.dropConn()
	q.calls, q.base = nil, nil
}

// dropConn closes the connection; every unsettled call is to be sent again.
func (q *callQueue) dropConn() {
	if q.conn != nil {
		q.conn.Close()
		q.conn = nil
	}
	for i := q.next; i < q.sent; i++ {
		q.calls[i].unsure = true
	}
	q.next, q.sent, q.retrying = 0, 0, false
}

// skipAcknowledged removes, from the n calls about to be written, the
// UPDATEs the agent has acknowledged on the event stream although their
// answers were lost with a connection, and returns how many are left to
// write. Only the sender calls it, before taking its batch.
func (q *callQueue) skipAcknowledged(n int) int {
	for i := q.sent; i < q.sent+n && i < len(q.calls); {
		c := &q.calls[i]
		if !c.unsure {
			i++
			continue
		}
		c.unsure = false
		if c.what.typ != executor.Call_UPDATE || !q.acked.has(c.what.uuid) {
			i++
			continue
		}
		logging.V(1).Infof("driver: not sending %s again: the agent has acknowledged it", c.what)
		q.calls = slices.Delete(q.calls, i, i+1)
	}
	return min(n, len(q.calls)-q.sent)
}

// ackMemory remembers the uuids of the last acknowledgements the event
// stream brought, so that a connection's lost answers do not make the wire
// send an acknowledged update again. An update can be left unsure only
// while it is among the callsWindow calls outstanding, and the calls
// acknowledged since the oldest of them was written are those, plus at
// most callsWindow written before it and answered since: twice the window
// covers them all.
type ackMemory struct {
	uuids [2 * callsWindow][16]byte
	next  int
}

func (m *ackMemory) add(uuid []byte) {
	if len(uuid) != len(m.uuids[0]) {
		return // not one of the driver's uuids
	}
	copy(m.uuids[m.next][:], uuid)
	m.next = (m.next + 1) % len(m.uuids)
}

func (m *ackMemory) has(uuid []byte) bool {
	if len(uuid) != len(m.uuids[0]) {
		return false
	}
	for i := range m.uuids {
		if string(m.uuids[i][:]) == string(uuid) {
			return true
		}
	}
	return false
}

// push queues c last. It may move the calls to a larger array, never
// within theirs: a batch taken from the queue is written without the lock.
func (q *callQueue) push(c queuedCall) {
	grows := len(q.calls) == cap(q.calls)
	q.calls = append(q.calls, c)
	if grows {
		q.base = q.calls[:0]
	}
}

// settle removes calls[next], answered for good. Only the sender calls it,
// between its writes, so it may move the calls within their array: it
// moves them to its start once the settled room before them is as large as
// they are, so that a steady stream of calls reuses one array rather than
// growing a new one every time it reaches the end.
func (q *callQueue) settle() {
	if q.next == 0 {
		q.calls[0] = queuedCall{}
		q.calls = q.calls[1:]
	} else {
		q.calls = slices.Delete(q.calls, q.next, q.next+1)
	}
	q.sent--
	if room := cap(q.base) - cap(q.calls); room >= minReclaim && room >= len(q.calls) {
		n := copy(q.base[:len(q.calls)], q.calls)
		clear(q.base[n : n+room])
		q.calls = q.base[:n]
	}
}

// minReclaim is the settled room at the start of the queue's array worth
// moving the calls for.
const minReclaim = 16

// room is how many more calls may be written now.
func (q *callQueue) room() int {
	switch {
	case q.retrying:
		return 0
	case q.conn == nil || !q.conn.warm:
		return max(0, 1-q.outstanding())
	}
	return max(0, callsWindow-q.outstanding())
}

// enqueue encodes c and queues it for the current subscription.
func (w *httpWire) enqueue(c *executor.Call) {
	body, err := w.codec.EncodeCall(c)
	if err != nil {
		logging.Errorf("driver: dropping %s call: cannot encode it: %v", c.Type, err)
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	w.calls.push(queuedCall{what: nameCall(c), body: body})
	w.wakeSender()
}

// wakeSender has the sender look at the queue again. Call with w.mu held.
func (w *httpWire) wakeSender() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// sendCalls is the calls connection's owner: it writes queued calls,
// settles them as their answers come, and watches for an agent gone silent.
func (w *httpWire) sendCalls() {
	defer w.wg.Done()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { // a connect in progress ends with the wire
		select {
		case <-w.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var pause time.Time // nothing is written before then
	for {
		conn, wait, err := w.writeCalls(ctx, pause)
		if err != nil {
			pause = w.callsFailed(conn, err)
			continue
		}
		var results <-chan httppipe.Result
		if conn != nil {
			results = conn.Results()
		}
		timer.Reset(wait)
		select {
		case r := <-results:
			pause = w.answeredAll(conn, r, results, pause)
		case <-timer.C:
			w.checkSilence(conn)
		case <-w.wake:
		case <-w.done:
			return
		}
		timer.Stop()
	}
}

// answeredAll applies r and every further result already read, so that
// the calls their answers make room for go out in one write.
func (w *httpWire) answeredAll(conn *callsConn, r httppipe.Result, results <-chan httppipe.Result, pause time.Time) time.Time {
	for {
		if p, ok := w.answered(conn, r); ok {
			pause = p
		}
		if r.Err != nil || r.Response.Close {
			return pause
		}
		select {
		case r = <-results:
		default:
			return pause
		}
	}
}

// writeCalls writes what the queue and the window allow, connecting first
// if needed. It returns the connection to wait on and how long to wait at
// most (until the pause ends, or the agent's silence is to be checked).
func (w *httpWire) writeCalls(ctx context.Context, pause time.Time) (*callsConn, time.Duration, error) {
	now := time.Now()
	w.mu.Lock()
	conn, batch, dial := w.takeBatch(now, pause)
	gen := w.gen
	w.mu.Unlock()
	if dial {
		c, err := w.callsTo.dial(ctx, w.callTimeout)
		if err != nil {
			return nil, 0, &connectError{err: err, canceled: ctx.Err() != nil, gen: gen}
		}
		w.mu.Lock()
		if gen != w.gen || w.closed || w.calls.conn != nil {
			w.mu.Unlock()
			c.Close() // replaced while connecting
			return nil, 0, nil
		}
		w.calls.conn = c
		w.mu.Unlock()
		return w.writeCalls(ctx, pause)
	}
	if len(batch) > 0 {
		if err := conn.write(w.callsTo.head, batch, w.callTimeout); err != nil {
			return conn, 0, err
		}
	}
	return conn, w.nextWait(conn, now, pause), nil
}

// takeBatch marks the calls to write now as sent and returns them, or says
// a connection is needed first. Call with w.mu held.
func (w *httpWire) takeBatch(now, pause time.Time) (conn *callsConn, batch []queuedCall, dial bool) {
	q := &w.calls
	if w.closed || !w.subscribed || q.sent == len(q.calls) || now.Before(pause) {
		return q.conn, nil, false
	}
	if q.conn == nil {
		return nil, nil, true
	}
	n := q.skipAcknowledged(min(q.room(), len(q.calls)-q.sent))
	if n == 0 {
		return q.conn, nil, false
	}
	batch = q.calls[q.sent : q.sent+n : q.sent+n]
	if q.outstanding() == 0 {
		q.conn.heard = now // the silence is counted from the first call out
	}
	q.sent += n
	return q.conn, batch, false
}

// nextWait is how long the sender may sleep: until the pause ends if calls
// wait for it, until the agent has been silent for CallTimeout if calls
// are outstanding, else until woken.
func (w *httpWire) nextWait(conn *callsConn, now, pause time.Time) time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	wait := time.Hour
	if now.Before(pause) && w.calls.sent < len(w.calls.calls) {
		wait = pause.Sub(now)
	}
	if conn != nil && conn == w.calls.conn && w.calls.outstanding() > 0 {
		wait = min(wait, conn.heard.Add(w.callTimeout).Sub(now))
	}
	return max(wait, 0)
}

// answered applies one result read from conn: an answer settles or keeps
// the oldest outstanding call; an error ends the connection. It returns a
// new pause, and whether there is one.
func (w *httpWire) answered(conn *callsConn, r httppipe.Result) (time.Time, bool) {
	if r.Err != nil {
		return w.callsFailed(conn, r.Err), true
	}
	w.mu.Lock()
	q := &w.calls
	if conn != q.conn {
		w.mu.Unlock()
		return time.Time{}, false // a dropped connection's late answer
	}
	if q.outstanding() == 0 {
		w.mu.Unlock()
		return w.callsFailed(conn, errors.New("an answer to no call")), true
	}
	qc := q.calls[q.next]
	w.mu.Unlock()
	retry := w.judge(qc.what, r.Response.Status, r.Response.Body)
	return w.apply(conn, retry, r.Response, qc.what.typ)
}

// apply moves the queue on after the answer to its oldest outstanding
// call, of type typ.
func (w *httpWire) apply(conn *callsConn, retry bool, resp httppipe.Response, typ executor.Call_Type) (time.Time, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	q := &w.calls
	if conn != q.conn || q.outstanding() == 0 {
		return time.Time{}, false // dropped while the answer was judged
	}
	now := time.Now()
	conn.heard = now
	if retry {
		q.next++
		q.retrying = true
		conn.warm = false
	} else {
		q.settle()
		// A 202 shows the agent past recovery, so that calls may be
		// pipelined, except to a HEARTBEAT, which an agent accepts before
		// it checks whether it is still recovering (slave/http.cpp).
		conn.warm = conn.warm || (resp.Status == 202 && typ != executor.Call_HEARTBEAT)
	}
	pause := time.Time{}
	if q.retrying && q.outstanding() == 0 {
		q.next, q.sent, q.retrying = 0, 0, false // the round is over: resend from the first
		pause = now.Add(callRetryDelay)
	}
	if resp.Close {
		// Calls written after this one were not handled (RFC 9112 §9.6).
		q.dropConn()
	}
	return pause, !pause.IsZero()
}

// callsFailed handles the end of conn by an error: the calls it left
// unanswered are sent again on a fresh connection, after callRetryDelay.
// A timeout (a write the agent stopped reading, a connect that never
// completed) is the agent gone silent. It returns the pause.
func (w *httpWire) callsFailed(conn *callsConn, err error) time.Time {
	var ce *connectError
	var ne net.Error
	switch {
	case errors.As(err, &ce) && ce.canceled:
		return time.Time{} // the wire is closing
	case errors.As(err, &ne) && ne.Timeout():
		gen := anyGen
		if ce != nil {
			gen = ce.gen // a connect for an older subscription says nothing of the current one
		}
		w.agentSilent(conn, gen, err.Error())
		return time.Time{}
	case ce != nil:
		logging.Warningf("driver: %v (will retry)", err)
		return time.Now().Add(callRetryDelay)
	}
	w.mu.Lock()
	q := &w.calls
	if conn != q.conn {
		w.mu.Unlock()
		return time.Time{} // a dropped connection's end
	}
	unsettled, unanswered := q.sent, q.outstanding()
	q.dropConn()
	w.mu.Unlock()
	if unsettled == 0 {
		logging.V(1).Infof("driver: the idle calls connection ended: %v", err)
		return time.Time{}
	}
	logging.Warningf("driver: the calls connection broke with %d call(s) unanswered (will send them again): %v", unanswered, err)
	return time.Now().Add(callRetryDelay)
}

// connectError is a failed connect for calls.
type connectError struct {
	err      error
	canceled bool // by the wire's end
	gen      int  // the subscription the connection was for
}

// anyGen tells agentSilent that the silence concerns whatever subscription
// is current (it came on the current calls connection).
const anyGen = -1

func (e *connectError) Error() string {
	return "cannot connect to the agent for calls: " + e.err.Error()
}

func (e *connectError) Unwrap() error { return e.err }

// checkSilence drops conn and the subscription if the agent has answered
// nothing for CallTimeout while calls are outstanding.
func (w *httpWire) checkSilence(conn *callsConn) {
	w.mu.Lock()
	q := &w.calls
	silent := conn != nil && conn == q.conn && q.outstanding() > 0 && time.Since(conn.heard) >= w.callTimeout
	var n int
	var first string
	if silent {
		n, first = q.outstanding(), q.calls[q.next].what.String()
	}
	w.mu.Unlock()
	if silent {
		w.agentSilent(conn, anyGen, fmt.Sprintf("%d call(s) unanswered for %v, the first %s", n, w.callTimeout, first))
	}
}

// agentSilent gives up on an agent that answers nothing: the calls
// connection is closed, and the subscription ended and reported lost, as a
// broken event stream is, so that the core subscribes again on fresh
// connections.
func (w *httpWire) agentSilent(conn *callsConn, gen int, why string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if conn != w.calls.conn || w.closed || (gen != anyGen && gen != w.gen) {
		return
	}
	w.calls.dropConn()
	logging.Errorf("driver: no answer from the agent at %s on the calls connection (%s): "+
		"presuming the connection dead; dropping it and the subscription", w.callsTo.addr, why)
	if !w.subscribed {
		return // the subscription already ended; the core knows
	}
	w.subscribed = false
	w.cancel(&callsLost{cause: "the agent answered no call for " + w.callTimeout.String() + ": " + why})
}

// callsLost is why the calls connection ended a subscription.
type callsLost struct{ cause string }

func (e *callsLost) Error() string { return e.cause }

// judge classifies the agent's answer to c and logs what is not a plain
// acceptance; it reports whether c is to be sent again.
func (w *httpWire) judge(c callName, status int, msg []byte) (retry bool) {
	err := httpapi.ClassifyResponse(status, msg, false)
	if c.typ == executor.Call_HEARTBEAT && err != nil {
		logging.Warningf("driver: agent refused a HEARTBEAT call: %v", err)
		return false
	}
	var apiErr *httpapi.APIError
	switch {
	case err == nil:
		return false
	case errors.As(err, &apiErr) && apiErr.Kind == httpapi.Retry:
		logging.V(1).Infof("driver: agent refused %s for now (%d); retrying", c, status)
		return true
	default:
		logging.Errorf("driver: agent rejected %s: %v", c, err)
		return false
	}
}

// acknowledged remembers that subscription gen's stream acknowledged the
// update of uuid, so that the update is not sent again (see skipAcknowledged).
func (w *httpWire) acknowledged(gen int, uuid []byte) {
	w.mu.Lock()
	if gen == w.gen {
		w.calls.acked.add(uuid)
	}
	w.mu.Unlock()
}

// heartbeatSeen: only agents from 1.8 on send HEARTBEAT events, and they
// take HEARTBEAT calls too. Older agents refuse the call (400), so the
// driver sends none until the agent has shown it takes them.
func (w *httpWire) heartbeatSeen() {
	w.mu.Lock()
	first := w.heartbeat != heartbeatSupported
	w.heartbeat = heartbeatSupported
	w.mu.Unlock()
	if first {
		logging.V(1).Infof("driver: the agent sends heartbeats (1.8+); sending one every %v", heartbeatInterval)
		w.enqueue(httpapi.HeartbeatCall())
	}
}

// heartbeats sends a HEARTBEAT call every heartbeatInterval to an agent
// that takes them.
func (w *httpWire) heartbeats() {
	defer w.wg.Done()
	t := time.NewTicker(heartbeatInterval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			w.mu.Lock()
			ok := w.heartbeat == heartbeatSupported
			w.mu.Unlock()
			if ok {
				w.enqueue(httpapi.HeartbeatCall())
			}
		case <-w.done:
			return
		}
	}
}
