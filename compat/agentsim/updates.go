package agentsim

import (
	"fmt"

	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/mesos-shim/executor/mesosproto"
	"github.com/mesos-shim/executor/upid"
)

// ackTo says where an update's acknowledgement goes: for a legacy update
// to StatusUpdateMessage.pid, for a v1 update over the executor's own
// connection, normally its current subscription stream
// (Slave::___statusUpdate).
type ackTo struct {
	wire Wire
	pid  string // legacy only
}

func viaPID(pid string) ackTo { return ackTo{wire: WireV0, pid: pid} }

var viaStream = ackTo{wire: WireV1}

// statusUpdateLocked validates, records and acknowledges one update: from
// a StatusUpdateMessage or an UPDATE call, or replayed from a
// ReregisterExecutorMessage or a SUBSCRIBE.
func (a *Agent) statusUpdateLocked(u *mesosproto.StatusUpdate, to ackTo, replayed bool) {
	if reason := a.checkUpdateLocked(u); reason != "" {
		a.dropUpdateLocked(u, to.wire, reason)
		return
	}
	s := u.Status
	if s.GetState() == mesos.TASK_STAGING { // the v1 endpoint refuses it with 400 first
		a.dropUpdateLocked(u, to.wire, "TASK_STAGING from an executor: shutting it down")
		a.shutdownLocked()
		return
	}
	up := Update{TaskID: s.TaskID.Value, State: s.GetState(), UUID: append([]byte(nil), u.UUID...),
		Wire: to.wire, PID: to.pid, Replayed: replayed, Message: s.GetMessage(), unknownTask: !a.exec.tasks[s.TaskID.Value]}
	a.updates.add(up)
	a.accepted++
	if !up.ackable() {
		e := Entry{Dir: AtAgent, Wire: to.wire, Name: EventNoAck, Detail: fmt.Sprintf("pid %q: treated as sent by the agent, never acknowledged", to.pid)}
		if to.wire == WireV1 {
			e.Detail = "a task the agent never launched: forwarded, never acknowledged to an HTTP executor"
		}
		describeUpdate(&e, u)
		a.trace.add(e)
		return
	}
	a.ackLocked(to, u)
}

// ackTarget parses an update's pid; an empty or invalid one is never
// acknowledged.
func ackTarget(pid string) (upid.UPID, bool) {
	to, err := upid.Parse(pid)
	return to, pid != "" && err == nil && !to.IsZero()
}

func ackable(pid string) bool {
	_, ok := ackTarget(pid)
	return ok
}

// checkUpdateLocked says why the agent drops u without acknowledging it,
// or "".
func (a *Agent) checkUpdateLocked(u *mesosproto.StatusUpdate) string {
	switch {
	case u == nil || u.Status == nil:
		return "no update or no status"
	case len(u.UUID) == 0:
		return "no uuid"
	case len(u.UUID) != 16:
		return fmt.Sprintf("uuid of %d bytes: a real agent would abort (UUID::fromBytes)", len(u.UUID))
	case a.cfg.Profile.ChecksUpdateAgentID && u.GetSlaveID().GetValue() != a.cfg.AgentID:
		return fmt.Sprintf("update.slave_id %q is not this agent's (1.1+)", u.GetSlaveID().GetValue())
	case a.cfg.Profile.ChecksUpdateAgentID && u.Status.GetAgentID().GetValue() != a.cfg.AgentID:
		return fmt.Sprintf("status.slave_id %q is not this agent's (1.1+)", u.Status.GetAgentID().GetValue())
	case a.exec.state == Unknown || u.GetFrameworkID().GetValue() != a.cfg.FrameworkID:
		return fmt.Sprintf("unknown framework %q", u.GetFrameworkID().GetValue())
	}
	return ""
}

func (a *Agent) dropUpdateLocked(u *mesosproto.StatusUpdate, wire Wire, reason string) {
	e := Entry{Dir: AtAgent, Wire: wire, Name: EventUpdateDropped, Detail: reason}
	if u != nil {
		describeUpdate(&e, u)
	}
	a.trace.add(e)
}

// ackLocked acknowledges u, now or after the ack delay. A replayed update
// whose acknowledgement is already on its way is acknowledged once.
func (a *Agent) ackLocked(to ackTo, u *mesosproto.StatusUpdate) {
	agent, fw, task := a.agentID(), a.frameworkID(), u.Status.TaskID
	ack := &mesosproto.StatusUpdateAcknowledgementMessage{SlaveID: &agent, FrameworkID: &fw, TaskID: &task, UUID: u.UUID}
	key := uuidKey(ack.UUID)
	if a.pendingAcks[key] {
		return
	}
	send := func() {
		delete(a.pendingAcks, key)
		if a.sendAckLocked(to, ack) {
			a.acks[key]++
		}
	}
	if a.ackDelay <= 0 {
		send()
		return
	}
	a.pendingAcks[key] = true
	a.afterLocked(a.ackDelay, send, func() {
		delete(a.pendingAcks, key)
		a.trace.add(Entry{Dir: AtAgent, Name: EventAckLost, TaskID: task.Value, UUID: ack.UUID,
			Detail: "the agent went down before acknowledging"})
	})
}

func (a *Agent) sendAckLocked(to ackTo, ack *mesosproto.StatusUpdateAcknowledgementMessage) bool {
	if to.wire == WireV1 {
		return a.toExecutorLocked(ack)
	}
	pid, _ := ackTarget(to.pid)
	return a.sendLocked(pid, ack)
}
