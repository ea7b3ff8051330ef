package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/compat/agentsim"
	"github.com/mesos-shim/executor/driver"
)

func TestKnownFlags(t *testing.T) {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.String("launcher_dir", "", "")
	fs.Int("v", 0, "")
	fs.Bool("logtostderr", false, "")

	kept, dropped := knownFlags(fs, []string{
		"--launcher_dir=/usr/libexec/mesos", "--unknown=1", "-v", "2",
		"--logtostderr", "-other", "--sandbox_directory=/x",
	})
	require.Equal(t, []string{"--launcher_dir=/usr/libexec/mesos", "-v", "2", "--logtostderr"}, kept)
	require.Equal(t, []string{"--unknown=1", "-other", "--sandbox_directory=/x"}, dropped)
	require.NoError(t, fs.Parse(kept))
	require.Equal(t, "/usr/libexec/mesos", fs.Lookup("launcher_dir").Value.String())
	require.Equal(t, "2", fs.Lookup("v").Value.String())
}

func TestCheckUnsupported(t *testing.T) {
	require.NoError(t, checkUnsupported([]string{"--launcher_dir=/x", "--unknown=1", "-v", "2", "user", "--", "--rootfs=/r"}))
	for _, args := range [][]string{
		{"--launcher_dir=/x", "--rootfs=/r"},
		{"--rootfs", "/r"},
		{"-rootfs="},
	} {
		err := checkUnsupported(args)
		require.ErrorContains(t, err, "unsupported flag --rootfs", "%q", args)
	}
	for name := range unsupportedFlags {
		require.ErrorContains(t, checkUnsupported([]string{"--" + name + "=x"}), "--"+name)
	}
}

// buildExecutor builds the executor's binary.
func buildExecutor(t *testing.T) string {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "mesos-executor")
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	build := exec.Command(goTool, "build", "-o", bin, ".")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

// A flag that changes how the task runs makes the executor exit with
// status 1, naming it, before it does anything else.
func TestUnsupportedFlagIsRefused(t *testing.T) {
	stderr := runWithoutEnvironment(t, "--launcher_dir=/usr/libexec/mesos", "--sandbox_directory=/mnt/mesos/sandbox", "--user=nobody")
	require.Contains(t, stderr, "unsupported flag --sandbox_directory")
	require.NotContains(t, stderr, "MESOS_FRAMEWORK_ID", "refused before reading the environment")
}

// runWithoutEnvironment builds the executor, runs it with args and an
// empty environment, checks that it exits 1, and returns its stderr.
func runWithoutEnvironment(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(buildExecutor(t), args...)
	cmd.Env = []string{}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	require.True(t, errors.As(err, &ee), "want a failed exit, got %v; stderr: %s", err, &stderr)
	require.Equal(t, 1, ee.ExitCode(), "stderr: %s", &stderr)
	return stderr.String()
}

// TestMissingEnvironment builds the executor and runs it as an agent
// would, but without the agent's environment.
func TestMissingEnvironment(t *testing.T) {
	stderr := runWithoutEnvironment(t, "--launcher_dir=/usr/libexec/mesos", "--unknown_flag=1")
	for _, name := range []string{"MESOS_FRAMEWORK_ID", "MESOS_EXECUTOR_ID", "MESOS_SLAVE_ID", "MESOS_SLAVE_PID", "MESOS_DIRECTORY"} {
		require.Contains(t, stderr, name)
	}
}

// The executor, run by the simulated agent as a real agent runs it, exits
// with status 0 once its task's terminal update is acknowledged, on each
// wire, with no shutdown from the agent.
func TestExitsOnceItsTaskEnded(t *testing.T) {
	bin := buildExecutor(t)
	for _, wire := range []driver.Protocol{driver.ProtocolV0, driver.ProtocolV1} {
		t.Run(string(wire), func(t *testing.T) {
			t.Parallel()
			cfg := agentsim.AgentConfig{ExecutorEnv: []string{driver.EnvProtocol + "=" + string(wire)}}
			agent, st := runOneTask(t, bin, cfg, "exit 3", mesos.TASK_FAILED)
			require.Equal(t, agentsim.ExitStatus{Code: 0}, st)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			require.NoError(t, agent.WaitAllAcknowledged(ctx))
		})
	}
}

// A task's output goes to the executor's stdout and stderr, which the
// agent keeps in the sandbox, as with Mesos's command executor.
func TestTaskOutputReachesExecutorStreams(t *testing.T) {
	bin := buildExecutor(t)
	agent, _ := runOneTask(t, bin, agentsim.AgentConfig{}, "echo task-to-stdout; echo task-to-stderr >&2", mesos.TASK_FINISHED)
	require.NoError(t, agent.Close()) // waits for the output to be read
	lines := map[string][]string{}
	for _, e := range agent.Trace().Entries() {
		lines[e.Name] = append(lines[e.Name], e.Detail)
	}
	require.Contains(t, lines[agentsim.EventStdout], "task-to-stdout")
	require.Contains(t, lines[agentsim.EventStderr], "task-to-stderr")
}

// The agent's token for the executor (MESOS_EXECUTOR_AUTHENTICATION_TOKEN)
// is the executor's alone: its tasks do not inherit it, as Mesos's command
// executor's do not (its v1 library unsets the variable).
func TestTasksDoNotInheritTheExecutorToken(t *testing.T) {
	bin := buildExecutor(t)
	agent, _ := runOneTask(t, bin, agentsim.AgentConfig{Profile: agentsim.Mesos13},
		`echo "token=[$MESOS_EXECUTOR_AUTHENTICATION_TOKEN]"`, mesos.TASK_FINISHED)
	require.NotEmpty(t, agent.Getenv(driver.EnvExecutorAuthToken), "the agent gave the executor a token")
	require.NoError(t, agent.Close()) // waits for the output to be read
	var seen []string
	for _, e := range agent.Trace().Entries() {
		if e.Name == agentsim.EventStdout && strings.HasPrefix(e.Detail, "token=") {
			seen = append(seen, e.Detail)
		}
	}
	require.Equal(t, []string{"token=[]"}, seen)
}

// runOneTask runs the executor bin under a simulated agent configured by
// cfg with one shell task, command, until the task ends in state and the
// executor exits; the agent is closed when the test ends.
func runOneTask(t *testing.T, bin string, cfg agentsim.AgentConfig, command string, state mesos.TaskState) (*agentsim.Agent, agentsim.ExitStatus) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	agent, err := agentsim.Start(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { agent.Close() })
	require.NoError(t, agent.Launch(agentsim.CommandTask("t", command)))
	require.NoError(t, agent.LaunchExecutor(bin, "--launcher_dir="+filepath.Dir(bin)))
	_, err = agent.WaitUpdate(ctx, "t", state)
	require.NoError(t, err)
	st, err := agent.WaitExecutorExit(ctx)
	require.NoError(t, err, "the executor did not exit after its task")
	return agent, st
}
