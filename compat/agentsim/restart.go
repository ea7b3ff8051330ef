package agentsim

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mesos-shim/executor/mesosproto"
)

// Restart simulates an agent crash and restart (PROTOCOL.md §3.7, §7 and
// the captures' "Agent crash and restart"): the agent goes down as with
// Crash, stays down for RestartDowntime, and listens again on the same
// port with the same UPID.
//
// With checkpoint, the executor's record survives: the agent sends
// ReconnectExecutorMessage, on a fresh connection, to the executor's pid
// and waits for its ReregisterExecutorMessage. Restart returns the
// latency between the two. The agent stays in recovery for
// ReregistrationTimeout after the Reconnect; an executor that has not
// reregistered by then is destroyed, and Restart returns an error.
//
// Without checkpoint, the restarted agent has no record of the executor
// and sends it nothing: the executor must notice the lost connection and
// exit on its own. Its registrations are refused and its updates dropped.
func (a *Agent) Restart(ctx context.Context, checkpoint bool) (time.Duration, error) {
	a.trace.add(Entry{Dir: Script, Name: "Restart", Detail: fmt.Sprintf("checkpoint=%t", checkpoint)})
	a.Crash()
	if err := pause(ctx, a.cfg.RestartDowntime); err != nil {
		return 0, fmt.Errorf("agentsim: restart: %w", err)
	}
	ph := phaseRunning
	if checkpoint {
		ph = phaseRecovering
	}
	if err := a.open(ctx, a.self.Port, ph); err != nil {
		return 0, err
	}
	if !checkpoint {
		a.forget()
		return 0, nil
	}
	if err := a.reconnect(); err != nil {
		return 0, err
	}
	return a.awaitReregistration(ctx)
}

// pause waits d, or until ctx ends.
func pause(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// forget drops the executor's record, as an agent without checkpoints does.
func (a *Agent) forget() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.exec.state != Terminated {
		a.exec.state = Unknown
	}
	a.queue = nil
	a.trace.add(Entry{Dir: AtAgent, Name: EventForgotten, Detail: "no checkpoint: the executor is unknown to the new agent, nothing is sent to it"})
	a.broadcastLocked()
}

// reconnect recovers the executor: REGISTERING again, a Reconnect to its
// pid, and the reregistration deadline.
func (a *Agent) reconnect() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.exec.pid.IsZero() || a.exec.state == Terminated || a.exec.state == Unknown {
		a.phase = phaseRunning
		return fmt.Errorf("agentsim: restart: no executor to reconnect (executor is %s)", a.exec.state)
	}
	a.exec.state, a.exec.recovering = Registering, true
	a.reregistered = false
	a.reconnectAt = time.Now()
	id := a.agentID()
	a.sendLocked(a.exec.pid, &mesosproto.ReconnectExecutorMessage{SlaveID: &id})
	a.afterLocked(a.cfg.ReregistrationTimeout, a.finishRecoveryLocked, nil)
	a.broadcastLocked()
	return nil
}

// finishRecoveryLocked ends the recovery window: an executor that did not
// reregister is destroyed.
func (a *Agent) finishRecoveryLocked() {
	a.phase = phaseRunning
	if a.exec.state != Registering || !a.exec.recovering {
		return
	}
	a.exec.recovering = false
	a.trace.add(Entry{Dir: AtAgent, Name: EventReregistrationTimeout,
		Detail: "no reregistration within " + a.cfg.ReregistrationTimeout.String()})
	a.destroyLocked("did not reregister")
}

// awaitReregistration waits for the end of this restart's recovery.
func (a *Agent) awaitReregistration(ctx context.Context) (time.Duration, error) {
	var latency time.Duration
	var failed error
	err := a.waitFor(ctx, "reregistration", func() bool {
		switch {
		case a.reregistered:
			latency = a.latency
		case a.exec.state == Registering && a.exec.recovering:
			return false
		default:
			failed = fmt.Errorf("agentsim: the executor did not reregister within %s (it is %s)",
				a.cfg.ReregistrationTimeout, a.exec.state)
		}
		return true
	})
	return latency, errors.Join(err, failed)
}
