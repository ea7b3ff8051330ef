package agentsim

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/executor"

	"github.com/mesos-shim/executor/compat"
	"github.com/mesos-shim/executor/compat/httpapi"
	"github.com/mesos-shim/executor/mesosproto"
	"github.com/mesos-shim/executor/recordio"
	"github.com/mesos-shim/executor/upid"
)

// The agent's side of the v1 executor API (Http::executor, Slave::subscribe;
// the captures).
// The agent's logic stays the legacy one: an UPDATE or MESSAGE call is
// converted with compat.LegacyFromCall and handled as its legacy message
// would be, and what the agent sends a v1 executor is converted to an event
// with compat.EventFromLegacy. Only SUBSCRIBE has its own rules.

// beforeRecovery answers 503 while a restarted agent has not yet recovered
// its executors (every call, SUBSCRIBE included), and, on a 0.25-0.26 stub,
// while it recovers at all.
func (i incarnation) beforeRecovery() (v1Answer, bool) {
	if !i.current() {
		return v1Answer{gone: true}, true
	}
	defer i.a.mu.Unlock()
	a := i.a
	if a.phase == phaseRecovering && (!a.recoveryStarted || a.cfg.Profile.V1 == V1Stub) {
		return unavailable(), true
	}
	return v1Answer{}, false
}

// call has the agent handle a valid call.
func (i incarnation) call(c *executor.Call, out httpapi.Codec) v1Answer {
	if !i.current() {
		return v1Answer{gone: true}
	}
	defer i.a.mu.Unlock()
	ans := i.a.callLocked(c, out)
	i.a.broadcastLocked()
	return ans
}

// heartbeat sends a HEARTBEAT event on st if it is still the executor's
// subscription (1.8+: every HeartbeatInterval, the first one interval after
// subscribing).
func (i incarnation) heartbeat(st *stream) {
	if !i.current() {
		return
	}
	defer i.a.mu.Unlock()
	if i.a.exec.stream == st {
		i.a.pushEventLocked(st, &executor.Event{Type: executor.Event_HEARTBEAT})
	}
}

// streamLost records that the executor's side of st went away. The agent
// does nothing else (Slave::subscribe sets no handler for it): sends to the
// executor fail until it subscribes again.
func (i incarnation) streamLost(st *stream, why string) {
	if !i.current() {
		return
	}
	defer i.a.mu.Unlock()
	detail := fmt.Sprintf("subscription %d: %s", st.n, why)
	if i.a.exec.stream != st {
		detail += " (not the current subscription)"
	}
	i.a.trace.add(Entry{Dir: AtAgent, Wire: WireV1, Name: EventStreamLost, Detail: detail})
	i.a.broadcastLocked()
}

// callLocked handles a call that passed validation, in the order of
// Http::executor: injected faults, HEARTBEAT, the stub, recovery, the ids, the
// executor's subscription.
func (a *Agent) callLocked(c *executor.Call, out httpapi.Codec) v1Answer {
	if ans, ok := a.faultLocked(c, out); ok {
		return ans
	}
	switch {
	case c.Type == executor.Call_HEARTBEAT:
		return accepted() // validated: 1.8+ only, before any id check
	case a.cfg.Profile.V1 == V1Stub:
		return a.stubLocked(c, out)
	case c.Type != executor.Call_SUBSCRIBE && a.phase == phaseRecovering:
		return unavailable()
	case a.exec.state == Unknown || c.FrameworkID.Value != a.cfg.FrameworkID:
		return refused(http.StatusBadRequest, "Framework cannot be found")
	case c.ExecutorID.Value != a.cfg.ExecutorID:
		return refused(http.StatusBadRequest, "Executor cannot be found")
	case c.Type != executor.Call_SUBSCRIBE && a.exec.state == Registering:
		return refused(http.StatusForbidden, "Executor is not subscribed")
	}
	switch c.Type {
	case executor.Call_SUBSCRIBE:
		return a.subscribeLocked(c, out)
	case executor.Call_UPDATE:
		a.updateCallLocked(c)
		return accepted()
	case executor.Call_MESSAGE:
		a.messageCallLocked(c)
		return accepted()
	}
	return refused(http.StatusNotImplemented, "") // UNKNOWN (1.0+)
}

// stubLocked is the 0.25-0.26 endpoint: a SUBSCRIBE gets a stream that
// never carries anything, UPDATE and MESSAGE are discarded.
func (a *Agent) stubLocked(c *executor.Call, out httpapi.Codec) v1Answer {
	if c.Type == executor.Call_SUBSCRIBE {
		a.trace.add(Entry{Dir: AtAgent, Wire: WireV1, Name: EventIgnored,
			Detail: "0.25-0.26 stub: 200 and a stream that never carries SUBSCRIBED; the executor stays " + a.exec.state.String()})
		return v1Answer{stream: a.newStreamLocked(out, true)}
	}
	a.trace.add(Entry{Dir: AtAgent, Wire: WireV1, Name: EventIgnored, Detail: "0.25-0.26 stub: " + c.Type.String() + " discarded"})
	return accepted()
}

func (a *Agent) newStreamLocked(out httpapi.Codec, silent bool) *stream {
	a.streams++
	var hb time.Duration
	if a.cfg.Profile.Heartbeats && !silent {
		hb = a.cfg.HeartbeatInterval
	}
	return newStream(a.streams, out, hb, silent)
}

// subscribeLocked is Slave::subscribe.
func (a *Agent) subscribeLocked(c *executor.Call, out httpapi.Codec) v1Answer {
	st := a.newStreamLocked(out, false)
	if a.exec.state == Terminating || a.exec.state == Terminated {
		a.trace.add(Entry{Dir: AtAgent, Wire: WireV1, Name: EventRefused,
			Detail: "executor is " + a.exec.state.String() + ": SHUTDOWN, then the stream ends"})
		a.pushEventLocked(st, &executor.Event{Type: executor.Event_SHUTDOWN})
		st.end()
		return v1Answer{stream: st}
	}
	a.becomeHTTPExecutorLocked(st)
	if a.cfg.Profile.ShutdownTasklessSubscriber && !a.exec.sentTask && len(a.queue) == 0 {
		a.trace.add(Entry{Dir: AtAgent, Wire: WireV1, Name: EventRefused,
			Detail: "executor has no task to run (1.1+): SHUTDOWN without SUBSCRIBED"})
		a.shutdownLocked()
		return v1Answer{stream: st}
	}
	if a.exec.recovering {
		a.latency, a.reregistered = time.Since(a.reconnectAt), true
		a.trace.add(Entry{Dir: AtAgent, Wire: WireV1, Name: EventReregistered, Latency: a.latency,
			Detail: "re-SUBSCRIBE after the restart (latency from the listener opening)"})
	}
	a.exec.state, a.exec.recovering, a.exec.wire = Running, false, WireV1
	a.pushEventLocked(st, a.subscribedEventLocked())
	for _, q := range a.queue {
		a.sendEventLocked(st, q)
		a.exec.sentTask = true
	}
	a.queue = nil
	a.replayLocked(c)
	return v1Answer{stream: st}
}

// becomeHTTPExecutorLocked makes st the executor's connection: a previous
// subscription is closed and the pid forgotten (Slave::subscribe).
func (a *Agent) becomeHTTPExecutorLocked(st *stream) {
	if old := a.exec.stream; old != nil && old != st {
		old.end()
		a.trace.add(Entry{Dir: AtAgent, Wire: WireV1, Name: EventStreamEnded,
			Detail: fmt.Sprintf("subscription %d replaced by subscription %d", old.n, st.n)})
	}
	a.exec.stream, a.exec.pid = st, upid.UPID{}
}

// replayLocked handles a SUBSCRIBE's unacknowledged updates as updates.
func (a *Agent) replayLocked(c *executor.Call) {
	if c.Subscribe == nil || len(c.Subscribe.UnacknowledgedUpdates) == 0 {
		return
	}
	m, err := compat.LegacyFromCall(c, a.identity())
	rr, ok := m.(*mesosproto.ReregisterExecutorMessage)
	if err != nil || !ok {
		a.trace.add(Entry{Dir: AtAgent, Wire: WireV1, Name: EventIgnored, Detail: fmt.Sprintf("unacknowledged updates: %v", err)})
		return
	}
	for i := range rr.Updates {
		u := &rr.Updates[i]
		a.stampLocked(u)
		e := Entry{Dir: AtAgent, Wire: WireV1, Name: EventUpdateReplayed}
		describeUpdate(&e, u)
		a.trace.add(e)
		a.statusUpdateLocked(u, viaStream, true)
	}
}

func (a *Agent) updateCallLocked(c *executor.Call) {
	m, err := compat.LegacyFromCall(c, a.identity())
	su, ok := m.(*mesosproto.StatusUpdateMessage)
	if err != nil || !ok {
		a.trace.add(Entry{Dir: AtAgent, Wire: WireV1, Name: EventIgnored, Detail: fmt.Sprintf("UPDATE: %v", err)})
		return
	}
	a.stampLocked(su.Update)
	a.statusUpdateLocked(su.Update, viaStream, false)
}

// stampLocked fills what the agent fills in an UPDATE's StatusUpdate
// (protobuf::createStatusUpdate, from Http::executor) and
// compat.LegacyFromCall leaves: the timestamp, if the status
// has none, and from 1.1 on the status's agent id, if it has none.
func (a *Agent) stampLocked(u *mesosproto.StatusUpdate) {
	if u.Timestamp == nil {
		now := float64(time.Now().UnixNano()) / 1e9
		u.Timestamp = &now
	}
	if a.cfg.Profile.ChecksUpdateAgentID && u.Status != nil && u.Status.AgentID == nil {
		id := a.agentID()
		u.Status.AgentID = &id
	}
}

func (a *Agent) messageCallLocked(c *executor.Call) {
	m, err := compat.LegacyFromCall(c, a.identity())
	fm, ok := m.(*mesosproto.ExecutorToFrameworkMessage)
	if err != nil || !ok {
		a.trace.add(Entry{Dir: AtAgent, Wire: WireV1, Name: EventIgnored, Detail: fmt.Sprintf("MESSAGE: %v", err)})
		return
	}
	a.frameworkMessageLocked(fm)
}

func (a *Agent) identity() compat.Identity {
	return compat.Identity{AgentID: a.cfg.AgentID}
}

// subscribedEventLocked is SUBSCRIBED: what ExecutorRegisteredMessage
// carries, and the container id from 1.1 on (the sandbox's last path
// component, as in the captures).
func (a *Agent) subscribedEventLocked() *executor.Event {
	sub := &executor.Event_Subscribed{ExecutorInfo: *a.executorInfoLocked(),
		FrameworkInfo: *a.frameworkInfo(), AgentInfo: *a.agentInfo()}
	if a.cfg.Profile.V1ContainerID {
		sub.ContainerID = &mesos.ContainerID{Value: filepath.Base(a.dir)}
	}
	return &executor.Event{Type: executor.Event_SUBSCRIBED, Subscribed: sub}
}

// sendEventLocked converts a legacy message to its event and sends it on
// st.
func (a *Agent) sendEventLocked(st *stream, m proto.Message) bool {
	ev, err := v1Event(m)
	if err != nil {
		a.trace.add(Entry{Dir: AtAgent, Wire: WireV1, Name: EventSendFailed, Detail: err.Error()})
		return false
	}
	return a.pushEventLocked(st, ev)
}

// v1Event is the event a v1 executor gets for what the agent sends a PID
// executor as m (the agent's evolve functions).
func v1Event(m proto.Message) (*executor.Event, error) {
	if ev, ok := m.(*executor.Event); ok { // LAUNCH_GROUP
		return ev, nil
	}
	body, err := proto.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("agentsim: encoding %s: %w", mesosproto.Name(m), err)
	}
	in, err := compat.EventFromLegacy(mesosproto.Name(m), body)
	if err != nil {
		return nil, err
	}
	if in.Event == nil {
		return nil, fmt.Errorf("agentsim: %s has no v1 event", mesosproto.Name(m))
	}
	return in.Event, nil
}

// pushEventLocked records ev and queues it, encoded and framed, on st.
func (a *Agent) pushEventLocked(st *stream, ev *executor.Event) bool {
	e := describeEvent(ev)
	if st == nil {
		a.trace.add(Entry{Dir: AtAgent, Wire: WireV1, Name: EventSendFailed, Detail: e.Name + ": the executor has no subscription"})
		return false
	}
	rec, err := st.codec.EncodeEvent(ev)
	if err != nil {
		a.trace.add(Entry{Dir: AtAgent, Wire: WireV1, Name: EventSendFailed, Detail: fmt.Sprintf("%s: %v", e.Name, err)})
		return false
	}
	closed := func() bool {
		a.trace.add(Entry{Dir: AtAgent, Wire: WireV1, Name: EventSendFailed, Detail: fmt.Sprintf("%s: subscription %d is closed", e.Name, st.n)})
		return false
	}
	if st.over() {
		return closed()
	}
	e.Detail = strings.TrimSpace(e.Detail + " [" + st.codec.String() + " #" + strconv.Itoa(st.n) + "]")
	a.trace.add(e)
	if !st.push(recordio.AppendRecord(nil, rec)) {
		return closed()
	}
	return true
}

// validateCall is the agent's validation of a decoded call as far as an
// executor can get it wrong, "" if it is valid (src/slave/validation.cpp).
func validateCall(c *executor.Call, p Profile) string {
	switch {
	case c.ExecutorID.Value == "":
		return "Expecting 'executor_id' to be present"
	case c.FrameworkID.Value == "":
		return "Expecting 'framework_id' to be present"
	}
	switch c.Type {
	case executor.Call_SUBSCRIBE:
		return absentField(c.Subscribe == nil, "subscribe")
	case executor.Call_UPDATE:
		return validateUpdate(c, p)
	case executor.Call_MESSAGE:
		return absentField(c.Message == nil, "message")
	case executor.Call_UNKNOWN:
		// Before 1.0 type was required and 0 was no type at all.
		return absentField(!p.V1UnknownCallType, "type")
	case executor.Call_HEARTBEAT:
		// Older agents do not know type 4: it does not parse (executor.proto
		// before the 1.8.0 tag).
		return absentField(!p.Heartbeats, "type")
	}
	return absentField(true, "type")
}

func absentField(missing bool, name string) string {
	if missing {
		return "Expecting '" + name + "' to be present"
	}
	return ""
}

func validateUpdate(c *executor.Call, p Profile) string {
	if c.Update == nil {
		return absentField(true, "update")
	}
	s := &c.Update.Status
	switch {
	case len(s.UUID) == 0:
		return absentField(true, "uuid")
	case p.V1ValidatesUUID && !validUUID(s.UUID):
		return fmt.Sprintf("Not a valid UUID: %d bytes, version %d", len(s.UUID), uuidVersion(s.UUID))
	case s.ExecutorID != nil && s.ExecutorID.Value != c.ExecutorID.Value:
		return "ExecutorID in Call: " + c.ExecutorID.Value + " does not match ExecutorID in TaskStatus: " + s.ExecutorID.Value
	case s.Source == nil || *s.Source != mesos.SOURCE_EXECUTOR:
		return "Received Call from " + callSender(c) + " with invalid source, expecting 'SOURCE_EXECUTOR'"
	case s.GetState() == mesos.TASK_STAGING:
		return "Received TASK_STAGING from " + callSender(c) + " which is not allowed"
	case p.V1ValidatesCheckStatus && s.CheckStatus != nil:
		return validateCheckStatus(s.CheckStatus)
	}
	return ""
}

// validUUID is stout's test of a uuid from 1.0 on (UUID::fromBytes): 16
// bytes whose version nibble is one of RFC 4122's five.
func validUUID(u []byte) bool {
	v := uuidVersion(u)
	return len(u) == 16 && v >= 1 && v <= 5
}

// uuidVersion is the version nibble of u (byte 6), 0 if u is too short.
func uuidVersion(u []byte) int {
	if len(u) < 7 {
		return 0
	}
	return int(u[6] >> 4)
}

// validateCheckStatus is the agent's check of an UPDATE's check_status
// (1.2+): a known type and the result that type calls for.
func validateCheckStatus(c *mesos.CheckStatusInfo) string {
	missing := func(absent bool, field, kind string) string {
		if absent {
			return "Expecting '" + field + "' to be set for " + kind + " check's status"
		}
		return ""
	}
	switch {
	case c.Type == nil:
		return "CheckStatusInfo must specify 'type'"
	case *c.Type == mesos.CheckInfo_COMMAND:
		return missing(c.Command == nil, "command", "COMMAND")
	case *c.Type == mesos.CheckInfo_HTTP:
		return missing(c.HTTP == nil, "http", "HTTP")
	case *c.Type == mesos.CheckInfo_TCP:
		return missing(c.TCP == nil, "tcp", "TCP")
	case *c.Type == mesos.CheckInfo_UNKNOWN:
		return "'UNKNOWN' is not a valid check's status type"
	}
	// A type the agent's schema does not have does not parse as one.
	return "CheckStatusInfo must specify 'type'"
}

// callSender names the sender of c as the agent's refusals do. Only a
// refusal builds it: valid calls are the agent's hot path.
func callSender(c *executor.Call) string {
	return "executor " + c.ExecutorID.Value + " of framework " + c.FrameworkID.Value
}
