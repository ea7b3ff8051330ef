package agentsim

import (
	"fmt"

	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/mesos-shim/executor/mesosproto"
	"github.com/mesos-shim/executor/upid"
)

// statusUpdateLocked validates, records and acknowledges one update, from
// a StatusUpdateMessage or replayed from a ReregisterExecutorMessage.
func (a *Agent) statusUpdateLocked(u *mesosproto.StatusUpdate, pid string, replayed bool) {
	if reason := a.checkUpdateLocked(u); reason != "" {
		a.dropUpdateLocked(u, reason)
		return
	}
	s := u.Status
	if s.GetState() == mesos.TASK_STAGING {
		a.dropUpdateLocked(u, "TASK_STAGING from an executor: shutting it down")
		a.shutdownLocked()
		return
	}
	a.updates = append(a.updates, Update{TaskID: s.TaskID.Value, State: s.GetState(),
		UUID: append([]byte(nil), u.UUID...), PID: pid, Replayed: replayed})
	to, ok := ackTarget(pid)
	if !ok {
		e := Entry{Dir: AtAgent, Name: EventNoAck, Detail: fmt.Sprintf("pid %q: treated as sent by the agent, never acknowledged", pid)}
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
	case u.GetSlaveID().GetValue() != a.cfg.AgentID:
		return fmt.Sprintf("update.slave_id %q is not this agent's", u.GetSlaveID().GetValue())
	case u.Status.AgentID != nil && u.Status.AgentID.Value != a.cfg.AgentID:
		return fmt.Sprintf("status.slave_id %q is not this agent's", u.Status.AgentID.Value)
	case a.exec.state == Unknown || u.GetFrameworkID().GetValue() != a.cfg.FrameworkID:
		return fmt.Sprintf("unknown framework %q", u.GetFrameworkID().GetValue())
	}
	return ""
}

func (a *Agent) dropUpdateLocked(u *mesosproto.StatusUpdate, reason string) {
	e := Entry{Dir: AtAgent, Name: EventUpdateDropped, Detail: reason}
	if u != nil {
		describeUpdate(&e, u)
	}
	a.trace.add(e)
}

// ackLocked acknowledges u to to, now or after the ack delay.
func (a *Agent) ackLocked(to upid.UPID, u *mesosproto.StatusUpdate) {
	agent, fw, task := a.agentID(), a.frameworkID(), u.Status.TaskID
	ack := &mesosproto.StatusUpdateAcknowledgementMessage{SlaveID: &agent, FrameworkID: &fw, TaskID: &task, UUID: u.UUID}
	send := func() {
		if a.sendLocked(to, ack) {
			a.acks[uuidKey(ack.UUID)]++
		}
	}
	if a.ackDelay <= 0 {
		send()
		return
	}
	a.afterLocked(a.ackDelay, send, func() {
		a.trace.add(Entry{Dir: AtAgent, Name: EventAckLost, TaskID: task.Value, UUID: ack.UUID,
			Detail: "the agent went down before acknowledging"})
	})
}
