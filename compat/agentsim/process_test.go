package agentsim

import (
	"bytes"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The executor gets exactly the profile's environment plus PATH, and runs
// in the sandbox.
func TestLaunchExecutorEnvironment(t *testing.T) {
	a := startAgent(t, AgentConfig{Profile: Mesos1x, Checkpoint: true})
	require.NoError(t, a.LaunchExecutor("env"))
	status, err := a.WaitExecutorExit(testContext(t))
	require.NoError(t, err)
	require.True(t, status.Success(), status.String())
	require.NoError(t, a.Close()) // waits for the output readers

	var got []string
	for _, e := range a.Trace().Entries() {
		if e.Name == EventStdout {
			got = append(got, e.Detail)
		}
	}
	want := append(a.Env(), "PATH="+os.Getenv("PATH"))
	require.ElementsMatch(t, want, got)
}

func TestLaunchExecutorRecordsExitCodeOutputAndSandbox(t *testing.T) {
	var out syncBuffer
	a := startAgent(t, AgentConfig{Output: &out})
	require.NoError(t, a.LaunchExecutor("/bin/sh", "-c", `pwd; echo oops >&2; exit 3`))
	status, err := a.WaitExecutorExit(testContext(t))
	require.NoError(t, err)
	require.Equal(t, ExitStatus{Code: 3}, status)
	require.Error(t, a.LaunchExecutor("true"), "one executor per agent")
	require.NoError(t, a.Close())
	require.Equal(t, a.Directory()+"\noops\n", out.String())
	require.Contains(t, a.Trace().String(), "ExecutorExited")
	require.Contains(t, a.Trace().String(), "exit code 3")
}

func TestCloseKillsTheExecutorsProcessGroup(t *testing.T) {
	a := startAgent(t, AgentConfig{})
	require.NoError(t, a.LaunchExecutor("/bin/sh", "-c", "sleep 60 & sleep 60"))
	require.NoError(t, a.Close())
	var exit *ExitStatus
	for _, e := range a.Trace().Entries() {
		if e.Name == EventExited {
			exit = e.Exit
		}
	}
	require.NotNil(t, exit)
	require.Equal(t, syscall.SIGKILL, exit.Signal)
}

// An executor still running a grace period after Shutdown is destroyed.
func TestShutdownGracePeriodExpiryDestroysTheExecutor(t *testing.T) {
	a := startAgent(t, AgentConfig{ShutdownGracePeriod: 20 * time.Millisecond})
	require.NoError(t, a.LaunchExecutor("sleep", "60")) // ignores the Shutdown
	f := newFakeExecutor(t, a)
	f.registerWithTask(a, "t1")

	require.NoError(t, a.Shutdown())
	status, err := a.WaitExecutorExit(testContext(t))
	require.NoError(t, err)
	require.Equal(t, syscall.SIGKILL, status.Signal)
	require.Equal(t, Terminated, a.State())
	require.Contains(t, names(a.Trace(), AtAgent), EventDestroyed)
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Clone(s.b.String())
}
