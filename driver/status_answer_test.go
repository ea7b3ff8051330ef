package driver

import (
	"fmt"
	"sync"
	"testing"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An update the driver accepted was accepted while it ran: it is answered
// with DRIVER_RUNNING, even when an Abort from another goroutine ends the
// driver before the sender reads the answer. (The status used to be read
// then, and a few accepted updates in each round came back with
// DRIVER_ABORTED and no error.)
func TestAcceptedUpdatesAreAnsweredWithDriverRunning(t *testing.T) {
	for range 5 {
		d := registeredDriverWithDrainedAgent(t)
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 100 {
					st, err := d.SendStatusUpdate(&mesos.TaskStatus{TaskID: mesos.TaskID{Value: fmt.Sprint("t", g)}, State: mesos.TASK_RUNNING.Enum()})
					if err == nil {
						assert.Equal(t, mesos.DRIVER_RUNNING, st, "an accepted update")
					}
					if g == 0 && i == 50 {
						d.Abort()
					}
				}
			}()
		}
		wg.Wait()
		require.Equal(t, mesos.DRIVER_ABORTED, d.Status())
	}
}

// registeredDriverWithDrainedAgent registers a driver with a fake agent
// that takes, and drops, every message after the registration.
func registeredDriverWithDrainedAgent(t *testing.T) *Driver {
	agent := startFakeAgent(t, 0)
	rec := newRecorder()
	d := startDriver(t, testDriverConfig(agent, true), rec.executor())
	from := agent.expect("mesos.internal.RegisterExecutorMessage", nil)
	agent.send(from, registeredMessage())
	require.Equal(t, "Registered", rec.next(t))
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	go func() {
		for {
			select {
			case <-agent.msgs:
			case <-done:
				return
			}
		}
	}()
	return d
}
