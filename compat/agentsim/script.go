package agentsim

import (
	"fmt"
	"strings"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/executor"

	"github.com/mesos-shim/executor/mesosproto"
)

// The script operations below play the master's and scheduler's part: each
// is recorded in the trace and turned into what the agent sends.

// Launch gives the executor a task: a RunTaskMessage (LAUNCH on v1) now if
// it is registered, or once it registers. An empty agent_id or name is
// filled in.
func (a *Agent) Launch(task mesos.TaskInfo) error {
	if task.AgentID.Value == "" {
		task.AgentID = a.agentID()
	}
	if task.Name == "" {
		task.Name = task.TaskID.Value
	}
	return a.deliver(Entry{Dir: Script, Name: "Launch", TaskID: task.TaskID.Value}, a.runTaskMessage(task), true)
}

// LaunchGroup gives the executor a task group, as agents since 1.1 do: a
// LAUNCH_GROUP event on the v1 wire, and to a PID executor an unversioned
// executor Event of type LAUNCH_GROUP named mesosproto.ExecutorEventName
// (Slave::___run; the captures). It works on every profile (the simulation
// plays the master, which would send groups only to 1.1+ agents), except on
// 0.27's v1 wire, whose numbering has no LAUNCH_GROUP: the send fails and
// the trace says so.
func (a *Agent) LaunchGroup(group mesos.TaskGroupInfo) error {
	if !a.cfg.Profile.TaskGroups {
		return fmt.Errorf("agentsim: LaunchGroup: agent %s has no task groups (1.1+)", a.cfg.Profile.Name)
	}
	var ids []string
	for i := range group.Tasks {
		if group.Tasks[i].AgentID.Value == "" {
			group.Tasks[i].AgentID = a.agentID()
		}
		ids = append(ids, group.Tasks[i].TaskID.Value)
	}
	ev := &executor.Event{Type: executor.Event_LAUNCH_GROUP, LaunchGroup: &executor.Event_LaunchGroup{TaskGroup: group}}
	return a.deliver(Entry{Dir: Script, Name: "LaunchGroup", Detail: fmt.Sprint(ids)}, ev, true)
}

// Kill asks the executor to kill a task, with policy if the profile sends
// kill policies (1.0+).
func (a *Agent) Kill(taskID string, policy *mesos.KillPolicy) error {
	fw := a.frameworkID()
	m := &mesosproto.KillTaskMessage{FrameworkID: &fw, TaskID: &mesos.TaskID{Value: taskID}}
	if a.cfg.Profile.KillPolicy {
		m.KillPolicy = policy
	}
	return a.deliver(Entry{Dir: Script, Name: "Kill", TaskID: taskID}, m, false)
}

// FrameworkMessage sends data to the executor as from its scheduler.
func (a *Agent) FrameworkMessage(data []byte) error {
	agent, fw, ex := a.agentID(), a.frameworkID(), a.executorID()
	m := &mesosproto.FrameworkToExecutorMessage{SlaveID: &agent, FrameworkID: &fw, ExecutorID: &ex, Data: data}
	return a.deliver(Entry{Dir: Script, Name: "FrameworkMessage", Detail: dataDetail(data)}, m, false)
}

// Shutdown shuts the executor down with an empty ShutdownExecutorMessage,
// or a SHUTDOWN event on v1 (the stream stays open). If it is still running
// ShutdownGracePeriod later, the agent destroys it (kills its process
// group), as the containerizer would.
func (a *Agent) Shutdown() error {
	a.trace.add(Entry{Dir: Script, Name: "Shutdown"})
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.canSendLocked("Shutdown"); err != nil {
		return err
	}
	a.shutdownLocked()
	a.broadcastLocked()
	return nil
}

// shutdownLocked sends ShutdownExecutor and arms the destroy timer.
func (a *Agent) shutdownLocked() {
	a.exec.state = Terminating
	a.toExecutorLocked(&mesosproto.ShutdownExecutorMessage{})
	a.afterLocked(a.cfg.ShutdownGracePeriod, func() {
		a.destroyLocked("still running after the shutdown grace period")
	}, nil)
}

// deliver records op and sends m to a registered executor; queueable
// messages wait for an executor that has not registered yet.
func (a *Agent) deliver(op Entry, m proto.Message, queueable bool) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if queueable && a.exec.state == Registering && !a.exec.recovering && a.ep != nil {
		op.Detail = strings.TrimSpace(op.Detail + " (queued until the executor registers)")
		a.trace.add(op)
		a.queue = append(a.queue, m)
		a.knowTasksLocked(m)
		return nil
	}
	a.trace.add(op)
	if err := a.canSendLocked(op.Name); err != nil {
		return err
	}
	a.toExecutorLocked(m)
	a.exec.sentTask = a.exec.sentTask || queueable
	a.knowTasksLocked(m)
	return nil
}

// knowTasksLocked records the tasks m gives the executor, if it gives any.
func (a *Agent) knowTasksLocked(m proto.Message) {
	var ids []string
	switch m := m.(type) {
	case *mesosproto.RunTaskMessage:
		ids = append(ids, m.GetTask().TaskID.Value)
	case *executor.Event:
		for _, t := range m.GetLaunchGroup().GetTaskGroup().Tasks {
			ids = append(ids, t.TaskID.Value)
		}
	}
	if a.exec.tasks == nil {
		a.exec.tasks = make(map[string]bool)
	}
	for _, id := range ids {
		a.exec.tasks[id] = true
	}
}

func (a *Agent) canSendLocked(op string) error {
	switch {
	case a.closed:
		return ErrClosed
	case a.ep == nil:
		return fmt.Errorf("agentsim: %s: the agent is down", op)
	case a.exec.state != Running:
		return fmt.Errorf("agentsim: %s: the executor is %s", op, a.exec.state)
	}
	return nil
}
