package driver

import (
	"sync"
	"testing"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/driver/internal/core"
)

// Start called again while the first Start is still under way answers
// with the status that first Start leaves, DRIVER_RUNNING, as the C++
// driver's start does: not DRIVER_NOT_STARTED. (Without the wait, about
// half the rounds saw DRIVER_NOT_STARTED.)
func TestConcurrentStartsAllSeeTheDriverRunning(t *testing.T) {
	agent := startFakeAgent(t, 0)
	for range 20 {
		d, err := New(newRecorder().executor(), testDriverConfig(agent, true))
		require.NoError(t, err)
		started := startConcurrently(d, 4)
		d.Stop()
		require.Len(t, started, 4)
		refused := 0
		for _, s := range started {
			require.Equal(t, mesos.DRIVER_RUNNING, s.st)
			if s.err != nil {
				require.ErrorIs(t, s.err, core.ErrAlreadyStarted)
				refused++
			}
		}
		require.Equal(t, 3, refused, "one Start started the driver")
	}
}

type startAnswer struct {
	st  mesos.Status
	err error
}

// startConcurrently calls d.Start from n goroutines at once.
func startConcurrently(d *Driver, n int) []startAnswer {
	var wg sync.WaitGroup
	answers := make([]startAnswer, n)
	for i := range answers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i].st, answers[i].err = d.Start()
		}()
	}
	wg.Wait()
	return answers
}

// Run on a driver already started is Join, as in the C++ driver, whose
// start answers DRIVER_RUNNING and whose run then joins: it returns the
// status the driver ends with, not at once.
func TestRunAfterStartJoins(t *testing.T) {
	agent := startFakeAgent(t, 0)
	exec := newRecorder().executor()
	exec.OnRegistered = func(d ExecutorDriver, _ *mesos.ExecutorInfo, _ *mesos.FrameworkInfo, _ *mesos.AgentInfo) {
		d.Stop()
	}
	d := startDriver(t, testDriverConfig(agent, true), exec)
	from := agent.expect("mesos.internal.RegisterExecutorMessage", nil)
	agent.send(from, registeredMessage()) // crosses the network before Stop
	st, err := d.Run()
	require.Equal(t, mesos.DRIVER_STOPPED, st, "Run waited for the Stop in Registered")
	if err != nil { // only if Run came after that Stop, which is very unlikely
		require.ErrorIs(t, err, core.ErrAlreadyStarted)
	}
}
