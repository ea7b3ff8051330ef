package driver

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	mathrand "math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mesos-shim/executor/logging"
	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/mesos-shim/executor/driver/internal/core"
)

// Driver is the ExecutorDriver implementation. Create it with New or
// NewFromEnv. One goroutine, the loop, owns its state; every method posts a
// request to the loop and waits for the answer.
type Driver struct {
	exec Executor
	cfg  Config
	core *core.Core

	requests  chan request
	callbacks *serializer
	status    atomic.Int32
	ended     chan struct{} // closed when the status leaves DRIVER_RUNNING
	endOnce   sync.Once
	loopDone  chan struct{} // closed once the loop and the wire are gone
	// loopExited is closed when the loop stops reading requests.
	loopExited chan struct{}
	terminate  func()

	started atomic.Bool
	// startDone is closed once the Start that started the driver returns.
	startDone chan struct{}
	// aborted is set once the driver aborted, or a callback panicked: no
	// callback but Error is delivered after it, as in the C++ driver.
	aborted atomic.Bool
	wire    wire // set by Start, before the loop runs
	choice  choice
	replies *sync.Pool // answer channels for ask
}

// request is one thing for the loop to do: a core input, or, when input is
// nil, registering ackWaiter to be answered once nothing is unacknowledged
// (nil) or nothing can be acknowledged any more (an error).
type request struct {
	input     core.Input
	reply     chan answer // nil for inputs nobody waits on
	ackWaiter chan error
	// gen, when tagged, is the wire subscription the input came from.
	gen    int
	tagged bool
}

// answer is the loop's answer to a request: the status right after the
// loop applied it, and Output.Err. The status is taken then, not when the
// caller wakes: by then another request may have ended the driver, and an
// update accepted while running would be reported with DRIVER_ABORTED.
type answer struct {
	status mesos.Status
	err    error
}

var _ ExecutorDriver = (*Driver)(nil)

// NewFromEnv creates a driver for exec from this process's environment, as
// the agent set it. The error names every missing or malformed variable.
func NewFromEnv(exec Executor) (*Driver, error) {
	cfg, err := ConfigFromEnv(os.Getenv)
	if err != nil {
		return nil, err
	}
	// Nothing else in this process needs the agent's token: keep it from
	// leaking into the environment of the tasks the executor starts.
	os.Unsetenv(EnvExecutorAuthToken)
	return New(exec, cfg)
}

// New creates a driver for exec with cfg.
func New(exec Executor, cfg Config) (*Driver, error) {
	if exec == nil {
		return nil, errors.New("driver: nil Executor")
	}
	ch := chooseWire(cfg)
	d := &Driver{
		exec:       exec,
		cfg:        cfg,
		choice:     ch,
		core:       core.New(coreConfig(cfg, ch.wire == ProtocolV1)),
		requests:   make(chan request, 64),
		ended:      make(chan struct{}),
		loopDone:   make(chan struct{}),
		loopExited: make(chan struct{}),
		startDone:  make(chan struct{}),
		replies:    newReplies(),
		terminate:  endProcessGroup,
	}
	d.status.Store(int32(mesos.DRIVER_NOT_STARTED))
	return d, nil
}

func coreConfig(cfg Config, resubscribe bool) core.Config {
	return core.Config{
		FrameworkID: cfg.FrameworkID, ExecutorID: cfg.ExecutorID, AgentID: cfg.AgentID,
		Checkpoint: cfg.Checkpoint, RecoveryTimeout: cfg.RecoveryTimeout,
		ShutdownGracePeriod: cfg.ShutdownGracePeriod,
		Terminate:           !cfg.Local && !cfg.KeepProcessGroup,
		Resubscribe:         resubscribe,
		BackoffMax:          cfg.SubscriptionBackoffMax,
		Jitter:              jitter,
	}
}

// jitter is a uniformly random duration in [0, max].
func jitter(max time.Duration) time.Duration {
	if max <= 0 {
		return 0
	}
	return time.Duration(mathrand.Int64N(int64(max) + 1))
}

// Start implements ExecutorDriver. Called again while the first Start is
// under way, it waits for that one to return, to answer with its status.
func (d *Driver) Start() (mesos.Status, error) {
	if !d.started.CompareAndSwap(false, true) {
		<-d.startDone
		return d.Status(), core.ErrAlreadyStarted
	}
	defer close(d.startDone)
	w, err := newNegotiatedWire(d, d.cfg)
	if err != nil {
		// The listener or the TLS files: this driver cannot start, and no
		// loop will answer what is asked of it from now on.
		close(d.loopExited)
		close(d.loopDone)
		return d.Status(), err
	}
	return d.startOn(w)
}

// startOn starts the loop on the wire w.
func (d *Driver) startOn(w wire) (mesos.Status, error) {
	d.wire = w
	d.callbacks = newSerializer()
	go d.loop()
	return d.ask(core.Start{})
}

// Stop implements ExecutorDriver.
func (d *Driver) Stop() (mesos.Status, error) {
	if d.Status() == mesos.DRIVER_NOT_STARTED {
		return d.Status(), core.ErrNotRunning
	}
	if d.Status() != mesos.DRIVER_ABORTED {
		st, err := d.askAndEnd(core.Stop{})
		if !errors.Is(err, core.ErrNotRunning) || st != mesos.DRIVER_ABORTED {
			return st, err
		}
		// Aborted after the check above, before the loop read the request.
	}
	return d.stopAborted()
}

// stopAborted stops an aborted driver, as the C++ driver allows: it
// returns DRIVER_ABORTED, once, and leaves the driver DRIVER_STOPPED.
func (d *Driver) stopAborted() (mesos.Status, error) {
	<-d.loopDone
	if !d.status.CompareAndSwap(int32(mesos.DRIVER_ABORTED), int32(mesos.DRIVER_STOPPED)) {
		return d.Status(), core.ErrNotRunning // another Stop came first
	}
	return mesos.DRIVER_ABORTED, nil
}

// askAndEnd asks for the driver to end and waits until its loop and wire are
// gone: nothing of the driver's runs after Stop or Abort return, except
// callbacks already queued (after Stop; an abort drops them, but Error).
// That holds for the loser of two calls racing too, refused because the
// loop had already exited. Safe from a callback: the loop never waits for
// callbacks.
func (d *Driver) askAndEnd(in core.Input) (mesos.Status, error) {
	st, err := d.ask(in)
	if err == nil || isClosed(d.loopExited) {
		<-d.loopDone
	}
	return st, err
}

// isClosed reports whether c is closed.
func isClosed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// Abort implements ExecutorDriver.
func (d *Driver) Abort() (mesos.Status, error) { return d.askAndEnd(core.Abort{}) }

// Join implements ExecutorDriver. It also waits for callbacks already
// queued to finish, so do not call it from a callback.
func (d *Driver) Join() (mesos.Status, error) {
	if d.Status() != mesos.DRIVER_RUNNING {
		return d.Status(), nil
	}
	<-d.ended
	<-d.callbacks.done
	return d.Status(), nil
}

// Run implements ExecutorDriver. On a driver already started and still
// running it joins, as the C++ driver's run does.
func (d *Driver) Run() (mesos.Status, error) {
	st, err := d.Start()
	if err != nil && (!errors.Is(err, core.ErrAlreadyStarted) || st != mesos.DRIVER_RUNNING) {
		return st, err
	}
	return d.Join()
}

// SendStatusUpdate implements ExecutorDriver.
func (d *Driver) SendStatusUpdate(s *mesos.TaskStatus) (mesos.Status, error) {
	if s == nil {
		return d.Status(), ErrNilTaskStatus
	}
	return d.ask(core.SendUpdate{Status: s, UUID: newUUID()})
}

// SendFrameworkMessage implements ExecutorDriver.
func (d *Driver) SendFrameworkMessage(data []byte) (mesos.Status, error) {
	return d.ask(core.SendMessage{Data: data})
}

// errEndedUnacknowledged: the driver ended with updates unacknowledged.
var errEndedUnacknowledged = fmt.Errorf("%w: the driver ended before every update was acknowledged", ErrUnacknowledged)

// AwaitAcknowledgements implements ExecutorDriver.
func (d *Driver) AwaitAcknowledgements(ctx context.Context) error {
	if d.Status() == mesos.DRIVER_NOT_STARTED {
		return core.ErrNotRunning
	}
	acked := make(chan error, 1)
	select {
	case d.requests <- request{ackWaiter: acked}:
	case <-d.loopExited:
		return errEndedUnacknowledged
	}
	select {
	case err := <-acked:
		return err
	case <-ctx.Done():
		return fmt.Errorf("driver: updates still unacknowledged: %w", ctx.Err())
	case <-d.loopExited:
		return errEndedUnacknowledged
	}
}

// Protocol is the wire the driver speaks: ProtocolV0 or ProtocolV1, once
// started (a v1 driver may have fallen back to v0 before registering).
// Safe from any goroutine, while Start runs too.
func (d *Driver) Protocol() Protocol {
	// The loop sets the status from DRIVER_NOT_STARTED only after Start
	// wrote d.wire: the status's atomic read orders the wire's.
	if d.Status() == mesos.DRIVER_NOT_STARTED {
		return d.choice.wire
	}
	return Protocol(d.wire.name())
}

// Config returns the configuration the driver was created with, for example
// to read the sandbox or the shutdown grace period the agent gave.
func (d *Driver) Config() Config { return d.cfg }

// Status implements ExecutorDriver.
func (d *Driver) Status() mesos.Status { return mesos.Status(d.status.Load()) }

// ExecutorID implements ExecutorDriver.
func (d *Driver) ExecutorID() mesos.ExecutorID { return mesos.ExecutorID{Value: d.cfg.ExecutorID} }

// FrameworkID implements ExecutorDriver.
func (d *Driver) FrameworkID() mesos.FrameworkID { return mesos.FrameworkID{Value: d.cfg.FrameworkID} }

// AgentID implements ExecutorDriver.
func (d *Driver) AgentID() mesos.AgentID { return mesos.AgentID{Value: d.cfg.AgentID} }

// ask posts a request to the loop and waits for its answer; before Start
// there is no loop, and the answer is ErrNotRunning.
func (d *Driver) ask(in core.Input) (mesos.Status, error) {
	if !d.started.Load() {
		return d.Status(), core.ErrNotRunning
	}
	reply := d.replies.Get().(chan answer)
	select {
	case d.requests <- request{input: in, reply: reply}:
	case <-d.loopExited:
		d.replies.Put(reply)
		return d.Status(), core.ErrNotRunning
	}
	select {
	case a := <-reply:
		d.replies.Put(reply)
		return a.status, a.err
	case <-d.loopExited:
		select { // the loop answers every request it read before exiting
		case a := <-reply:
			d.replies.Put(reply)
			return a.status, a.err
		default: // never read: the channel stays with the dead request
			return d.Status(), core.ErrNotRunning
		}
	}
}

// newReplies is the pool of a driver's answer channels for ask, reused: a
// status update is the driver's hottest request, and a channel per update
// was more than a tenth of what the driver allocated for it. A channel goes
// back only once empty and answered, so no late answer can reach its next
// user. Each driver has its own: nothing is shared between drivers (nor
// between testing/synctest bubbles, which may not share channels).
func newReplies() *sync.Pool {
	return &sync.Pool{New: func() any { return make(chan answer, 1) }}
}

// post delivers an input from a wire or the callback goroutine.
func (d *Driver) post(in core.Input) { d.postRequest(request{input: in}) }

// postGen delivers an input from subscription gen of a wire; the loop drops
// it if that subscription has been replaced meanwhile.
func (d *Driver) postGen(gen int, in core.Input) {
	d.postRequest(request{input: in, gen: gen, tagged: true})
}

func (d *Driver) postRequest(r request) {
	in := r.input
	select {
	case d.requests <- r:
	case <-d.loopExited:
		logging.V(1).Infof("driver: ended; dropping %T", in)
	}
}

// newUUID returns a random (version 4) UUID for a status update. The
// agent and the scheduler use it to tell updates apart, so it must be
// unique, not secret: it comes from the runtime's per-thread ChaCha8
// generator (math/rand/v2, seeded from the operating system) rather than
// from crypto/rand, whose guarantees it does not need and whose packages
// a build without TLS would otherwise link for it alone.
func newUUID() []byte {
	u := make([]byte, 16)
	binary.BigEndian.PutUint64(u[:8], mathrand.Uint64())
	binary.BigEndian.PutUint64(u[8:], mathrand.Uint64())
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return u
}
