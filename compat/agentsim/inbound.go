package agentsim

import (
	"fmt"
	"time"

	"github.com/gogo/protobuf/proto"

	"github.com/mesos-shim/executor/mesosproto"
	"github.com/mesos-shim/executor/upid"
)

// receivedLocked records a message from the executor and handles it as
// slave.cpp does (Slave::registerExecutor, reregisterExecutor, statusUpdate,
// executorMessage).
func (a *Agent) receivedLocked(from upid.UPID, m proto.Message) {
	e := describe(m)
	e.Dir, e.Wire = FromExecutor, WireV0
	a.trace.add(e)
	switch m := m.(type) {
	case *mesosproto.RegisterExecutorMessage:
		a.registerLocked(from, m)
	case *mesosproto.ReregisterExecutorMessage:
		a.reregisterLocked(from, m)
	case *mesosproto.StatusUpdateMessage:
		a.statusUpdateLocked(m.GetUpdate(), viaPID(m.GetPID()), false)
	case *mesosproto.ExecutorToFrameworkMessage:
		a.frameworkMessageLocked(m)
	}
}

// registerLocked answers RegisterExecutorMessage: Registered and the
// queued tasks, or Shutdown.
func (a *Agent) registerLocked(from upid.UPID, m *mesosproto.RegisterExecutorMessage) {
	if a.ignoreRegistrationLocked() {
		return
	}
	if reason, terminate := a.refuseRegisterLocked(m); reason != "" {
		a.refuseLocked(from, reason, terminate)
		return
	}
	a.becomePIDExecutorLocked(from)
	a.exec.state = Running
	a.linkLocked(from)
	a.sendLocked(from, a.registeredMessageLocked())
	for _, q := range a.queue {
		a.sendLocked(from, q)
		a.exec.sentTask = true
	}
	a.queue = nil
}

// becomePIDExecutorLocked makes from the executor's pid, checkpointed as
// libprocess.pid: its messages go over the legacy wire from now on.
func (a *Agent) becomePIDExecutorLocked(from upid.UPID) {
	if old := a.exec.stream; old != nil {
		old.end()
		a.exec.stream = nil
	}
	a.exec.wire, a.exec.pid, a.exec.pidFile = WireV0, from, from
}

// refuseRegisterLocked says why a registration gets ShutdownExecutor, or
// "", and whether the agent also starts terminating the executor.
func (a *Agent) refuseRegisterLocked(m *mesosproto.RegisterExecutorMessage) (reason string, terminate bool) {
	switch {
	case a.phase == phaseRecovering:
		return "agent is recovering", false
	case a.exec.state == Unknown || m.GetFrameworkID().GetValue() != a.cfg.FrameworkID:
		return fmt.Sprintf("unknown framework %q", m.GetFrameworkID().GetValue()), false
	case m.GetExecutorID().GetValue() != a.cfg.ExecutorID:
		return fmt.Sprintf("unknown executor %q", m.GetExecutorID().GetValue()), false
	case a.exec.state != Registering || a.exec.recovering:
		return "executor is " + a.exec.state.String() + ", not REGISTERING", false
	case a.cfg.Profile.ShutdownTasklessExecutor && !a.exec.sentTask && len(a.queue) == 0:
		return "executor has no task to run (1.0+)", true
	}
	return "", false
}

// refuseLocked answers the executor at from with ShutdownExecutor; with
// terminate, the agent also starts terminating it (and destroys it after
// the grace period).
func (a *Agent) refuseLocked(from upid.UPID, reason string, terminate bool) {
	a.trace.add(Entry{Dir: AtAgent, Wire: WireV0, Name: EventRefused, Detail: reason})
	if !terminate {
		a.sendLocked(from, &mesosproto.ShutdownExecutorMessage{})
		return
	}
	a.exec.pid = from // refused: the executor has not chosen a wire
	a.shutdownLocked()
}

func (a *Agent) linkLocked(to upid.UPID) {
	if !a.cfg.Profile.LinksExecutor || a.ep == nil {
		return
	}
	if err := a.ep.legacy.link(to); err != nil {
		a.trace.add(Entry{Dir: AtAgent, Name: EventSendFailed, Detail: "link: " + err.Error()})
	}
}

// reregisterLocked accepts a reregistration only from an executor being
// recovered after a restart, and replays the updates it carries.
func (a *Agent) reregisterLocked(from upid.UPID, m *mesosproto.ReregisterExecutorMessage) {
	if a.exec.state == Running && a.cfg.ReregistrationRetryInterval > 0 {
		a.trace.add(Entry{Dir: AtAgent, Wire: WireV0, Name: EventIgnored,
			Detail: "reregistration from an executor already running (retry interval set)"})
		return
	}
	if !a.exec.recovering || a.exec.state != Registering || m.GetExecutorID().GetValue() != a.cfg.ExecutorID ||
		m.GetFrameworkID().GetValue() != a.cfg.FrameworkID {
		a.refuseLocked(from, "not expecting a reregistration: executor is "+a.exec.state.String(), false)
		return
	}
	a.becomePIDExecutorLocked(from)
	a.exec.state, a.exec.recovering = Running, false
	a.latency, a.reregistered = time.Since(a.reconnectAt), true
	a.trace.add(Entry{Dir: AtAgent, Wire: WireV0, Name: EventReregistered, Latency: a.latency})
	a.linkLocked(from)
	id := a.agentID()
	a.sendLocked(from, &mesosproto.ExecutorReregisteredMessage{SlaveID: &id, SlaveInfo: a.agentInfo()})
	for i := range m.Updates {
		u := &m.Updates[i]
		e := Entry{Dir: AtAgent, Wire: WireV0, Name: EventUpdateReplayed}
		describeUpdate(&e, u)
		a.trace.add(e)
		a.statusUpdateLocked(u, viaPID(from.String()), true)
	}
}

// frameworkMessageLocked keeps a message for the framework; an agent that
// is not registered with its master (here: while recovering) drops it.
func (a *Agent) frameworkMessageLocked(m *mesosproto.ExecutorToFrameworkMessage) {
	if a.phase != phaseRunning {
		a.trace.add(Entry{Dir: AtAgent, Name: EventIgnored, Detail: "framework message dropped: agent not registered with the master"})
		return
	}
	a.msgs = append(a.msgs, append([]byte(nil), m.Data...))
}
