package agentsim

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// waitFor blocks until done, evaluated with the lock held after every
// change of the agent, returns true, or ctx ends, or the agent is closed.
func (a *Agent) waitFor(ctx context.Context, what string, done func() bool) error {
	for {
		a.mu.Lock()
		ok, closed, changed := done(), a.closed, a.changed
		a.mu.Unlock()
		switch {
		case ok:
			return nil
		case closed:
			return fmt.Errorf("agentsim: waiting for %s: %w", what, ErrClosed)
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("agentsim: waiting for %s: %w", what, ctx.Err())
		}
	}
}

// WaitRegistered waits until the executor is registered (RUNNING). It fails
// at once if the agent refused the executor instead.
func (a *Agent) WaitRegistered(ctx context.Context) error {
	var state ExecutorState
	err := a.waitFor(ctx, "registration", func() bool {
		state = a.exec.state
		return state != Registering
	})
	if err == nil && state != Running {
		err = fmt.Errorf("agentsim: executor not registered: it is %s", state)
	}
	return err
}

// WaitState waits until the executor is in state s.
func (a *Agent) WaitState(ctx context.Context, s ExecutorState) error {
	return a.waitFor(ctx, "executor "+s.String(), func() bool { return a.exec.state == s })
}

// WaitUpdate waits for an accepted update of task taskID in state and
// returns it (the first one, replays included).
func (a *Agent) WaitUpdate(ctx context.Context, taskID string, state mesos.TaskState) (Update, error) {
	var found Update
	err := a.waitFor(ctx, fmt.Sprintf("%s of task %s", state, taskID), a.findsUpdate(taskID, state, &found))
	return found, err
}

// findsUpdate returns WaitUpdate's check: it sets *found to the first
// update of taskID in state, with its acknowledgement count.
func (a *Agent) findsUpdate(taskID string, state mesos.TaskState, found *Update) func() bool {
	var seen updateCursor
	return func() bool {
		for i := seen.from(a); i < a.updates.len(); i++ {
			if u := a.updates.at(i); u.TaskID == taskID && u.State == state {
				*found = *u
				found.Acks = a.acks[uuidKey(u.UUID)]
				return true
			}
		}
		seen.upTo(a, a.updates.len())
		return false
	}
}

// WaitAllAcknowledged waits until every accepted update that has a valid
// pid, or came on the v1 wire, has been acknowledged at least once.
func (a *Agent) WaitAllAcknowledged(ctx context.Context) error {
	return a.waitFor(ctx, "every acknowledgement", a.allAcknowledged())
}

// allAcknowledged returns WaitAllAcknowledged's check.
func (a *Agent) allAcknowledged() func() bool {
	var done updateCursor // every update before it is acknowledged or never will be
	return func() bool {
		i := done.from(a)
		for ; i < a.updates.len(); i++ {
			if u := a.updates.at(i); a.acks[uuidKey(u.UUID)] == 0 && u.ackable() {
				break
			}
		}
		done.upTo(a, i)
		return i == a.updates.len()
	}
}

// An updateCursor lets a wait that is evaluated after every change of the
// agent look only at updates it has not judged yet: a wait over 10,000
// updates that rescanned them all each time would hold the agent's lock
// for most of a fast executor's run. Updates are only appended, and an
// acknowledgement is never taken back, except by ForgetAcknowledged, which
// starts a new generation and sends every cursor back to the start.
type updateCursor struct {
	generation int
	next       int
}

// from returns the index of the first update not judged yet.
func (c *updateCursor) from(a *Agent) int {
	if c.generation != a.updatesGeneration {
		return 0
	}
	return c.next
}

// upTo records that the updates before next have been judged.
func (c *updateCursor) upTo(a *Agent, next int) {
	c.generation, c.next = a.updatesGeneration, next
}

// WaitFrameworkMessage waits until the executor has sent a framework
// message with exactly data.
func (a *Agent) WaitFrameworkMessage(ctx context.Context, data []byte) error {
	return a.waitFor(ctx, fmt.Sprintf("framework message %q", data), func() bool {
		for _, m := range a.msgs {
			if bytes.Equal(m, data) {
				return true
			}
		}
		return false
	})
}

// WaitExecutorExit waits until the process LaunchExecutor started has
// ended and returns how.
func (a *Agent) WaitExecutorExit(ctx context.Context) (ExitStatus, error) {
	var status ExitStatus
	var launched bool
	err := a.waitFor(ctx, "executor exit", func() bool {
		launched = a.proc != nil
		if launched && a.proc.exited {
			status = a.proc.status
			return true
		}
		return !launched
	})
	if err == nil && !launched {
		err = fmt.Errorf("agentsim: no executor process was launched")
	}
	return status, err
}

// WaitRecovered waits until a restarted agent has finished recovering:
// ReregistrationTimeout after its recovery started, whenever the executor
// came back. Until then a v1 executor's UPDATE and MESSAGE calls get 503.
func (a *Agent) WaitRecovered(ctx context.Context) error {
	return a.waitFor(ctx, "the end of recovery", func() bool { return a.phase == phaseRunning })
}

// WaitUp waits until the agent listens: at once after Start, after a
// Restart once its new incarnation has opened its port.
func (a *Agent) WaitUp(ctx context.Context) error {
	return a.waitFor(ctx, "the agent to listen", func() bool { return a.ep != nil })
}

// AwaitOwnExitOrShutdown is how a scenario ends an executor whose tasks
// all ended: Mesos's command executor exits on its own once their
// terminal updates are acknowledged, other executors wait to be shut
// down. It waits up to grace for the executor process to exit; if it
// has not, it sends a Shutdown and waits for the exit. It returns how
// the executor ended and whether the Shutdown was sent.
func (a *Agent) AwaitOwnExitOrShutdown(ctx context.Context, grace time.Duration) (ExitStatus, bool, error) {
	wctx, cancel := context.WithTimeout(ctx, grace)
	st, err := a.WaitExecutorExit(wctx)
	cancel()
	if err == nil || ctx.Err() != nil || !errors.Is(wctx.Err(), context.DeadlineExceeded) {
		return st, false, err
	}
	if err := a.Shutdown(); err != nil {
		// It may have exited on its own meanwhile: then no Shutdown went.
		done, cancel := context.WithCancel(ctx)
		cancel()
		if st, werr := a.WaitExecutorExit(done); werr == nil {
			return st, false, nil
		}
		return ExitStatus{}, true, err
	}
	st, err = a.WaitExecutorExit(ctx)
	return st, true, err
}
