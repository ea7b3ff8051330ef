package cmdexec

import (
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/stretchr/testify/require"
)

// ignoreTerm is a command that ignores SIGTERM, as its sleep does, and
// writes a line to ready once it does.
func ignoreTerm(ready string) string {
	return "trap '' TERM; echo ready > " + ready + "; sleep 30"
}

// launchIgnoringTerm launches task "t", a shell that ignores SIGTERM, with
// the kill policy kp (nil: none), and returns once it runs with its trap set.
func launchIgnoringTerm(t *testing.T, e *Executor, d *fakeDriver, kp *mesos.KillPolicy) {
	t.Helper()
	ready := fifo(t)
	ti := shellTask("t", ignoreTerm(ready))
	ti.KillPolicy = kp
	e.LaunchTask(d, ti)
	expect(t, d, "t", mesos.TASK_STARTING, mesos.TASK_RUNNING)
	require.Equal(t, "ready", readLine(t, ready))
}

func TestKillSendsTermAndReportsKilled(t *testing.T) {
	e, d := newTest(t, Options{})
	e.LaunchTask(d, shellTask("t", "sleep 30"))
	expect(t, d, "t", mesos.TASK_STARTING, mesos.TASK_RUNNING)
	e.KillTask(d, &mesos.TaskID{Value: "t"})
	s := expect(t, d, "t", mesos.TASK_KILLED)
	require.Contains(t, s.GetMessage(), "signal Terminated")
}

func TestKillEscalatesToSigkill(t *testing.T) {
	const grace = 200 * time.Millisecond
	cases := map[string]struct {
		task, kill *mesos.KillPolicy
	}{
		"task policy": {task: policy(grace)},
		"kill policy": {task: policy(time.Hour), kill: policy(grace)},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			e, d := newTest(t, Options{})
			launchIgnoringTerm(t, e, d, c.task)

			start := time.Now()
			e.KillTaskWithPolicy(d, &mesos.TaskID{Value: "t"}, c.kill)
			s := expect(t, d, "t", mesos.TASK_KILLED)
			require.Contains(t, s.GetMessage(), "signal Killed")
			require.GreaterOrEqual(t, time.Since(start), grace)
		})
	}
}

func TestKilledWinsOverExitStatus(t *testing.T) {
	e, d := newTest(t, Options{})
	ready := fifo(t)
	e.LaunchTask(d, shellTask("t", "trap 'exit 0' TERM; echo ready > "+ready+"; sleep 30 & wait"))
	expect(t, d, "t", mesos.TASK_STARTING, mesos.TASK_RUNNING)
	require.Equal(t, "ready", readLine(t, ready))
	e.KillTask(d, &mesos.TaskID{Value: "t"})
	s := expect(t, d, "t", mesos.TASK_KILLED)
	require.Contains(t, s.GetMessage(), "status 0")
}

func TestKillingStateIsOptional(t *testing.T) {
	e, d := newTest(t, Options{SendKilling: true})
	e.LaunchTask(d, shellTask("t", "sleep 30"))
	expect(t, d, "t", mesos.TASK_STARTING, mesos.TASK_RUNNING)
	e.KillTask(d, &mesos.TaskID{Value: "t"})
	expect(t, d, "t", mesos.TASK_KILLING, mesos.TASK_KILLED)
}

// TASK_KILLING is sent when the framework has the TASK_KILLING_STATE
// capability, as Registered tells; not to other frameworks.
func TestKillingStateFollowsFrameworkCapability(t *testing.T) {
	capable := &mesos.FrameworkInfo{Name: "f", Capabilities: []mesos.FrameworkInfo_Capability{
		{Type: mesos.FrameworkInfo_Capability_REVOCABLE_RESOURCES},
		{Type: mesos.FrameworkInfo_Capability_TASK_KILLING_STATE},
	}}
	other := &mesos.FrameworkInfo{Name: "f", Capabilities: []mesos.FrameworkInfo_Capability{
		{Type: mesos.FrameworkInfo_Capability_REVOCABLE_RESOURCES},
	}}
	cases := map[string]struct {
		fw    *mesos.FrameworkInfo
		kill  func(*Executor, *fakeDriver)
		after []mesos.TaskState
	}{
		"capable, kill":     {capable, killT, []mesos.TaskState{mesos.TASK_KILLING, mesos.TASK_KILLED}},
		"capable, shutdown": {capable, func(e *Executor, d *fakeDriver) { e.Shutdown(d) }, []mesos.TaskState{mesos.TASK_KILLING, mesos.TASK_KILLED}},
		"not capable, kill": {other, killT, []mesos.TaskState{mesos.TASK_KILLED}},
		"no capabilities":   {&mesos.FrameworkInfo{}, killT, []mesos.TaskState{mesos.TASK_KILLED}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			e, d := newTest(t, Options{})
			e.Registered(d, &mesos.ExecutorInfo{}, c.fw, &mesos.AgentInfo{})
			e.LaunchTask(d, shellTask("t", "sleep 30"))
			expect(t, d, "t", mesos.TASK_STARTING, mesos.TASK_RUNNING)
			c.kill(e, d)
			expect(t, d, "t", c.after...)
			noUpdates(t, d)
		})
	}
}

func killT(e *Executor, d *fakeDriver) { e.KillTask(d, &mesos.TaskID{Value: "t"}) }

func TestRepeatedKillIsHarmless(t *testing.T) {
	e, d := newTest(t, Options{SendKilling: true})
	launchIgnoringTerm(t, e, d, policy(100*time.Millisecond))

	id := &mesos.TaskID{Value: "t"}
	start := time.Now()
	e.KillTask(d, id)
	e.KillTask(d, id)
	// A later kill with a longer grace period does not delay SIGKILL.
	e.KillTaskWithPolicy(d, id, policy(time.Hour))
	s := expect(t, d, "t", mesos.TASK_KILLING, mesos.TASK_KILLED)
	require.Contains(t, s.GetMessage(), "signal Killed")
	require.GreaterOrEqual(t, time.Since(start), 100*time.Millisecond)
	e.KillTask(d, id)
	noUpdates(t, d)

	// Once the executor stopped, nothing else was sent.
	e.Shutdown(d)
	await(t, d.stopped, "Stop")
	noUpdates(t, d)
}

// A later kill with a shorter grace period brings SIGKILL forward: to the
// end of that grace period counted from the first kill, or at once if
// that time has passed. Only one TASK_KILLING is sent.
func TestShorterGracePeriodBringsSigkillForward(t *testing.T) {
	const shorter = 300 * time.Millisecond
	for name, grace := range map[string]time.Duration{"at once": 0, "later": shorter} {
		t.Run(name, func(t *testing.T) {
			e, d := newTest(t, Options{SendKilling: true})
			launchIgnoringTerm(t, e, d, policy(time.Hour))

			id := &mesos.TaskID{Value: "t"}
			start := time.Now()
			e.KillTask(d, id) // an hour of grace
			expect(t, d, "t", mesos.TASK_KILLING)
			e.KillTaskWithPolicy(d, id, policy(grace))
			s := expect(t, d, "t", mesos.TASK_KILLED)
			require.Contains(t, s.GetMessage(), "signal Killed")
			require.GreaterOrEqual(t, time.Since(start), grace)
			noUpdates(t, d)
		})
	}
}

func TestKillOfUnknownOrEndedTaskIsIgnored(t *testing.T) {
	e, d := newTest(t, Options{SendKilling: true})
	d.release = make(chan struct{}) // the executor is still there after its task
	e.LaunchTask(d, shellTask("t", "sleep 30"))
	expect(t, d, "t", mesos.TASK_STARTING, mesos.TASK_RUNNING)
	e.KillTask(d, &mesos.TaskID{Value: "unknown"})
	noUpdates(t, d)

	e.KillTask(d, &mesos.TaskID{Value: "t"})
	expect(t, d, "t", mesos.TASK_KILLING, mesos.TASK_KILLED)
	// The reaper may still be removing the task: either way, no update.
	e.KillTask(d, &mesos.TaskID{Value: "t"})
	e.KillTask(d, &mesos.TaskID{Value: "unknown"})
	noUpdates(t, d)
}

func TestCloseKillsRunningTasks(t *testing.T) {
	e, d := newTest(t, Options{})
	e.LaunchTask(d, shellTask("t", "trap '' TERM; sleep 30"))
	expect(t, d, "t", mesos.TASK_STARTING, mesos.TASK_RUNNING)
	e.Close()
	s := expect(t, d, "t", mesos.TASK_KILLED)
	require.Contains(t, s.GetMessage(), "signal Killed")
}

// withMaxCompletion sets ti's max completion time.
func withMaxCompletion(ti *mesos.TaskInfo, d time.Duration) *mesos.TaskInfo {
	ti.MaxCompletionTime = &mesos.DurationInfo{Nanoseconds: int64(d)}
	return ti
}

// As with Mesos's command executor, a task still running at its max
// completion time is killed at once, without TASK_KILLING, and ends
// TASK_FAILED with REASON_MAX_COMPLETION_TIME_REACHED.
func TestMaxCompletionTimeFailsTheTask(t *testing.T) {
	const maxTime = 200 * time.Millisecond
	e, d := newTest(t, Options{SendKilling: true})
	ready := fifo(t)
	ti := withMaxCompletion(shellTask("t", ignoreTerm(ready)), maxTime)
	ti.KillPolicy = policy(time.Hour) // not used
	start := time.Now()
	e.LaunchTask(d, ti)
	expect(t, d, "t", mesos.TASK_STARTING, mesos.TASK_RUNNING)
	require.Equal(t, "ready", readLine(t, ready))
	s := expect(t, d, "t", mesos.TASK_FAILED)
	require.Equal(t, mesos.REASON_MAX_COMPLETION_TIME_REACHED, s.GetReason())
	require.Contains(t, s.GetMessage(), "Command terminated with signal")
	require.GreaterOrEqual(t, time.Since(start), maxTime)
	noUpdates(t, d)
}

// A task that ends in time is not affected, nor is one whose kill came
// first: the kill stops the deadline.
func TestMaxCompletionTimeNotReached(t *testing.T) {
	e, d := newTest(t, Options{SendKilling: true})
	holdStop(d)
	e.LaunchTask(d, withMaxCompletion(shellTask("quick", "true"), time.Hour))
	s := expect(t, d, "quick", mesos.TASK_STARTING, mesos.TASK_RUNNING, mesos.TASK_FINISHED)
	require.Nil(t, s.Reason)

	// The deadline falls within the kill's grace period.
	const deadline, grace = 500 * time.Millisecond, 1500 * time.Millisecond
	ready := fifo(t)
	ti := withMaxCompletion(shellTask("killed", ignoreTerm(ready)), deadline)
	ti.KillPolicy = policy(grace)
	e.LaunchTask(d, ti)
	expect(t, d, "killed", mesos.TASK_STARTING, mesos.TASK_RUNNING)
	require.Equal(t, "ready", readLine(t, ready))
	e.KillTask(d, &mesos.TaskID{Value: "killed"})
	s = expect(t, d, "killed", mesos.TASK_KILLING, mesos.TASK_KILLED)
	require.Nil(t, s.Reason)
	require.Contains(t, s.GetMessage(), "signal Killed")
}
