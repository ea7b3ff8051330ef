package core

import (
	"errors"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/executor"
)

// Errors answered to requests.
var (
	ErrAlreadyStarted = errors.New("driver: already started")
	ErrNotRunning     = errors.New("driver: not running")
	ErrStaging        = errors.New("driver: TASK_STAGING is reserved for the agent; an agent shuts down an executor that sends it")
	ErrNoTaskID       = errors.New("driver: status update without a task id")
	ErrNoState        = errors.New("driver: status update without a state")
	// ErrInvalidCheckStatus is wrapped by the error for an update whose
	// check_status a v1 agent refuses: its type must be COMMAND, HTTP or
	// TCP, with the field of that name set.
	ErrInvalidCheckStatus = errors.New("driver: status update with an invalid check_status")
	ErrNotConnected       = errors.New("driver: not connected to the agent; framework message not sent")
)

// State is where the executor is in its lifecycle with the agent.
type State int

// The lifecycle states; see the package documentation.
const (
	StateNew State = iota
	StateRegistering
	StateConnected
	StateDisconnected
	StateReregistering
	StateShuttingDown
	StateEnded
)

var stateNames = [...]string{"new", "registering", "connected", "disconnected", "reregistering", "shutting down", "ended"}

func (s State) String() string { return stateNames[s] }

// Config is what the core needs to know; see driver.Config.
type Config struct {
	FrameworkID         string
	ExecutorID          string
	AgentID             string
	Checkpoint          bool
	RecoveryTimeout     time.Duration
	ShutdownGracePeriod time.Duration
	// Terminate asks for the process group to be ended once the shutdown
	// grace period has passed.
	Terminate bool
	// Resubscribe says the executor reconnects by itself (the v1 wire):
	// after a loss it subscribes again at once, then after random delays
	// of at most BackoffMax, until the recovery timeout. Otherwise (the
	// legacy wire) it waits for the restarted agent's Reconnect.
	Resubscribe bool
	BackoffMax  time.Duration
	// Jitter returns a uniformly random duration in [0, max]; the driver
	// supplies it so that the core needs no source of randomness.
	Jitter func(max time.Duration) time.Duration
	// SendWindow bounds the updates handed to the wire and not yet
	// acknowledged (0: DefaultSendWindow). Later updates wait in the book,
	// encoded once, and go out as acknowledgements make room, so that a
	// burst of thousands is not also held, encoded again, in the wire's
	// queue.
	SendWindow int
}

// Core is the lifecycle state machine. The zero value is not usable; call New.
type Core struct {
	cfg        Config
	state      State
	status     mesos.Status
	registered bool // Registered was delivered
	book       book
	early      []*executor.Event // work that overtook the registration reply
	earlyKills []parkedKill      // kills of tasks not launched (yet), oldest first

	recoveryDeadline time.Time
	graceDeadline    time.Time
	resubscribeAt    time.Time // next subscription attempt, v1 only
	attempts         int       // failed subscription attempts since the last success
	agentGone        bool      // the connection is lost and no agent will take us back
	// reregisterAsked: a legacy agent asked a connected executor to
	// reconnect, and the reregistration sent in answer awaits its reply.
	reregisterAsked bool
}

// New returns a core in StateNew with status DRIVER_NOT_STARTED.
func New(cfg Config) *Core {
	return &Core{cfg: cfg, status: mesos.DRIVER_NOT_STARTED, book: newBook(cfg)}
}

// State is the lifecycle state.
func (c *Core) State() State { return c.state }

// Status is the driver status as ExecutorDriver reports it.
func (c *Core) Status() mesos.Status { return c.status }

// Unacknowledged counts the updates sent but not yet acknowledged.
func (c *Core) Unacknowledged() int { return len(c.book.outstanding()) }

// AcknowledgementsCanCome reports whether an agent may still acknowledge
// the outstanding updates: not once the driver ended, nor while it shuts
// down after losing its agent for good.
func (c *Core) AcknowledgementsCanCome() bool {
	return c.state != StateEnded && !(c.state == StateShuttingDown && c.agentGone)
}

// Step applies one input at time now and says what to do.
func (c *Core) Step(now time.Time, in Input) Output {
	var out Output
	switch in := in.(type) {
	case Start:
		c.start(&out)
	case Stop:
		c.stop(&out)
	case Abort:
		c.abort(&out, "")
	case SendUpdate:
		c.sendUpdate(now, in, &out)
	case SendMessage:
		c.sendMessage(in, &out)
	case Event:
		c.event(now, in.Event, &out)
	case Reconnect:
		c.reconnect(now, in, &out)
	case Lost:
		c.lost(now, in, &out)
	case Tick:
		c.tick(now, &out)
	case WireChanged:
		c.cfg.Resubscribe = in.Resubscribe
		c.resubscribeAt = time.Time{} // the new wire registers by itself
	case CallbackPanicked:
		c.abort(&out, "executor callback panicked: "+in.Message)
	}
	out.Deadline = c.deadline()
	return out
}

// deadline is the earliest of the core's deadlines (zero: none).
func (c *Core) deadline() time.Time {
	var d time.Time
	for _, t := range []time.Time{c.recoveryDeadline, c.graceDeadline, c.resubscribeAt, c.nextParkedKill()} {
		if !t.IsZero() && (d.IsZero() || t.Before(d)) {
			d = t
		}
	}
	return d
}

func (c *Core) start(out *Output) {
	if c.status != mesos.DRIVER_NOT_STARTED {
		out.Err = ErrAlreadyStarted
		return
	}
	c.status, c.state = mesos.DRIVER_RUNNING, StateRegistering
	out.Connection = Open
	out.Calls = append(out.Calls, c.call(executor.Call_SUBSCRIBE))
}

func (c *Core) stop(out *Output) {
	if c.status != mesos.DRIVER_RUNNING && c.status != mesos.DRIVER_ABORTED {
		out.Err = ErrNotRunning
		return
	}
	c.end(out)
	c.status = mesos.DRIVER_STOPPED
}

// abort ends the driver with DRIVER_ABORTED; a non-empty reason is reported
// through the Error callback first.
func (c *Core) abort(out *Output, reason string) {
	if c.status != mesos.DRIVER_RUNNING {
		out.Err = ErrNotRunning
		return
	}
	if reason != "" {
		out.Callbacks = append(out.Callbacks, Callback{Kind: Error, Message: reason})
		out.Logs = append(out.Logs, Log{ErrorLevel, "aborting: " + reason})
	}
	c.end(out)
	c.status = mesos.DRIVER_ABORTED
}

// end ends the driver. A shutdown grace period still running is handed to
// the driver (Output.TerminateAt): ending the driver does not cancel it.
func (c *Core) end(out *Output) {
	c.state = StateEnded
	out.TerminateAt = c.graceDeadline
	c.recoveryDeadline, c.graceDeadline, c.resubscribeAt = time.Time{}, time.Time{}, time.Time{}
	c.earlyKills = nil // no callback follows the end
	out.Connection = Close
}

// call builds a call of type t with this executor's ids.
func (c *Core) call(t executor.Call_Type) *executor.Call {
	return &executor.Call{
		Type:        t,
		ExecutorID:  mesos.ExecutorID{Value: c.cfg.ExecutorID},
		FrameworkID: mesos.FrameworkID{Value: c.cfg.FrameworkID},
	}
}

func (c *Core) logf(out *Output, level Level, text string) {
	out.Logs = append(out.Logs, Log{level, text})
}
