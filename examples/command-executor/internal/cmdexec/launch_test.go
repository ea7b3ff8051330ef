package cmdexec

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/stretchr/testify/require"
)

func TestShellCommandExitStatus(t *testing.T) {
	cases := []struct {
		cmd   string
		state mesos.TaskState
		msg   string
	}{
		{"true", mesos.TASK_FINISHED, "Command exited with status 0"},
		{"false", mesos.TASK_FAILED, "Command exited with status 1"},
		{"exit 3", mesos.TASK_FAILED, "Command exited with status 3"},
		{"kill -9 $$", mesos.TASK_FAILED, "Command terminated with signal Killed"},
		{"kill -SEGV $$", mesos.TASK_FAILED, "Command terminated with signal Segmentation fault"},
	}
	for _, c := range cases {
		t.Run(c.cmd, func(t *testing.T) {
			e, d := newTest(t, Options{})
			e.LaunchTask(d, shellTask("t", c.cmd))
			s := expect(t, d, "t", mesos.TASK_STARTING, mesos.TASK_RUNNING, c.state)
			// Mesos's command executor's words, which frameworks match.
			require.Equal(t, c.msg, strings.TrimSuffix(s.GetMessage(), " (core dumped)"))
			noUpdates(t, d)
		})
	}
}

// Wait statuses are worded as Mesos's WSTRINGIFY words them, a core dump
// included (on Linux, bit 0x80 of a signalled status).
func TestDescribeWaitStatus(t *testing.T) {
	for ws, want := range map[syscall.WaitStatus]string{
		2 << 8:                              "exited with status 2",
		syscall.WaitStatus(syscall.SIGTERM): "terminated with signal Terminated",
		syscall.WaitStatus(syscall.SIGQUIT) | 0x80:    "terminated with signal Quit (core dumped)",
		syscall.WaitStatus(syscall.SIGSTOP)<<8 | 0x7f: "stopped on signal Stopped (signal)",
	} {
		require.Equal(t, want, describeWaitStatus(ws))
	}
}

func TestExplicitShell(t *testing.T) {
	e, d := newTest(t, Options{})
	ti := shellTask("t", "exit 5")
	shell := true
	ti.Command.Shell = &shell
	e.LaunchTask(d, ti)
	s := expect(t, d, "t", mesos.TASK_STARTING, mesos.TASK_RUNNING, mesos.TASK_FAILED)
	require.Contains(t, s.GetMessage(), "status 5")
}

func TestNonShellCommand(t *testing.T) {
	dir := t.TempDir()
	e, d := newTest(t, Options{Sandbox: dir})
	holdStop(d)

	// arguments[0] is argv[0]; the shell would have ignored the arguments.
	e.LaunchTask(d, argvTask("argv", "/bin/sh", "custom-name", "-c", `printf %s "$0" > argv0; exit 4`))
	s := expect(t, d, "argv", mesos.TASK_STARTING, mesos.TASK_RUNNING, mesos.TASK_FAILED)
	require.Contains(t, s.GetMessage(), "status 4")
	require.Equal(t, "custom-name", readFile(t, filepath.Join(dir, "argv0")))

	// A bare name is looked up on PATH; no arguments means argv is [value].
	e.LaunchTask(d, argvTask("true", "true"))
	expect(t, d, "true", mesos.TASK_STARTING, mesos.TASK_RUNNING, mesos.TASK_FINISHED)
	e.LaunchTask(d, argvTask("false", "false", "false"))
	expect(t, d, "false", mesos.TASK_STARTING, mesos.TASK_RUNNING, mesos.TASK_FAILED)
}

func TestNonShellRelativePathIsInSandbox(t *testing.T) {
	dir := t.TempDir()
	script := "#!/bin/sh\nexit 6\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "run.sh"), []byte(script), 0o755))
	e, d := newTest(t, Options{Sandbox: dir})
	e.LaunchTask(d, argvTask("t", "./run.sh"))
	s := expect(t, d, "t", mesos.TASK_STARTING, mesos.TASK_RUNNING, mesos.TASK_FAILED)
	require.Contains(t, s.GetMessage(), "status 6")
}

// A program without a slash is looked up on the PATH of the task's
// environment, not the executor's: the base environment's, or the
// command's own when it sets one.
func TestNonShellProgramIsOnTaskPath(t *testing.T) {
	bin := t.TempDir()
	script := "#!/bin/sh\nexit 7\n"
	require.NoError(t, os.WriteFile(filepath.Join(bin, "cmdexec-task-path-only"), []byte(script), 0o755))
	require.NoError(t, os.Mkdir(filepath.Join(bin, "cmdexec-dir"), 0o755)) // not executable as a program
	taskPath := "/nonexistent:" + bin + ":" + os.Getenv("PATH")

	t.Run("base environment", func(t *testing.T) {
		e, d := newTest(t, Options{Environ: []string{"PATH=" + taskPath}})
		e.LaunchTask(d, argvTask("t", "cmdexec-task-path-only"))
		s := expect(t, d, "t", mesos.TASK_STARTING, mesos.TASK_RUNNING, mesos.TASK_FAILED)
		require.Contains(t, s.GetMessage(), "status 7")
	})
	t.Run("command environment", func(t *testing.T) {
		e, d := newTest(t, Options{})
		ti := argvTask("t", "cmdexec-task-path-only")
		ti.Command.Environment = &mesos.Environment{Variables: []mesos.Environment_Variable{
			{Name: "PATH", Value: strPtr(taskPath)},
		}}
		e.LaunchTask(d, ti)
		s := expect(t, d, "t", mesos.TASK_STARTING, mesos.TASK_RUNNING, mesos.TASK_FAILED)
		require.Contains(t, s.GetMessage(), "status 7")
	})
	t.Run("not on the task's PATH", func(t *testing.T) {
		e, d := newTest(t, Options{Environ: []string{"PATH=" + bin}})
		holdStop(d)
		e.LaunchTask(d, argvTask("t", "sh", "sh", "-c", "exit 0")) // on the executor's PATH only
		s := expect(t, d, "t", mesos.TASK_FAILED)
		require.Contains(t, s.GetMessage(), "executable file not found")
		e.LaunchTask(d, argvTask("dir", "cmdexec-dir"))
		expect(t, d, "dir", mesos.TASK_FAILED)
	})
	t.Run("no PATH", func(t *testing.T) {
		dir := t.TempDir()
		e, d := newTest(t, Options{Sandbox: dir, Environ: []string{}})
		// As with execvp, /bin and /usr/bin are searched.
		e.LaunchTask(d, argvTask("t", "sh", "sh", "-c", "exit 3"))
		s := expect(t, d, "t", mesos.TASK_STARTING, mesos.TASK_RUNNING, mesos.TASK_FAILED)
		require.Contains(t, s.GetMessage(), "status 3")
	})
}

func TestStartFailure(t *testing.T) {
	e, d := newTest(t, Options{})
	holdStop(d)

	e.LaunchTask(d, argvTask("path", "/nonexistent/program"))
	s := expect(t, d, "path", mesos.TASK_STARTING, mesos.TASK_FAILED)
	require.Contains(t, s.GetMessage(), "/nonexistent/program")

	// Not found on PATH: nothing could be started at all.
	e.LaunchTask(d, argvTask("name", "no-such-program-for-cmdexec"))
	s = expect(t, d, "name", mesos.TASK_FAILED)
	require.Contains(t, s.GetMessage(), "no-such-program-for-cmdexec")

	e.LaunchTask(d, argvTask("empty", ""))
	expect(t, d, "empty", mesos.TASK_FAILED)
	noUpdates(t, d)

	// A failed task is not running: killing it does nothing.
	e.KillTask(d, &mesos.TaskID{Value: "path"})
	noUpdates(t, d)
}

func TestNoCommand(t *testing.T) {
	e, d := newTest(t, Options{})
	e.LaunchTask(d, &mesos.TaskInfo{TaskID: mesos.TaskID{Value: "t"}, Data: []byte("exit 0")})
	s := expect(t, d, "t", mesos.TASK_FAILED)
	require.Equal(t, "task has no command", s.GetMessage())
	noUpdates(t, d)
}

func TestEnvironmentAddsCommandVariables(t *testing.T) {
	dir := t.TempDir()
	base := []string{"PATH=" + os.Getenv("PATH"), "BASE=base", "FOO=old"}
	e, d := newTest(t, Options{Sandbox: dir, Environ: base})
	ti := shellTask("t", `echo "$BASE $FOO $BAR [$HIDDEN]" > env`)
	secret := mesos.Environment_Variable_SECRET
	ti.Command.Environment = &mesos.Environment{Variables: []mesos.Environment_Variable{
		{Name: "FOO", Value: strPtr("new")},
		{Name: "BAR", Value: strPtr("bar"), Type: mesos.Environment_Variable_VALUE.Enum()},
		{Name: "HIDDEN", Type: &secret, Secret: &mesos.Secret{}},
	}}
	e.LaunchTask(d, ti)
	expect(t, d, "t", mesos.TASK_STARTING, mesos.TASK_RUNNING, mesos.TASK_FINISHED)
	require.Equal(t, "base new bar []", readFile(t, filepath.Join(dir, "env")))
}

// As with Mesos's command executor, MESOS_ALLOCATION_ROLE is the role of
// the task's resources, whatever the executor's or the command's
// environment says.
func TestAllocationRoleInEnvironment(t *testing.T) {
	dir := t.TempDir()
	e, d := newTest(t, Options{Sandbox: dir, Environ: append(os.Environ(), "MESOS_ALLOCATION_ROLE=executor")})
	ti := shellTask("t", `echo "$MESOS_ALLOCATION_ROLE" > role`)
	ti.Command.Environment = &mesos.Environment{Variables: []mesos.Environment_Variable{
		{Name: "MESOS_ALLOCATION_ROLE", Value: strPtr("command")},
	}}
	role := "prod"
	ti.Resources = []mesos.Resource{{Name: "cpus", AllocationInfo: &mesos.Resource_AllocationInfo{Role: &role}}}
	e.LaunchTask(d, ti)
	expect(t, d, "t", mesos.TASK_STARTING, mesos.TASK_RUNNING, mesos.TASK_FINISHED)
	require.Equal(t, "prod", readFile(t, filepath.Join(dir, "role")))
}

func TestExecutorEnvironmentByDefault(t *testing.T) {
	t.Setenv("CMDEXEC_TEST_VAR", "inherited")
	dir := t.TempDir()
	e, d := newTest(t, Options{Sandbox: dir})
	e.LaunchTask(d, shellTask("t", `echo "$CMDEXEC_TEST_VAR" > env`))
	expect(t, d, "t", mesos.TASK_STARTING, mesos.TASK_RUNNING, mesos.TASK_FINISHED)
	require.Equal(t, "inherited", readFile(t, filepath.Join(dir, "env")))
}

// A task's standard streams are the executor's (here, files standing for
// them), as with Mesos's command executor: the agent sends the executor's
// stdout and stderr to the sandbox's files, where users look for the
// task's output. They are not the null device.
func TestTaskSharesExecutorStreams(t *testing.T) {
	dir := t.TempDir()
	streams := map[string]*os.File{}
	for _, name := range []string{"in", "out", "err"} {
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_RDWR|os.O_CREATE, 0o600)
		require.NoError(t, err)
		t.Cleanup(func() { f.Close() })
		streams[name] = f
	}
	_, err := streams["in"].WriteString("from stdin\n")
	require.NoError(t, err)
	_, err = streams["in"].Seek(0, 0)
	require.NoError(t, err)

	e, d := newTest(t, Options{Stdin: streams["in"], Stdout: streams["out"], Stderr: streams["err"]})
	e.LaunchTask(d, shellTask("t", `read line; echo "out: $line"; echo "err: $line" >&2`))
	expect(t, d, "t", mesos.TASK_STARTING, mesos.TASK_RUNNING, mesos.TASK_FINISHED)
	require.Equal(t, "out: from stdin", readFile(t, filepath.Join(dir, "out")))
	require.Equal(t, "err: from stdin", readFile(t, filepath.Join(dir, "err")))
}

func TestSandboxIsWorkingDirectory(t *testing.T) {
	dir := t.TempDir()
	e, d := newTest(t, Options{Sandbox: dir})
	e.LaunchTask(d, shellTask("t", "pwd -P > cwd"))
	expect(t, d, "t", mesos.TASK_STARTING, mesos.TASK_RUNNING, mesos.TASK_FINISHED)
	want, err := filepath.EvalSymlinks(dir)
	require.NoError(t, err)
	require.Equal(t, want, readFile(t, filepath.Join(dir, "cwd")))
}

func TestOwnSessionAndProcessGroup(t *testing.T) {
	dir := t.TempDir()
	e, d := newTest(t, Options{Sandbox: dir})
	// Fields 5 and 6 of /proc/<pid>/stat are the process group and session.
	e.LaunchTask(d, shellTask("t", `echo $$ > pid; cut -d' ' -f5 /proc/$$/stat > pgid; cut -d' ' -f6 /proc/$$/stat > sid`))
	expect(t, d, "t", mesos.TASK_STARTING, mesos.TASK_RUNNING, mesos.TASK_FINISHED)
	pid, err := strconv.Atoi(readFile(t, filepath.Join(dir, "pid")))
	require.NoError(t, err)
	pgid, err := strconv.Atoi(readFile(t, filepath.Join(dir, "pgid")))
	require.NoError(t, err)
	sid, err := strconv.Atoi(readFile(t, filepath.Join(dir, "sid")))
	require.NoError(t, err)
	require.Equal(t, pid, pgid, "the task leads its own process group")
	require.Equal(t, pid, sid, "the task leads its own session")
	require.NotEqual(t, syscall.Getpgrp(), pgid)
}

func TestTaskGroupRunsEveryTask(t *testing.T) {
	e, d := newTest(t, Options{})
	e.LaunchTaskGroup(d, &mesos.TaskGroupInfo{Tasks: []mesos.TaskInfo{
		*shellTask("ok", "true"),
		*shellTask("bad", "exit 3"),
	}})
	byTask := map[string][]mesos.TaskState{}
	for range 6 {
		s := next(t, d)
		byTask[s.TaskID.Value] = append(byTask[s.TaskID.Value], s.GetState())
	}
	require.Equal(t, map[string][]mesos.TaskState{
		"ok":  {mesos.TASK_STARTING, mesos.TASK_RUNNING, mesos.TASK_FINISHED},
		"bad": {mesos.TASK_STARTING, mesos.TASK_RUNNING, mesos.TASK_FAILED},
	}, byTask)
	noUpdates(t, d)
}

func TestFrameworkMessageIsEchoed(t *testing.T) {
	e, d := newTest(t, Options{})
	e.FrameworkMessage(d, []byte("hello\x00world"))
	select {
	case m := <-d.messages:
		require.Equal(t, []byte("hello\x00world"), m)
	default:
		t.Fatal("no framework message sent back")
	}
}

func strPtr(s string) *string { return &s }

// Mesos's command executor runs a task's health check and check; this one
// runs neither, and says so in TASK_RUNNING rather than leave the framework
// waiting for a health that never comes. A task without them says nothing.
func TestChecksNotRunAreSaidInTaskRunning(t *testing.T) {
	for want, ti := range map[string]*mesos.TaskInfo{
		"does not run the task's health check;":           withChecks(shellTask("t", "true"), true, false),
		"does not run the task's check;":                  withChecks(shellTask("t", "true"), false, true),
		"does not run the task's health check and check;": withChecks(shellTask("t", "true"), true, true),
	} {
		e, d := newTest(t, Options{})
		e.LaunchTask(d, ti)
		expect(t, d, "t", mesos.TASK_STARTING)
		running := expect(t, d, "t", mesos.TASK_RUNNING)
		require.Contains(t, running.GetMessage(), want)
		expect(t, d, "t", mesos.TASK_FINISHED)
	}
	e, d := newTest(t, Options{})
	e.LaunchTask(d, shellTask("t", "true"))
	expect(t, d, "t", mesos.TASK_STARTING)
	require.Empty(t, expect(t, d, "t", mesos.TASK_RUNNING).GetMessage())
	expect(t, d, "t", mesos.TASK_FINISHED)
}

func withChecks(ti *mesos.TaskInfo, health, check bool) *mesos.TaskInfo {
	cmd := &mesos.CommandInfo{Value: &[]string{"true"}[0]}
	if health {
		ti.HealthCheck = &mesos.HealthCheck{Type: mesos.HealthCheck_COMMAND, Command: cmd}
	}
	if check {
		ti.Check = &mesos.CheckInfo{Type: mesos.CheckInfo_COMMAND, Command: &mesos.CheckInfo_Command{Command: *cmd}}
	}
	return ti
}

// A group's tasks are launched one after another; one that has ended
// before the next is launched (here one without a command, which fails
// during its launch) must not end the executor: every task it had so far
// has ended, but not every task of the group has begun.
func TestTaskGroupWhoseFirstTaskEndsAtOnceRunsTheRest(t *testing.T) {
	e, d := newTest(t, Options{})
	testHookBetweenGroupLaunches = func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		require.False(t, e.ending || e.cancelFinish != nil, "the executor began to stop with the group half launched")
	}
	t.Cleanup(func() { testHookBetweenGroupLaunches = nil })
	e.LaunchTaskGroup(d, &mesos.TaskGroupInfo{Tasks: []mesos.TaskInfo{
		{TaskID: mesos.TaskID{Value: "first"}}, // no command
		*shellTask("second", "true"),
	}})
	expect(t, d, "first", mesos.TASK_FAILED)
	expect(t, d, "second", mesos.TASK_STARTING, mesos.TASK_RUNNING, mesos.TASK_FINISHED)
}
