package core

import (
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/executor"
)

// event handles one event from the agent.
func (c *Core) event(now time.Time, e *executor.Event, out *Output) {
	if c.state == StateEnded || c.state == StateNew {
		c.logf(out, Info, "ignoring "+e.Type.String()+" event: driver is "+c.state.String())
		return
	}
	switch e.Type {
	case executor.Event_SUBSCRIBED:
		c.subscribed(e.Subscribed, out)
	case executor.Event_ACKNOWLEDGED:
		c.acknowledged(e.Acknowledged, out)
	case executor.Event_SHUTDOWN:
		c.beginShutdown(now, out, "the agent asked the executor to shut down")
	case executor.Event_HEARTBEAT:
	case executor.Event_ERROR:
		c.agentError(e.Error, out)
	default:
		c.work(e, out)
	}
}

func (c *Core) subscribed(s *executor.Event_Subscribed, out *Output) {
	if s == nil {
		c.logf(out, Warning, "ignoring SUBSCRIBED event without its subscribed field")
		return
	}
	switch {
	case c.state == StateRegistering && !c.registered:
		c.registered, c.state, c.attempts = true, StateConnected, 0
		out.Callbacks = append(out.Callbacks, Callback{Kind: Registered,
			Executor: &s.ExecutorInfo, Framework: &s.FrameworkInfo, Agent: &s.AgentInfo})
		early := c.early
		c.early = nil
		for _, e := range early {
			c.work(e, out)
		}
	case c.lostAgent():
		c.state, c.recoveryDeadline, c.resubscribeAt, c.attempts = StateConnected, time.Time{}, time.Time{}, 0
		out.Callbacks = append(out.Callbacks, Callback{Kind: Reregistered, Agent: &s.AgentInfo})
		c.releaseUpdates(out)
	default:
		c.logf(out, Warning, "ignoring unexpected registration confirmation while "+c.state.String())
	}
}

func (c *Core) acknowledged(a *executor.Event_Acknowledged, out *Output) {
	if a == nil {
		c.logf(out, Warning, "ignoring ACKNOWLEDGED event without its acknowledged field")
		return
	}
	if !c.book.acknowledge(a.TaskID.Value, a.UUID) {
		c.logf(out, Warning, "ignoring acknowledgement of unknown update "+uuidString(a.UUID)+" for task "+a.TaskID.Value)
		return
	}
	c.releaseUpdates(out)
}

func (c *Core) agentError(e *executor.Event_Error, out *Output) {
	msg := "the agent reported an error"
	if e != nil {
		msg = e.Message
	}
	c.abort(out, msg)
}

// work handles the events that carry work for the executor. They are only
// delivered once Registered has been; tasks and messages also need the
// agent to be connected, as the C++ driver has required since Mesos 1.4.
func (c *Core) work(e *executor.Event, out *Output) {
	name := e.Type.String()
	if c.state == StateRegistering && !c.registered {
		c.holdEarly(e, out)
		return
	}
	if c.state == StateShuttingDown {
		c.logf(out, Warning, "dropping "+name+" event while "+c.state.String())
		return
	}
	switch {
	case e.Type == executor.Event_KILL && e.Kill != nil:
		c.kill(e.Kill, out)
	case c.state != StateConnected && (e.Type == executor.Event_LAUNCH || e.Type == executor.Event_LAUNCH_GROUP || e.Type == executor.Event_MESSAGE):
		c.logf(out, Warning, "dropping "+name+" event: not connected to the agent")
	case e.Type == executor.Event_LAUNCH && e.Launch != nil:
		c.launch(e.Launch.Task, out)
	case e.Type == executor.Event_LAUNCH_GROUP && e.LaunchGroup != nil:
		c.launchGroup(&e.LaunchGroup.TaskGroup, out)
	case e.Type == executor.Event_MESSAGE && e.Message != nil:
		out.Callbacks = append(out.Callbacks, Callback{Kind: FrameworkMessage, Data: e.Message.Data})
	default:
		c.logf(out, Warning, "ignoring "+name+" event (unknown type or missing payload)")
	}
}

func (c *Core) launch(t mesos.TaskInfo, out *Output) {
	if !c.book.launch(t) {
		c.logf(out, Warning, "dropping launch of task "+t.TaskID.Value+": a task with that id was launched before")
		return
	}
	out.Callbacks = append(out.Callbacks, Callback{Kind: LaunchTask, Task: &t})
	c.answerEarlyKill(t.TaskID, out)
}

// kill delivers a kill, or, for a task not launched yet (the kill
// overtook the launch), remembers it and delivers it right after the launch.
func (c *Core) kill(k *executor.Event_Kill, out *Output) {
	if _, launched := c.book.launched[k.TaskID.Value]; !launched {
		if len(c.earlyKills) >= maxEarlyEvents {
			c.logf(out, Warning, "dropping kill of unknown task "+k.TaskID.Value+": too many kills of unknown tasks")
			return
		}
		c.earlyKills[k.TaskID.Value] = k
		c.logf(out, Info, "kill of task "+k.TaskID.Value+" before its launch: kept for when it arrives")
		return
	}
	out.Callbacks = append(out.Callbacks, Callback{Kind: KillTask, TaskID: &k.TaskID, Policy: k.KillPolicy})
}

func (c *Core) answerEarlyKill(id mesos.TaskID, out *Output) {
	if k, ok := c.earlyKills[id.Value]; ok {
		delete(c.earlyKills, id.Value)
		out.Callbacks = append(out.Callbacks, Callback{Kind: KillTask, TaskID: &k.TaskID, Policy: k.KillPolicy})
	}
}

func (c *Core) launchGroup(g *mesos.TaskGroupInfo, out *Output) {
	for _, t := range g.Tasks {
		if _, dup := c.book.launched[t.TaskID.Value]; dup {
			c.logf(out, Warning, "dropping task group: task "+t.TaskID.Value+" was launched before")
			return
		}
	}
	for _, t := range g.Tasks {
		c.book.launch(t)
	}
	out.Callbacks = append(out.Callbacks, Callback{Kind: LaunchTaskGroup, TaskGroup: g})
	for _, t := range g.Tasks {
		c.answerEarlyKill(t.TaskID, out)
	}
}

func uuidString(b []byte) string {
	const hex = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i, x := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hex[x>>4], hex[x&15])
	}
	return string(out)
}

// maxEarlyEvents bounds the events held before registration completes.
const maxEarlyEvents = 1024

// holdEarly keeps an event that overtook the registration reply: agents
// before 0.27 send each message on its own connection, so a RunTaskMessage
// can arrive before ExecutorRegisteredMessage. It is delivered right after
// Registered, keeping Registered first without losing the task.
func (c *Core) holdEarly(e *executor.Event, out *Output) {
	if len(c.early) >= maxEarlyEvents {
		c.logf(out, Warning, "dropping "+e.Type.String()+" event: too many events before registration")
		return
	}
	c.early = append(c.early, e)
	c.logf(out, Info, "holding "+e.Type.String()+" event that arrived before the registration reply")
}
