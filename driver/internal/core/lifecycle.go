package core

import (
	"fmt"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/executor"
)

// connected reports whether the agent is taking messages from us now.
func (c *Core) connected() bool {
	return c.state == StateConnected || c.state == StateShuttingDown || c.state == StateRegistering
}

// lostAgent reports whether the executor lost its agent and waits for it.
func (c *Core) lostAgent() bool {
	return c.state == StateDisconnected || c.state == StateReregistering
}

// holdsUpdates reports whether updates wait in the book rather than go to
// the wire: no agent has taken the executor (yet, or again). What a v1
// wire queued for a subscription that failed is dropped, and a first
// SUBSCRIBE carries no updates, so an update made before the first
// registration reply waits for it too.
func (c *Core) holdsUpdates() bool {
	return c.lostAgent() || c.state == StateRegistering
}

func (c *Core) sendUpdate(now time.Time, in SendUpdate, out *Output) {
	switch {
	case c.status != mesos.DRIVER_RUNNING:
		out.Err = ErrNotRunning
		return
	case in.Status == nil || in.Status.TaskID.Value == "":
		out.Err = ErrNoTaskID
		return
	case in.Status.State == nil: // it could not be encoded, for any agent
		out.Err = ErrNoState
		return
	case *in.Status.State == mesos.TASK_STAGING:
		out.Err = ErrStaging
		return
	case in.Status.CheckStatus != nil && !validCheckStatus(in.Status.CheckStatus):
		out.Err = fmt.Errorf("%w (type %s): a v1 agent refuses the update", ErrInvalidCheckStatus, in.Status.CheckStatus.GetType())
		return
	}
	s := *in.Status
	c.book.id.stamp(&s, in.UUID, float64(now.UnixNano())/1e9)
	held := c.holdsUpdates() || !c.book.mayHandOver(c.sendWindow())
	if err := c.book.add(s, held); err != nil {
		out.Err = fmt.Errorf("driver: status update for task %s cannot be encoded: %w", s.TaskID.Value, err)
		return
	}
	if !held {
		out.Calls = append(out.Calls, c.updateCall(s))
	}
}

// validCheckStatus says whether a v1 agent takes c: its type is one it
// knows, with the status of that type of check set.
func validCheckStatus(c *mesos.CheckStatusInfo) bool {
	switch c.GetType() {
	case mesos.CheckInfo_COMMAND:
		return c.Command != nil
	case mesos.CheckInfo_HTTP:
		return c.HTTP != nil
	case mesos.CheckInfo_TCP:
		return c.TCP != nil
	}
	return false
}

// DefaultSendWindow is Config.SendWindow's default: enough updates in
// flight to keep any agent busy (at 100,000 updates/s, 10 ms of round
// trip), few enough that the wire's copies of them stay small.
const DefaultSendWindow = 1024

func (c *Core) sendWindow() int {
	if c.cfg.SendWindow > 0 {
		return c.cfg.SendWindow
	}
	return DefaultSendWindow
}

// releaseUpdates hands the wire the held updates the window has room
// for, oldest first, unless no agent can take them.
func (c *Core) releaseUpdates(out *Output) {
	if c.holdsUpdates() {
		return
	}
	for _, s := range c.book.release(c.sendWindow()) {
		out.Calls = append(out.Calls, c.updateCall(s))
	}
}

func (c *Core) updateCall(s mesos.TaskStatus) *executor.Call {
	call := c.call(executor.Call_UPDATE)
	call.Update = &executor.Call_Update{Status: s}
	return call
}

func (c *Core) sendMessage(in SendMessage, out *Output) {
	switch {
	case c.status != mesos.DRIVER_RUNNING:
		out.Err = ErrNotRunning
	case !c.connected():
		out.Err = ErrNotConnected
	default:
		data := in.Data
		if data == nil {
			data = []byte{} // required on both wires: nil would not encode
		}
		call := c.call(executor.Call_MESSAGE)
		call.Message = &executor.Call_Message{Data: data}
		out.Calls = append(out.Calls, call)
	}
}

// reconnect answers a restarted legacy agent: a fresh link, then the
// reregistration with everything it has not acknowledged.
func (c *Core) reconnect(now time.Time, in Reconnect, out *Output) {
	switch {
	case in.AgentID != c.cfg.AgentID:
		c.logf(out, Warning, fmt.Sprintf("ignoring reconnect request for agent %q: this executor belongs to agent %q", in.AgentID, c.cfg.AgentID))
		return
	case c.state == StateConnected:
		c.reregisterWhileConnected(out)
		return
	case !c.lostAgent():
		c.logf(out, Warning, "ignoring reconnect request while "+c.state.String())
		return
	}
	c.state = StateReregistering
	out.Connection = Open
	out.Calls = append(out.Calls, c.resubscribeCall())
	c.logf(out, Info, "agent asked to reconnect; reregistering")
}

// reregisterWhileConnected answers a reconnect request that finds the
// executor connected. Either the agent restarted and the old connection's
// end went unnoticed (a half-open connection), or the agent repeated its
// request (--executor_reregistration_retry_interval) before it handled
// the reregistration that connected us. The executor reregisters on a
// fresh link, as the C++ driver does, and stays connected, its updates
// flowing: a restarted agent takes updates from an executor it is
// recovering, and one that repeated its request ignores the
// reregistration of an executor it runs and never answers it, which must
// not leave the updates held until the recovery timeout. A reply says the
// agent had restarted: subscribed then reports the loss and the return.
func (c *Core) reregisterWhileConnected(out *Output) {
	c.reregisterAsked = true
	out.Connection = Open
	out.Calls = append(out.Calls, c.resubscribeCall())
	c.logf(out, Info, "agent asked a connected executor to reconnect (it restarted unnoticed, or repeated its request); reregistering and staying connected")
}

func (c *Core) resubscribeCall() *executor.Call {
	tasks, statuses := c.book.unacknowledged()
	call := c.call(executor.Call_SUBSCRIBE)
	call.Subscribe = &executor.Call_Subscribe{UnacknowledgedTasks: tasks}
	for _, s := range statuses {
		call.Subscribe.UnacknowledgedUpdates = append(call.Subscribe.UnacknowledgedUpdates, executor.Call_Update{Status: s})
	}
	return call
}

func (c *Core) lost(now time.Time, in Lost, out *Output) {
	switch c.state {
	case StateRegistering:
		c.lostWhileRegistering(now, in, out)
	case StateConnected:
		c.lostWhileConnected(now, in, out)
	case StateReregistering:
		if !c.cfg.Checkpoint {
			c.agentGone = true
			c.beginShutdown(now, out, "subscribing again failed and the framework does not checkpoint: "+in.Cause)
			return
		}
		c.state = StateDisconnected
		c.awaitRecovery(now)
		c.logf(out, Info, "reregistration failed: "+in.Cause)
		c.scheduleResubscribe(now)
	case StateShuttingDown:
		c.agentGone = true
		c.logf(out, Info, "connection closed while shutting down: "+in.Cause)
	default:
		c.logf(out, Info, "connection closed while "+c.state.String()+": "+in.Cause)
	}
}

// lostWhileConnected reports the loss and waits for the agent to recover.
// Without checkpointing an agent that restarts does not take the executor
// back, so the executor shuts down, unless the connections only went
// silent on v1: the agent may just be slow, and it takes a new
// subscription from a running executor, so the executor subscribes again
// once and shuts down if that fails.
func (c *Core) lostWhileConnected(now time.Time, in Lost, out *Output) {
	out.Callbacks = append(out.Callbacks, Callback{Kind: Disconnected})
	probe := in.Silent && c.cfg.Resubscribe
	if !c.cfg.Checkpoint && !probe {
		c.agentGone = true
		c.beginShutdown(now, out, "lost the agent and the framework does not checkpoint: "+in.Cause)
		return
	}
	c.state = StateDisconnected
	if c.cfg.Checkpoint {
		c.awaitRecovery(now)
		c.logf(out, Warning, fmt.Sprintf("lost the agent (%s); waiting up to %v for it to recover", in.Cause, c.cfg.RecoveryTimeout))
	} else {
		c.logf(out, Warning, "the agent went silent ("+in.Cause+"); subscribing again, and shutting down if that fails")
	}
	if c.cfg.Resubscribe {
		c.resubscribe(out)
	}
}

// awaitRecovery starts the recovery timeout, unless it already runs, when
// the framework checkpoints (only then does an agent take the executor
// back after a restart).
func (c *Core) awaitRecovery(now time.Time) {
	if c.cfg.Checkpoint && c.recoveryDeadline.IsZero() {
		c.recoveryDeadline = now.Add(c.cfg.RecoveryTimeout)
	}
}

// lostWhileRegistering retries a temporary failure of a first subscription
// on the v1 wire; anything else means this executor cannot register.
func (c *Core) lostWhileRegistering(now time.Time, in Lost, out *Output) {
	if c.cfg.Resubscribe && in.Retry {
		c.logf(out, Info, "subscription refused for now ("+in.Cause+"); trying again")
		c.scheduleResubscribe(now)
		return
	}
	c.agentGone = true
	c.beginShutdown(now, out, "lost the agent before registering: "+in.Cause)
}

// firstBackoff bounds the delay before the second subscription attempt;
// each failure doubles the bound, up to maxBackoff or half of BackoffMax.
const (
	firstBackoff = 100 * time.Millisecond
	maxBackoff   = 500 * time.Millisecond
)

// scheduleResubscribe arms the next subscription attempt after a random
// delay (v1 only). The bound grows from firstBackoff and stops at 500 ms, or
// at half of MESOS_SUBSCRIPTION_BACKOFF_MAX if that is less. Agents set that
// variable to their reregistration window (2 s by default): however long
// the outage, attempts then come several times within the window once the
// agent is back, where the C++ library's delays of up to the whole bound
// can miss it. An attempt at a dead agent costs one refused connection.
func (c *Core) scheduleResubscribe(now time.Time) {
	if !c.cfg.Resubscribe {
		return
	}
	bound := min(c.cfg.BackoffMax/2, maxBackoff)
	if b := firstBackoff << min(c.attempts, 16); b < bound {
		bound = b
	}
	c.attempts++
	var delay time.Duration
	if c.cfg.Jitter != nil {
		delay = c.cfg.Jitter(bound)
	}
	c.resubscribeAt = now.Add(delay)
}

// resubscribe opens a fresh subscription: the first registration again if
// it never succeeded, otherwise with everything unacknowledged.
func (c *Core) resubscribe(out *Output) {
	c.resubscribeAt = time.Time{}
	out.Connection = Open
	if c.state == StateRegistering {
		out.Calls = append(out.Calls, c.call(executor.Call_SUBSCRIBE))
		return
	}
	c.state = StateReregistering
	out.Calls = append(out.Calls, c.resubscribeCall())
}

func (c *Core) tick(now time.Time, out *Output) {
	c.releaseParkedKills(now, out)
	if !c.resubscribeAt.IsZero() && !now.Before(c.resubscribeAt) {
		if c.state == StateRegistering || c.state == StateDisconnected {
			c.resubscribe(out)
		} else {
			c.resubscribeAt = time.Time{}
		}
	}
	if !c.recoveryDeadline.IsZero() && !now.Before(c.recoveryDeadline) {
		c.recoveryDeadline = time.Time{}
		if c.lostAgent() {
			c.agentGone = true
			c.beginShutdown(now, out, fmt.Sprintf("the agent did not recover within %v", c.cfg.RecoveryTimeout))
		}
	}
	if !c.graceDeadline.IsZero() && !now.Before(c.graceDeadline) {
		c.graceDeadline = time.Time{}
		out.Terminate = true
		c.logf(out, Warning, fmt.Sprintf("shutdown grace period of %v expired; ending the process group", c.cfg.ShutdownGracePeriod))
	}
}

// beginShutdown takes the shutdown path: the Shutdown callback, then, after
// the grace period, the end of the process group. The driver stays RUNNING
// so the executor can still send its tasks' final updates. An agent that
// asked for the shutdown takes messages: the updates held for it go out
// now, and the final ones do not queue behind them.
func (c *Core) beginShutdown(now time.Time, out *Output, reason string) {
	if c.state == StateShuttingDown || c.state == StateEnded {
		return
	}
	c.state = StateShuttingDown
	c.recoveryDeadline, c.resubscribeAt = time.Time{}, time.Time{}
	if !c.agentGone {
		c.releaseUpdates(out)
	}
	out.Callbacks = append(out.Callbacks, Callback{Kind: Shutdown})
	if c.cfg.Terminate {
		c.graceDeadline = now.Add(c.cfg.ShutdownGracePeriod)
	}
	c.logf(out, Warning, "shutting down: "+reason)
}
