package cmdexec

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/stretchr/testify/require"
)

// timeout bounds every wait for an event; nothing normally comes near it.
const timeout = 10 * time.Second

func TestMain(m *testing.M) {
	if how := os.Getenv(helperEnv); how != "" {
		os.Exit(escapeHelper(how)) // a task's process, not the tests
	}
	flag.Parse()
	_ = flag.Set("logtostderr", "true") // no glog files in /tmp
	os.Exit(m.Run())
}

// helperEnv names the way a test helper leaves the task's group, when
// the test binary runs as one (see TestMain).
const helperEnv = "CMDEXEC_TEST_HELPER"

// escapeHelper runs in the test binary when helperEnv is set: it leaves
// its process group for a session (setsid) or a group (setpgid) of its
// own, ignoring SIGTERM if told, prints its pid, and sleeps.
func escapeHelper(how string) int {
	var err error
	switch how {
	case "setsid", "setsid-ignore":
		_, err = syscall.Setsid()
	case "setpgid", "setpgid-ignore":
		err = syscall.Setpgid(0, 0)
	default:
		err = errors.New("unknown " + helperEnv + "=" + how)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if strings.HasSuffix(how, "-ignore") {
		signal.Ignore(syscall.SIGTERM)
	}
	fmt.Println(os.Getpid())
	os.Stdout.Close()
	time.Sleep(time.Minute)
	return 0
}

// newTest returns an executor with opts and a fake driver; every task still
// running at the end of the test is killed.
func newTest(t *testing.T, opts Options) (*Executor, *fakeDriver) {
	e := New(opts)
	t.Cleanup(e.Close)
	return e, newFakeDriver()
}

// holdStop holds the acknowledgements of d's updates, so that an executor
// whose tasks all ended does not stop before the test launches the next
// task: that launch cancels the stop.
func holdStop(d *fakeDriver) {
	d.release = make(chan struct{})
}

// shellTask is a task running cmd with the default shell setting.
func shellTask(id, cmd string) *mesos.TaskInfo {
	return &mesos.TaskInfo{
		Name:    id,
		TaskID:  mesos.TaskID{Value: id},
		Command: &mesos.CommandInfo{Value: &cmd},
	}
}

// argvTask is a task executing value with args as argv, without a shell.
func argvTask(id, value string, args ...string) *mesos.TaskInfo {
	shell := false
	return &mesos.TaskInfo{
		Name:    id,
		TaskID:  mesos.TaskID{Value: id},
		Command: &mesos.CommandInfo{Value: &value, Shell: &shell, Arguments: args},
	}
}

// policy is a kill policy with grace period d.
func policy(d time.Duration) *mesos.KillPolicy {
	return &mesos.KillPolicy{GracePeriod: &mesos.DurationInfo{Nanoseconds: int64(d)}}
}

// next waits for the next status update.
func next(t *testing.T, f *fakeDriver) *mesos.TaskStatus {
	t.Helper()
	select {
	case s := <-f.updates:
		return s
	case <-time.After(timeout):
		t.Fatal("no status update")
		return nil
	}
}

// expect waits for updates of task id in the given states, in order, and
// returns the last.
func expect(t *testing.T, f *fakeDriver, id string, states ...mesos.TaskState) *mesos.TaskStatus {
	t.Helper()
	var s *mesos.TaskStatus
	for _, want := range states {
		s = next(t, f)
		require.Equal(t, id, s.TaskID.Value)
		require.Equal(t, want, s.GetState(), "message: %s", s.GetMessage())
	}
	return s
}

// noUpdates asserts that no status update is pending.
func noUpdates(t *testing.T, f *fakeDriver) {
	t.Helper()
	select {
	case s := <-f.updates:
		t.Fatalf("unexpected update %s for %s: %s", s.GetState(), s.TaskID.Value, s.GetMessage())
	default:
	}
}

// await waits for ch to be closed or to deliver a value.
func await[T any](t *testing.T, ch <-chan T, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(timeout):
		t.Fatalf("timed out waiting for %s", what)
	}
}

// fifo makes a named pipe in a new directory; a task writes a line to it
// once it reached a given point, and readLine waits for that line.
func fifo(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "ready")
	require.NoError(t, syscall.Mkfifo(path, 0o600))
	return path
}

// readLine waits for one line written to the named pipe at path.
func readLine(t *testing.T, path string) string {
	t.Helper()
	lines := make(chan string, 1)
	go func() {
		f, err := os.Open(path)
		if err != nil {
			lines <- "open: " + err.Error()
			return
		}
		defer f.Close()
		line, _ := bufio.NewReader(f).ReadString('\n')
		lines <- strings.TrimSpace(line)
	}()
	select {
	case l := <-lines:
		return l
	case <-time.After(timeout):
		t.Fatal("nothing written to " + path)
		return ""
	}
}

// readFile returns the trimmed content of a file a task wrote.
func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return strings.TrimSpace(string(b))
}
