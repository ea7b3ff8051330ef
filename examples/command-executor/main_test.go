package main

import (
	"bytes"
	"errors"
	"flag"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
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
	bin := buildExecutor(t)
	cmd := exec.Command(bin, "--launcher_dir=/usr/libexec/mesos", "--sandbox_directory=/mnt/mesos/sandbox", "--user=nobody")
	cmd.Env = []string{}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	require.True(t, errors.As(err, &ee), "want a failed exit, got %v; stderr: %s", err, &stderr)
	require.Equal(t, 1, ee.ExitCode(), "stderr: %s", &stderr)
	require.Contains(t, stderr.String(), "unsupported flag --sandbox_directory")
	require.NotContains(t, stderr.String(), "MESOS_FRAMEWORK_ID", "refused before reading the environment")
}

// TestMissingEnvironment builds the executor and runs it as an agent
// would, but without the agent's environment.
func TestMissingEnvironment(t *testing.T) {
	bin := buildExecutor(t)
	cmd := exec.Command(bin, "--launcher_dir=/usr/libexec/mesos", "--unknown_flag=1")
	cmd.Env = []string{}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	require.True(t, errors.As(err, &ee), "want a failed exit, got %v; stderr: %s", err, &stderr)
	require.Equal(t, 1, ee.ExitCode(), "stderr: %s", &stderr)
	for _, name := range []string{"MESOS_FRAMEWORK_ID", "MESOS_EXECUTOR_ID", "MESOS_SLAVE_ID", "MESOS_SLAVE_PID", "MESOS_DIRECTORY"} {
		require.Contains(t, stderr.String(), name)
	}
}
