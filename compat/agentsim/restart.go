package agentsim

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mesos-shim/executor/mesosproto"
)

// Restart simulates an agent crash and restart (Slave::_recover and
// Slave::reregisterExecutor, the executor_reregistration_timeout flag, and
// the captures' "Agent crash and restart"): the agent goes down as
// with Crash, stays down for RestartDowntime, and listens again on the same
// port with the same UPID.
//
// With checkpoint, the executor's record survives and the agent recovers
// it RecoveryStartDelay after it starts listening, as the kind its
// checkpoint says (a libprocess.pid wins over an http.marker,
// RunState::recover):
//
//   - A PID executor gets ReconnectExecutorMessage, on a fresh connection,
//     and must answer with ReregisterExecutorMessage; Restart returns the
//     latency between the two.
//   - An HTTP (v1) executor is sent nothing: it must SUBSCRIBE again by
//     itself, and Restart returns the latency from the listener opening to
//     that SUBSCRIBE. Every UPDATE and MESSAGE, and any call before the
//     recovery starts, is answered 503 (RecoveryBody) until the recovery
//     ends (see WaitRecovered).
//
// The agent stays in recovery for ReregistrationTimeout after the recovery
// starts, whenever the executor comes back; an executor that has not come
// back by then is destroyed, and Restart returns an error.
//
// Without checkpoint, the restarted agent has no record of the executor
// and sends it nothing: the executor must notice the lost connection and
// exit on its own. Its registrations are refused, its updates dropped,
// and its v1 calls answered 400 ("Framework cannot be found").
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
	if err := a.open(ctx, a.port, ph); err != nil {
		return 0, err
	}
	if !checkpoint {
		a.forget()
		return 0, nil
	}
	paused := pause(ctx, a.cfg.RecoveryStartDelay)
	if err := a.reconnect(); err != nil {
		return 0, err
	}
	if paused != nil {
		return 0, fmt.Errorf("agentsim: restart: %w", paused)
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
	a.exec.stream = nil
	a.queue = nil
	a.trace.add(Entry{Dir: AtAgent, Name: EventForgotten, Detail: "no checkpoint: the executor is unknown to the new agent, nothing is sent to it"})
	a.broadcastLocked()
}

// reconnect recovers the executor: REGISTERING again, a Reconnect to a
// PID executor, and the reregistration deadline.
func (a *Agent) reconnect() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.phase != phaseRecovering {
		return fmt.Errorf("agentsim: restart: the agent went down while recovering")
	}
	a.recoveryStarted = true
	kind := a.checkpointedWireLocked()
	if kind == "" || a.exec.state == Terminated || a.exec.state == Unknown {
		a.phase = phaseRunning
		a.broadcastLocked()
		return fmt.Errorf("agentsim: restart: no executor to reconnect (executor is %s)", a.exec.state)
	}
	a.exec.state, a.exec.recovering = Registering, true
	a.reregistered = false
	a.afterLocked(a.cfg.ReregistrationTimeout, a.finishRecoveryLocked, nil)
	defer a.broadcastLocked()
	if kind == WireV1 {
		a.reconnectAt = a.listenedAt
		a.trace.add(Entry{Dir: AtAgent, Wire: WireV1, Name: EventRecovering,
			Detail: "HTTP executor (http.marker): no Reconnect is sent, it must SUBSCRIBE within " + a.cfg.ReregistrationTimeout.String()})
		return nil
	}
	a.exec.wire, a.exec.pid = WireV0, a.exec.pidFile
	a.reconnectAt = time.Now()
	a.trace.add(Entry{Dir: AtAgent, Wire: WireV0, Name: EventRecovering,
		Detail: "PID executor (libprocess.pid): Reconnect, it must reregister within " + a.cfg.ReregistrationTimeout.String()})
	a.sendReconnectLocked()
	return nil
}

// sendReconnectLocked asks a PID executor being recovered to reregister,
// and again every ReregistrationRetryInterval until it has.
func (a *Agent) sendReconnectLocked() {
	id := a.agentID()
	a.sendLocked(a.exec.pid, &mesosproto.ReconnectExecutorMessage{SlaveID: &id})
	if a.cfg.ReregistrationRetryInterval <= 0 {
		return
	}
	a.afterLocked(a.cfg.ReregistrationRetryInterval, func() {
		if a.exec.recovering && a.exec.state == Registering {
			a.sendReconnectLocked()
		}
	}, nil)
}

// checkpointedWireLocked is the executor's kind as its checkpoint says
// (RunState::recover): a libprocess.pid makes it a PID executor even if it
// subscribed since; otherwise an HTTP executor if it subscribed; "" if
// neither.
func (a *Agent) checkpointedWireLocked() Wire {
	switch {
	case !a.exec.pidFile.IsZero():
		return WireV0
	case a.exec.wire == WireV1:
		return WireV1
	}
	return ""
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
