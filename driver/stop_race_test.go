package driver

import (
	"runtime"
	"testing"
	"testing/synctest"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/executor"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/driver/internal/core"
	"github.com/mesos-shim/executor/upid"
)

// blockedLoop starts a registered driver whose loop is then held inside
// the process-group kill at the end of a shutdown grace period, until
// release is closed: requests posted meanwhile queue up unread.
func blockedLoop(t *testing.T) (d *Driver, release chan struct{}) {
	agent := startFakeAgent(t, 0)
	rec := newRecorder()
	exec := rec.executor()
	exec.OnShutdown = func(ExecutorDriver) { rec.calls <- "Shutdown" } // no Stop
	cfg := testDriverConfig(agent, false)
	cfg.KeepProcessGroup = false
	cfg.ShutdownGracePeriod = time.Millisecond
	d, err := New(exec, cfg)
	require.NoError(t, err)
	entered, release := make(chan struct{}), make(chan struct{})
	d.terminate = func() { close(entered); <-release }
	_, err = d.Start()
	require.NoError(t, err)
	t.Cleanup(func() { d.Stop() })
	from := agent.expect("mesos.internal.RegisterExecutorMessage", nil)
	agent.send(from, registeredMessage())
	require.Equal(t, "Registered", rec.next(t))
	agent.m.Close() // no checkpointing: Shutdown, then the grace period
	select {
	case <-entered:
	case <-time.After(5 * time.Second):
		t.Fatal("the grace period did not end")
	}
	return d, release
}

// awaitQueued waits until n requests wait for the loop.
func awaitQueued(t *testing.T, d *Driver, n int) {
	deadline := time.Now().Add(5 * time.Second)
	for len(d.requests) < n {
		require.True(t, time.Now().Before(deadline), "%d requests queued, want %d", len(d.requests), n)
		runtime.Gosched()
	}
}

// Stop called while the driver runs, and answered after the driver was
// aborted meanwhile (a callback panicked, the agent sent ERROR), is Stop
// on an aborted driver: it returns DRIVER_ABORTED without an error and
// leaves the driver DRIVER_STOPPED, as the C++ driver does.
func TestStopOvertakenByAnAbortStopsTheAbortedDriver(t *testing.T) {
	d, release := blockedLoop(t)
	d.post(core.CallbackPanicked{Message: "boom"}) // as a panicking callback does
	type answer struct {
		st  mesos.Status
		err error
	}
	stopped := make(chan answer, 1)
	go func() {
		st, err := d.Stop()
		stopped <- answer{st, err}
	}()
	awaitQueued(t, d, 2) // Stop saw DRIVER_RUNNING and queued behind the abort
	close(release)
	got := <-stopped
	require.NoError(t, got.err)
	require.Equal(t, mesos.DRIVER_ABORTED, got.st)
	st, err := d.Join()
	require.NoError(t, err)
	require.Equal(t, mesos.DRIVER_STOPPED, st)
	st, err = d.Stop()
	require.ErrorIs(t, err, core.ErrNotRunning, "DRIVER_ABORTED is returned once")
	require.Equal(t, mesos.DRIVER_STOPPED, st)
}

// closingWire is a wire that sends nothing and whose close waits until
// release is closed.
type closingWire struct{ closing, release chan struct{} }

func (w *closingWire) open() error               { return nil }
func (w *closingWire) send(*executor.Call) error { return nil }
func (w *closingWire) close()                    { close(w.closing); <-w.release }
func (w *closingWire) name() string              { return "v0" }
func (w *closingWire) live(int) bool             { return true }

// Of two Stops racing, the one refused because the loop had already
// exited returns, like the other, only once the wire is closed: nothing
// of the driver's runs after Stop returns.
func TestTheLoserOfTwoStopsReturnsOnceTheWireIsClosed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pid, err := upid.Parse("slave(1)@127.0.0.1:5051")
		require.NoError(t, err)
		d, err := New(Funcs{}, Config{
			FrameworkID: "fw", ExecutorID: "ex", AgentID: "ag", AgentPID: pid,
			Directory: "/tmp", Sandbox: "/tmp", RecoveryTimeout: time.Minute,
			ShutdownGracePeriod: time.Minute, KeepProcessGroup: true,
		})
		require.NoError(t, err)
		w := &closingWire{closing: make(chan struct{}), release: make(chan struct{})}
		d.started.Store(true)
		st, err := d.startOn(w)
		require.NoError(t, err)
		require.Equal(t, mesos.DRIVER_RUNNING, st)

		first := make(chan struct{})
		go func() {
			d.Stop()
			close(first)
		}()
		<-w.closing // the loop has exited and is closing the wire
		second := make(chan error, 1)
		go func() {
			_, err := d.Stop()
			second <- err
		}()
		synctest.Wait() // the second Stop has returned or waits
		returnedEarly := len(second) == 1
		close(w.release)
		<-first
		require.False(t, returnedEarly, "the second Stop returned while the wire was still closing")
		require.ErrorIs(t, <-second, core.ErrNotRunning)
	})
}
