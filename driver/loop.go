package driver

import (
	"fmt"
	"time"

	"github.com/mesos-shim/executor/logging"
	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/mesos-shim/executor/driver/internal/core"
)

// loop is the one goroutine that owns the core. It feeds it requests, wire
// inputs and deadlines, and carries out what it returns.
func (d *Driver) loop() {
	defer close(d.loopDone)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	var waiters []chan error
	var held []request // status updates held back while too many are unacknowledged
	for d.core.State() != core.StateEnded || d.core.Status() == mesos.DRIVER_NOT_STARTED {
		var r request
		select {
		case r = <-d.requests:
		case <-timer.C:
			r = request{input: core.Tick{}}
		}
		switch {
		case r.input == nil:
			waiters = append(waiters, r.ackWaiter)
		case r.tagged && !d.wire.live(r.gen):
			logging.V(1).Infof("driver: dropping %T from a replaced subscription", r.input)
		case d.mustHold(r, held):
			held = append(held, r)
		default:
			d.step(r, timer)
		}
		held = d.releaseHeld(held, timer)
		waiters = d.releaseAckWaiters(waiters)
	}
	timer.Stop()
	close(d.loopExited) // before closing the wire, whose goroutines may be posting
	d.wire.close()
	d.callbacks.close()
}

// step applies one request to the core, carries out the output and answers.
func (d *Driver) step(r request, timer *time.Timer) {
	out := d.core.Step(time.Now(), r.input)
	d.apply(out, timer)
	if r.reply != nil {
		r.reply <- answer{d.core.Status(), out.Err}
	}
}

// mustHold is the back-pressure on SendStatusUpdate: a status update waits,
// in order behind any already waiting, while MaxUnacknowledgedUpdates are
// unacknowledged and an acknowledgement can still come.
func (d *Driver) mustHold(r request, held []request) bool {
	if _, ok := r.input.(core.SendUpdate); !ok {
		return false
	}
	return len(held) > 0 || d.overLimit()
}

func (d *Driver) overLimit() bool {
	return d.core.Unacknowledged() >= d.maxUnacknowledged() && d.core.AcknowledgementsCanCome()
}

func (d *Driver) maxUnacknowledged() int {
	if d.cfg.MaxUnacknowledgedUpdates > 0 {
		return d.cfg.MaxUnacknowledgedUpdates
	}
	return DefaultMaxUnacknowledgedUpdates
}

// releaseHeld sends held updates, in order, while there is room.
func (d *Driver) releaseHeld(held []request, timer *time.Timer) []request {
	for len(held) > 0 && !d.overLimit() && d.core.State() != core.StateEnded {
		d.step(held[0], timer)
		held = held[1:]
	}
	return held
}

func (d *Driver) releaseAckWaiters(waiters []chan error) []chan error {
	var answer error
	switch {
	case d.core.Unacknowledged() == 0:
	case !d.core.AcknowledgementsCanCome():
		answer = fmt.Errorf("%w: %d update(s), the agent is gone", ErrUnacknowledged, d.core.Unacknowledged())
	default:
		return waiters
	}
	for _, w := range waiters {
		w <- answer
	}
	return nil
}

// apply carries out one output of the core, in the order Output documents.
func (d *Driver) apply(out core.Output, timer *time.Timer) {
	d.status.Store(int32(d.core.Status()))
	if d.core.Status() == mesos.DRIVER_ABORTED {
		d.aborted.Store(true)
	}
	if d.core.Status() != mesos.DRIVER_RUNNING && d.core.Status() != mesos.DRIVER_NOT_STARTED {
		d.endOnce.Do(func() { close(d.ended) })
	}
	if out.Connection == core.Open {
		if err := d.wire.open(); err != nil {
			logging.Errorf("driver: opening the %s connection: %v", d.wire.name(), err)
		}
	}
	for _, c := range out.Calls {
		if err := d.wire.send(c); err != nil {
			logging.Errorf("driver: sending %s: %v", c.Type, err)
		}
	}
	for _, cb := range out.Callbacks {
		d.queueCallback(cb)
	}
	for _, l := range out.Logs {
		logLine(l)
	}
	timer.Stop()
	if !out.Deadline.IsZero() {
		timer.Reset(time.Until(out.Deadline))
	}
	if out.Terminate {
		d.terminate()
	}
	if !out.TerminateAt.IsZero() {
		logging.Warningf("driver: stopped during the shutdown grace period; the process group ends at its end (%v from now) unless the process exits first",
			time.Until(out.TerminateAt).Round(time.Millisecond))
		time.AfterFunc(time.Until(out.TerminateAt), d.terminate)
	}
}

func logLine(l core.Log) {
	switch l.Level {
	case core.Warning:
		logging.Depthf(2, logging.Warning, "driver: %s", l.Text)
	case core.ErrorLevel:
		logging.Depthf(2, logging.Error, "driver: %s", l.Text)
	default:
		logging.Depthf(2, logging.Info, "driver: %s", l.Text)
	}
}

// queueCallback hands one callback to the serializer. A panic in it, or a
// runtime.Goexit (which a test's t.FailNow or require makes), is reported
// back to the loop, which reports it through Error and aborts. Once the
// driver aborted (or a callback panicked) the callbacks still queued are
// dropped, all but Error.
func (d *Driver) queueCallback(cb core.Callback) {
	d.callbacks.push(func() {
		if cb.Kind != core.Error && d.aborted.Load() {
			logging.Infof("driver: aborted; not delivering %s", cb.Kind)
			return
		}
		returned := false
		defer func() {
			r := recover()
			if returned {
				return
			}
			msg := fmt.Sprintf("%s callback panicked: %v", cb.Kind, r)
			if r == nil {
				msg = fmt.Sprintf("%s callback called runtime.Goexit (t.FailNow or a failed require, say) instead of returning", cb.Kind)
			}
			logging.Errorf("driver: %s", msg)
			if cb.Kind != core.Error {
				d.aborted.Store(true)
				d.post(core.CallbackPanicked{Message: msg})
			}
		}()
		d.invoke(cb)
		returned = true
	})
}

// invoke calls the executor method cb names.
func (d *Driver) invoke(cb core.Callback) {
	switch cb.Kind {
	case core.Registered:
		d.exec.Registered(d, cb.Executor, cb.Framework, cb.Agent)
	case core.Reregistered:
		d.exec.Reregistered(d, cb.Agent)
	case core.Disconnected:
		d.exec.Disconnected(d)
	case core.LaunchTask:
		d.exec.LaunchTask(d, cb.Task)
	case core.LaunchTaskGroup:
		d.exec.LaunchTaskGroup(d, cb.TaskGroup)
	case core.KillTask:
		if kp, ok := d.exec.(KillPolicyReceiver); ok {
			kp.KillTaskWithPolicy(d, cb.TaskID, cb.Policy)
		} else {
			d.exec.KillTask(d, cb.TaskID)
		}
	case core.FrameworkMessage:
		d.exec.FrameworkMessage(d, cb.Data)
	case core.Shutdown:
		d.exec.Shutdown(d)
	case core.Error:
		d.exec.Error(d, cb.Message)
	}
}
