package cmdexec

import (
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/stretchr/testify/require"
)

// notStopped asserts that the driver was not stopped.
func notStopped(t *testing.T, d *fakeDriver) {
	t.Helper()
	select {
	case <-d.stopped:
		t.Fatal("the driver was stopped")
	default:
	}
}

// Once its task ended, however it ended, the executor awaits the
// acknowledgement of the terminal update and stops the driver, with no
// Shutdown: the program exits.
func TestExecutorStopsOnceItsTaskEnded(t *testing.T) {
	cases := map[string]struct {
		task   *mesos.TaskInfo
		kill   bool
		states []mesos.TaskState
	}{
		"finished":         {task: shellTask("t", "true"), states: []mesos.TaskState{mesos.TASK_STARTING, mesos.TASK_RUNNING, mesos.TASK_FINISHED}},
		"failed":           {task: shellTask("t", "exit 3"), states: []mesos.TaskState{mesos.TASK_STARTING, mesos.TASK_RUNNING, mesos.TASK_FAILED}},
		"killed":           {task: shellTask("t", "sleep 30"), kill: true, states: []mesos.TaskState{mesos.TASK_STARTING, mesos.TASK_RUNNING, mesos.TASK_KILLED}},
		"failed to start":  {task: argvTask("t", "/nonexistent/program"), states: []mesos.TaskState{mesos.TASK_STARTING, mesos.TASK_FAILED}},
		"not on PATH":      {task: argvTask("t", "no-such-program-for-cmdexec"), states: []mesos.TaskState{mesos.TASK_FAILED}},
		"without commands": {task: &mesos.TaskInfo{TaskID: mesos.TaskID{Value: "t"}}, states: []mesos.TaskState{mesos.TASK_FAILED}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			e, d := newTest(t, Options{})
			d.release = make(chan struct{})
			e.LaunchTask(d, c.task)
			if c.kill {
				expect(t, d, "t", c.states[:2]...)
				e.KillTask(d, &mesos.TaskID{Value: "t"})
				expect(t, d, "t", c.states[2:]...)
			} else {
				expect(t, d, "t", c.states...)
			}
			await(t, d.awaiting, "AwaitAcknowledgements")
			notStopped(t, d)
			close(d.release)
			await(t, d.stopped, "Stop")
			noUpdates(t, d)

			// A Shutdown that comes meanwhile changes nothing.
			e.Shutdown(d)
			noUpdates(t, d)
		})
	}
}

// Acknowledgements that never come hold the executor up to AckTimeout.
func TestAckTimeoutBoundsTheWait(t *testing.T) {
	const ackTimeout = 300 * time.Millisecond
	e, d := newTest(t, Options{AckTimeout: ackTimeout})
	d.release = make(chan struct{}) // never closed
	e.LaunchTask(d, shellTask("t", "true"))
	expect(t, d, "t", mesos.TASK_STARTING, mesos.TASK_RUNNING, mesos.TASK_FINISHED)
	start := time.Now()
	await(t, d.awaiting, "AwaitAcknowledgements")
	await(t, d.stopped, "Stop")
	require.GreaterOrEqual(t, time.Since(start), ackTimeout-10*time.Millisecond)
	require.Less(t, time.Since(start), timeout)
}

func TestDefaultAckTimeout(t *testing.T) {
	require.Equal(t, 60*time.Second, New(Options{}).opts.AckTimeout)
}

// A kill that comes before any launch means the task is not coming: the
// executor stops, and a launch that comes late is refused.
func TestKillBeforeLaunchStops(t *testing.T) {
	e, d := newTest(t, Options{})
	e.KillTask(d, &mesos.TaskID{Value: "t"})
	await(t, d.awaiting, "AwaitAcknowledgements")
	await(t, d.stopped, "Stop")
	noUpdates(t, d)

	e.LaunchTask(d, shellTask("t", "true"))
	s := expect(t, d, "t", mesos.TASK_FAILED)
	require.Contains(t, s.GetMessage(), "shutting down")
	noUpdates(t, d)
}

// While a task runs, nothing stops the executor but Shutdown, even when
// other tasks ended.
func TestExecutorRunsWhileItsTaskRuns(t *testing.T) {
	e, d := newTest(t, Options{})
	e.LaunchTask(d, shellTask("t", "sleep 30"))
	expect(t, d, "t", mesos.TASK_STARTING, mesos.TASK_RUNNING)
	e.LaunchTask(d, shellTask("other", "true"))
	expect(t, d, "other", mesos.TASK_STARTING, mesos.TASK_RUNNING, mesos.TASK_FINISHED)
	e.LaunchTask(d, argvTask("bad", "/nonexistent/program"))
	expect(t, d, "bad", mesos.TASK_STARTING, mesos.TASK_FAILED)
	e.KillTask(d, &mesos.TaskID{Value: "other"})
	e.KillTask(d, &mesos.TaskID{Value: "unknown"})
	require.Empty(t, d.awaiting)
	notStopped(t, d)

	e.Shutdown(d)
	expect(t, d, "t", mesos.TASK_KILLED)
	await(t, d.stopped, "Stop")
	await(t, d.awaiting, "AwaitAcknowledgements")
	require.Empty(t, d.awaiting, "AwaitAcknowledgements called once")
}

// An executor given several tasks stops once the last of them ended and
// the updates are acknowledged; later launches are refused.
func TestExecutorStopsOnceEveryTaskEnded(t *testing.T) {
	e, d := newTest(t, Options{})
	e.LaunchTask(d, shellTask("a", "sleep 30"))
	expect(t, d, "a", mesos.TASK_STARTING, mesos.TASK_RUNNING)
	e.LaunchTask(d, shellTask("b", "true"))
	expect(t, d, "b", mesos.TASK_STARTING, mesos.TASK_RUNNING, mesos.TASK_FINISHED)
	require.Empty(t, d.awaiting)
	notStopped(t, d)

	e.KillTask(d, &mesos.TaskID{Value: "a"})
	expect(t, d, "a", mesos.TASK_KILLED)
	await(t, d.awaiting, "AwaitAcknowledgements")
	await(t, d.stopped, "Stop")

	e.LaunchTask(d, shellTask("late", "true"))
	s := expect(t, d, "late", mesos.TASK_FAILED)
	require.Contains(t, s.GetMessage(), "shutting down")
	noUpdates(t, d)
}

// So does one given a task group, once every task of the group ended.
func TestExecutorStopsOnceItsTaskGroupEnded(t *testing.T) {
	e, d := newTest(t, Options{})
	d.release = make(chan struct{})
	e.LaunchTaskGroup(d, &mesos.TaskGroupInfo{Tasks: []mesos.TaskInfo{
		*shellTask("ok", "true"),
		*shellTask("bad", "exit 3"),
	}})
	for range 6 {
		next(t, d)
	}
	await(t, d.awaiting, "AwaitAcknowledgements")
	notStopped(t, d)
	close(d.release)
	await(t, d.stopped, "Stop")
	require.Empty(t, d.awaiting, "AwaitAcknowledgements called once")
}

// A launch that comes while the executor awaits the acknowledgements
// before stopping cancels the stop: the new task runs, and the executor
// stops once that task ended.
func TestLaunchDuringAcknowledgementWaitCancelsStop(t *testing.T) {
	e, d := newTest(t, Options{})
	holdStop(d)
	e.LaunchTask(d, shellTask("a", "true"))
	expect(t, d, "a", mesos.TASK_STARTING, mesos.TASK_RUNNING, mesos.TASK_FINISHED)
	await(t, d.awaiting, "AwaitAcknowledgements")

	e.LaunchTask(d, shellTask("b", "sleep 30"))
	expect(t, d, "b", mesos.TASK_STARTING, mesos.TASK_RUNNING)
	notStopped(t, d)
	e.KillTask(d, &mesos.TaskID{Value: "b"})
	expect(t, d, "b", mesos.TASK_KILLED)
	await(t, d.awaiting, "AwaitAcknowledgements")
	notStopped(t, d)
	close(d.release)
	await(t, d.stopped, "Stop")
	noUpdates(t, d)
}
