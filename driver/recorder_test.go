package driver_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/mesos-shim/executor/driver"
)

// recorder is an in-process executor that writes each callback as one line
// of a trace, and behaves as a simple executor would: a launched task runs
// until its data says "finish" or "fail", a kill ends it with TASK_KILLED, a
// framework message is echoed, and Shutdown kills what runs, waits for the
// acknowledgements and stops the driver.
type recorder struct {
	mu      sync.Mutex
	lines   []string
	changed chan struct{}
	running map[string]bool
	policy  *mesos.KillPolicy // the last kill policy received
}

func newRecorder() *recorder {
	return &recorder{changed: make(chan struct{}), running: map[string]bool{}}
}

func (r *recorder) record(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, fmt.Sprintf(format, args...))
	close(r.changed)
	r.changed = make(chan struct{})
}

// trace is every line so far, one per callback.
func (r *recorder) trace() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.lines, "\n") + "\n"
}

// waitFor waits until a recorded line starts with prefix.
func (r *recorder) waitFor(t *testing.T, prefix string) {
	t.Helper()
	r.waitForCount(t, prefix, 1)
}

// waitForCount waits until n recorded lines start with prefix.
func (r *recorder) waitForCount(t *testing.T, prefix string, n int) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		r.mu.Lock()
		seen := 0
		for _, l := range r.lines {
			if strings.HasPrefix(l, prefix) {
				seen++
			}
		}
		if seen >= n {
			r.mu.Unlock()
			return
		}
		changed := r.changed
		r.mu.Unlock()
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("no %q callback; trace so far:\n%s", prefix, r.trace())
		}
	}
}

func (r *recorder) Registered(d driver.ExecutorDriver, e *mesos.ExecutorInfo, f *mesos.FrameworkInfo, a *mesos.AgentInfo) {
	r.record("Registered executor=%s framework=%s agent=%s", e.ExecutorID.Value, f.GetName(), a.Hostname)
}

func (r *recorder) Reregistered(d driver.ExecutorDriver, a *mesos.AgentInfo) {
	r.record("Reregistered agent=%s", a.Hostname)
}

func (r *recorder) Disconnected(driver.ExecutorDriver) { r.record("Disconnected") }

func (r *recorder) LaunchTask(d driver.ExecutorDriver, t *mesos.TaskInfo) {
	r.record("LaunchTask %s", t.TaskID.Value)
	r.start(d, *t)
}

func (r *recorder) LaunchTaskGroup(d driver.ExecutorDriver, g *mesos.TaskGroupInfo) {
	var ids []string
	for _, t := range g.Tasks {
		ids = append(ids, t.TaskID.Value)
	}
	r.record("LaunchTaskGroup %s", strings.Join(ids, ","))
	for _, t := range g.Tasks {
		r.start(d, t)
	}
}

func (r *recorder) start(d driver.ExecutorDriver, t mesos.TaskInfo) {
	send(d, t.TaskID, mesos.TASK_RUNNING)
	switch string(t.Data) {
	case "finish":
		send(d, t.TaskID, mesos.TASK_FINISHED)
	case "fail":
		send(d, t.TaskID, mesos.TASK_FAILED)
	default:
		r.mu.Lock()
		r.running[t.TaskID.Value] = true
		r.mu.Unlock()
	}
}

func (r *recorder) KillTask(d driver.ExecutorDriver, id *mesos.TaskID) {
	r.KillTaskWithPolicy(d, id, nil)
}

func (r *recorder) KillTaskWithPolicy(d driver.ExecutorDriver, id *mesos.TaskID, p *mesos.KillPolicy) {
	r.mu.Lock()
	r.policy = p
	wasRunning := r.running[id.Value]
	delete(r.running, id.Value)
	r.mu.Unlock()
	r.record("KillTask %s", id.Value)
	if wasRunning {
		send(d, *id, mesos.TASK_KILLED)
	}
}

func (r *recorder) FrameworkMessage(d driver.ExecutorDriver, data []byte) {
	r.record("FrameworkMessage %q", data)
	d.SendFrameworkMessage(data)
}

func (r *recorder) Shutdown(d driver.ExecutorDriver) {
	r.record("Shutdown")
	r.mu.Lock()
	var ids []string
	for id := range r.running {
		ids = append(ids, id)
	}
	r.running = map[string]bool{}
	r.mu.Unlock()
	sort.Strings(ids)
	for _, id := range ids {
		send(d, mesos.TaskID{Value: id}, mesos.TASK_KILLED)
	}
	go func() { // never block a callback
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		d.AwaitAcknowledgements(ctx)
		d.Stop()
	}()
}

func (r *recorder) Error(d driver.ExecutorDriver, msg string) { r.record("Error %s", msg) }

func send(d driver.ExecutorDriver, id mesos.TaskID, s mesos.TaskState) {
	d.SendStatusUpdate(&mesos.TaskStatus{TaskID: id, State: s.Enum()})
}
