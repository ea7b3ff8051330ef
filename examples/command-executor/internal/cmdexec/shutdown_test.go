package cmdexec

import (
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/stretchr/testify/require"
)

func TestShutdownKillsTasksAndAwaitsAcknowledgements(t *testing.T) {
	e, d := newTest(t, Options{ShutdownGracePeriod: time.Minute})
	d.release = make(chan struct{})
	for _, id := range []string{"a", "b"} {
		e.LaunchTask(d, shellTask(id, "sleep 30"))
		expect(t, d, id, mesos.TASK_STARTING, mesos.TASK_RUNNING)
	}

	e.Shutdown(d) // returns at once, with the acknowledgements still held
	e.Shutdown(d) // and a second one changes nothing
	killed := map[string]mesos.TaskState{}
	for range 2 {
		s := next(t, d)
		killed[s.TaskID.Value] = s.GetState()
	}
	require.Equal(t, map[string]mesos.TaskState{"a": mesos.TASK_KILLED, "b": mesos.TASK_KILLED}, killed)

	await(t, d.awaiting, "AwaitAcknowledgements")
	select {
	case <-d.stopped:
		t.Fatal("driver stopped before the acknowledgements")
	default:
	}
	close(d.release)
	await(t, d.stopped, "Stop")
	require.Empty(t, d.awaiting, "AwaitAcknowledgements called again")

	// Launches after Shutdown are refused.
	e.LaunchTask(d, shellTask("late", "true"))
	s := expect(t, d, "late", mesos.TASK_FAILED)
	require.Contains(t, s.GetMessage(), "shutting down")
	noUpdates(t, d)
}

func TestShutdownIsBoundedByGracePeriod(t *testing.T) {
	const grace = 600 * time.Millisecond
	e, d := newTest(t, Options{ShutdownGracePeriod: grace})
	d.release = make(chan struct{}) // acknowledgements never come
	launchIgnoringTerm(t, e, d, policy(time.Hour))

	start := time.Now()
	e.Shutdown(d)
	// The task's hour of grace is cut to the shutdown grace period less
	// ShutdownKillMargin (here, nothing).
	s := expect(t, d, "t", mesos.TASK_KILLED)
	require.Contains(t, s.GetMessage(), "signal Killed")
	await(t, d.awaiting, "AwaitAcknowledgements")
	await(t, d.stopped, "Stop")
	require.GreaterOrEqual(t, time.Since(start), grace)
}

// A task already being killed with a long grace period is killed within
// the shutdown grace period all the same, and reported TASK_KILLED before
// the driver stops (and, in a real executor, ends the process group).
func TestShutdownShortensAKillInProgress(t *testing.T) {
	const grace = 300 * time.Millisecond
	e, d := newTest(t, Options{ShutdownGracePeriod: ShutdownKillMargin + grace})
	launchIgnoringTerm(t, e, d, nil)

	start := time.Now()
	e.KillTaskWithPolicy(d, &mesos.TaskID{Value: "t"}, policy(time.Hour))
	e.Shutdown(d)
	s := expect(t, d, "t", mesos.TASK_KILLED)
	require.Contains(t, s.GetMessage(), "signal Killed")
	require.GreaterOrEqual(t, time.Since(start), grace)
	await(t, d.stopped, "Stop")
	noUpdates(t, d)
}

// As with Mesos's command executor, a task killed at shutdown gets the
// shutdown grace period less ShutdownKillMargin between SIGTERM and
// SIGKILL, whatever its own kill policy: the agent made the shutdown grace
// period from that policy already (its grace period plus the margin), or
// was configured with a longer one.
func TestShutdownKillGraceIsShutdownGracePeriodLessMargin(t *testing.T) {
	const grace = 500 * time.Millisecond
	e, d := newTest(t, Options{ShutdownGracePeriod: ShutdownKillMargin + grace})
	launchIgnoringTerm(t, e, d, policy(10*time.Millisecond))

	start := time.Now()
	e.Shutdown(d)
	s := expect(t, d, "t", mesos.TASK_KILLED)
	require.Contains(t, s.GetMessage(), "signal Killed")
	require.GreaterOrEqual(t, time.Since(start), grace)
	await(t, d.stopped, "Stop")
}

func TestShutdownKillGrace(t *testing.T) {
	require.Equal(t, 3*time.Second, shutdownKillGrace(DefaultShutdownGracePeriod))
	require.Equal(t, time.Duration(0), shutdownKillGrace(time.Second))
}

func TestShutdownWithoutTasks(t *testing.T) {
	e, d := newTest(t, Options{})
	e.Shutdown(d)
	await(t, d.awaiting, "AwaitAcknowledgements")
	await(t, d.stopped, "Stop")
	noUpdates(t, d)
}
