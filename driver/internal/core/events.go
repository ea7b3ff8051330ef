package core

import (
	"fmt"
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
		c.subscribed(now, e.Subscribed, out)
	case executor.Event_ACKNOWLEDGED:
		c.acknowledged(e.Acknowledged, out)
	case executor.Event_SHUTDOWN:
		c.beginShutdown(now, out, "the agent asked the executor to shut down")
	case executor.Event_HEARTBEAT:
	case executor.Event_ERROR:
		c.agentError(e.Error, out)
	default:
		c.work(now, e, out)
	}
}

func (c *Core) subscribed(now time.Time, s *executor.Event_Subscribed, out *Output) {
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
			c.work(now, e, out)
		}
		c.releaseUpdates(out)
	case c.lostAgent():
		c.state, c.recoveryDeadline, c.resubscribeAt, c.attempts = StateConnected, time.Time{}, time.Time{}, 0
		c.reregisterAsked = false
		out.Callbacks = append(out.Callbacks, Callback{Kind: Reregistered, Agent: &s.AgentInfo})
		c.releaseUpdates(out)
	case c.state == StateConnected && c.reregisterAsked:
		// The agent had restarted unnoticed (see reregisterWhileConnected):
		// the callbacks report the loss and the return, as for a noticed one.
		c.reregisterAsked = false
		out.Callbacks = append(out.Callbacks, Callback{Kind: Disconnected}, Callback{Kind: Reregistered, Agent: &s.AgentInfo})
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
func (c *Core) work(now time.Time, e *executor.Event, out *Output) {
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
		c.kill(now, e.Kill, out)
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
		c.logf(out, Warning, "dropping launch of task "+t.TaskID.Value+": a task with that id is still in use (its terminal update not acknowledged)")
		return
	}
	out.Callbacks = append(out.Callbacks, Callback{Kind: LaunchTask, Task: &t})
	c.answerEarlyKill(t.TaskID, out)
}

// kill delivers a kill. A kill of a task not launched is parked for
// killOvertakeWait, and delivered right after the launch if it comes
// meanwhile (agents before 0.27 send each message on its own connection,
// so a kill can overtake its task's launch); otherwise it is delivered as
// it is, since the C++ driver passes on every kill and the executor must
// answer for a task the agent believes launched.
func (c *Core) kill(now time.Time, k *executor.Event_Kill, out *Output) {
	if _, launched := c.book.launched[k.TaskID.Value]; launched || len(c.earlyKills) >= maxEarlyEvents {
		out.Callbacks = append(out.Callbacks, killCallback(k))
		return
	}
	c.earlyKills = append(c.earlyKills, parkedKill{kill: k, until: now.Add(killOvertakeWait)})
	c.logf(out, Info, fmt.Sprintf("kill of task %s before its launch: kept for %v in case the launch was overtaken", k.TaskID.Value, killOvertakeWait))
}

// killOvertakeWait is how long a kill of an unknown task waits for its
// launch: far longer than two messages sent together take to cross, short
// enough not to keep a scheduler waiting on a task the executor never got.
const killOvertakeWait = time.Second

// parkedKill is a kill waiting for its task's launch until a deadline.
type parkedKill struct {
	kill  *executor.Event_Kill
	until time.Time
}

func killCallback(k *executor.Event_Kill) Callback {
	return Callback{Kind: KillTask, TaskID: &k.TaskID, Policy: k.KillPolicy}
}

// answerEarlyKill delivers, right after a launch, the kills parked for it.
func (c *Core) answerEarlyKill(id mesos.TaskID, out *Output) {
	kept := c.earlyKills[:0]
	for _, p := range c.earlyKills {
		if p.kill.TaskID.Value == id.Value {
			out.Callbacks = append(out.Callbacks, killCallback(p.kill))
		} else {
			kept = append(kept, p)
		}
	}
	clear(c.earlyKills[len(kept):])
	c.earlyKills = kept
}

// releaseParkedKills delivers the parked kills whose launch did not come in
// time, as kills of tasks the executor does not know; while shutting down
// they are dropped with the rest of the work.
func (c *Core) releaseParkedKills(now time.Time, out *Output) {
	n := 0
	for n < len(c.earlyKills) && !now.Before(c.earlyKills[n].until) {
		k := c.earlyKills[n].kill
		if c.state == StateShuttingDown {
			c.logf(out, Warning, "dropping kill of task "+k.TaskID.Value+" while "+c.state.String())
		} else {
			c.logf(out, Warning, fmt.Sprintf("no launch of task %s within %v of its kill: delivering the kill for a task this executor was never given", k.TaskID.Value, killOvertakeWait))
			out.Callbacks = append(out.Callbacks, killCallback(k))
		}
		n++
	}
	clear(c.earlyKills[:n])
	c.earlyKills = c.earlyKills[n:]
}

// nextParkedKill is when the oldest parked kill is due (zero: none).
func (c *Core) nextParkedKill() time.Time {
	if len(c.earlyKills) == 0 {
		return time.Time{}
	}
	return c.earlyKills[0].until
}

func (c *Core) launchGroup(g *mesos.TaskGroupInfo, out *Output) {
	for _, t := range g.Tasks {
		if _, dup := c.book.launched[t.TaskID.Value]; dup {
			c.logf(out, Warning, "dropping task group: task "+t.TaskID.Value+" is still in use (its terminal update not acknowledged)")
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
