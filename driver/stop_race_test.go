package driver

import (
	"runtime"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/driver/internal/core"
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
