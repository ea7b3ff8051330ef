package cmdexec

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/golang/glog"
	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/mesos-shim/executor/driver"
)

// task is one running command. Every status update of a task is sent
// while holding mu, so that updates leave in the order they were decided
// and the terminal one is sent exactly once.
type task struct {
	id    mesos.TaskID
	grace time.Duration // kill grace period from the TaskInfo's kill policy
	cmd   *exec.Cmd
	// unchecked names the checks the task asks for that this executor
	// does not run ("health check", "check"), said in TASK_RUNNING.
	unchecked string

	mu        sync.Mutex
	killing   bool        // a kill started: the terminal state is TASK_KILLED
	exited    bool        // the process was reaped and the terminal update sent
	killStart time.Time   // when the kill started (SIGTERM was sent)
	killAt    time.Time   // when SIGKILL is due; zero once it was sent
	escal     *time.Timer // sends SIGKILL at killAt
	// maxCompletion, when positive, is the TaskInfo's max_completion_time:
	// deadline kills the task that long after it started, and it then
	// ends TASK_FAILED (timedOut) rather than TASK_KILLED.
	maxCompletion time.Duration
	deadline      *time.Timer
	timedOut      bool

	done chan struct{} // closed once the terminal update was sent
}

// send sends one status update of t; the caller holds t.mu.
func (t *task) send(d driver.ExecutorDriver, state mesos.TaskState, msg string) {
	sendStatus(d, t.id, state, msg)
}

// sendStatus sends a status update for the task id.
func sendStatus(d driver.ExecutorDriver, id mesos.TaskID, state mesos.TaskState, msg string) {
	deliver(d, newStatus(id, state, msg))
}

// newStatus is a status update for the task id.
func newStatus(id mesos.TaskID, state mesos.TaskState, msg string) *mesos.TaskStatus {
	st := &mesos.TaskStatus{TaskID: id, State: state.Enum()}
	if msg != "" {
		st.Message = &msg
	}
	return st
}

// deliver sends the status update st.
func deliver(d driver.ExecutorDriver, st *mesos.TaskStatus) {
	id, state := st.TaskID.Value, st.GetState()
	glog.V(1).Infof("task %s: %s %s %s", id, state, st.GetReason(), st.GetMessage())
	if _, err := d.SendStatusUpdate(st); err != nil {
		glog.Errorf("task %s: sending %s: %v", id, state, err)
	}
}

// start sends TASK_STARTING, starts the process and sends TASK_RUNNING, or
// TASK_FAILED if it could not start. It reports whether the process runs.
func (t *task) start(d driver.ExecutorDriver) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.send(d, mesos.TASK_STARTING, "")
	if err := t.cmd.Start(); err != nil {
		t.exited = true
		close(t.done)
		t.send(d, mesos.TASK_FAILED, "failed to start command: "+err.Error())
		return false
	}
	glog.Infof("task %s: started %q as pid %d", t.id.Value, t.cmd.Args, t.cmd.Process.Pid)
	if t.maxCompletion > 0 {
		t.deadline = time.AfterFunc(t.maxCompletion, func() { t.timeOut(d) })
	}
	msg := ""
	if t.unchecked != "" {
		msg = "this command executor does not run the task's " + t.unchecked + "; no health is reported"
		glog.Warningf("task %s: %s", t.id.Value, msg)
	}
	t.send(d, mesos.TASK_RUNNING, msg)
	return true
}

// wait reaps the process and sends the terminal update. It runs on its
// own goroutine, one per task.
func (t *task) wait(d driver.ExecutorDriver) {
	err := t.cmd.Wait()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.exited = true
	t.stopTimers()
	state, msg := t.outcome(err)
	glog.Infof("task %s: %s", t.id.Value, msg)
	if t.killing {
		// Leave no stragglers in the group and session whose leader
		// we reaped.
		t.signal(syscall.SIGKILL)
	}
	st := newStatus(t.id, state, msg)
	if t.timedOut {
		st.Reason = mesos.REASON_MAX_COMPLETION_TIME_REACHED.Enum()
	}
	deliver(d, st)
	close(t.done)
}

// stopTimers stops the SIGKILL and max completion time timers; the
// caller holds t.mu.
func (t *task) stopTimers() {
	if t.escal != nil {
		t.escal.Stop()
	}
	if t.deadline != nil {
		t.deadline.Stop()
	}
}

// outcome is the terminal state for the process's exit; a started kill
// wins over any exit status, and ends TASK_KILLED unless the max
// completion time started it. The caller holds t.mu.
func (t *task) outcome(err error) (mesos.TaskState, string) {
	msg := describeExit(err)
	switch {
	case t.timedOut:
		return mesos.TASK_FAILED, msg
	case t.killing:
		return mesos.TASK_KILLED, msg
	case err == nil:
		return mesos.TASK_FINISHED, msg
	default:
		return mesos.TASK_FAILED, msg
	}
}

// describeExit words how a command ended in the words of Mesos's command
// executor: "Command exited with status N" or "Command terminated with
// signal Killed", which frameworks show and sometimes match.
func describeExit(err error) string {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		if err != nil {
			return "Failed to get exit status for Command: " + err.Error()
		}
		return "Command exited with status 0"
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok {
		return "Command " + describeWaitStatus(ws)
	}
	return fmt.Sprintf("Command exited with status %d", ee.ExitCode())
}

// describeWaitStatus words a wait status as Mesos's WSTRINGIFY does; a
// signal is named by its description, capitalised as strsignal(3) gives
// it on Linux ("Terminated", "Killed", "Segmentation fault").
func describeWaitStatus(ws syscall.WaitStatus) string {
	switch {
	case ws.Exited():
		return fmt.Sprintf("exited with status %d", ws.ExitStatus())
	case ws.Signaled():
		msg := "terminated with signal " + signalName(ws.Signal())
		if ws.CoreDump() {
			msg += " (core dumped)"
		}
		return msg
	case ws.Stopped():
		return "stopped on signal " + signalName(ws.StopSignal())
	}
	return fmt.Sprintf("wait status %d", int(ws))
}

// signalName is sig's description with its first letter in upper case.
func signalName(sig syscall.Signal) string {
	s := sig.String()
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// kill starts killing t: SIGTERM to its process tree now, SIGKILL after
// grace. With sendKilling, TASK_KILLING is sent first. It does nothing if
// t already exited.
//
// A kill of a task already being killed sends nothing, but as with Mesos's
// command executor a grace period that ends sooner, counted from the
// start of the first kill, brings SIGKILL forward (at once if that time
// has passed); one that ends later changes nothing, so that retried kills
// are harmless.
func (t *task) kill(d driver.ExecutorDriver, grace time.Duration, sendKilling bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.killLocked(d, grace, sendKilling)
}

// timeOut kills t, whose max completion time has passed, as Mesos's
// command executor does: with no grace period and no TASK_KILLING, to end
// TASK_FAILED with REASON_MAX_COMPLETION_TIME_REACHED. Once a kill started
// the deadline no longer counts (Mesos's cancels it): timeOut does nothing.
func (t *task) timeOut(d driver.ExecutorDriver) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.exited || t.killing {
		return
	}
	glog.Warningf("task %s: max completion time of %v reached; killing it", t.id.Value, t.maxCompletion)
	t.timedOut = true
	t.killLocked(d, 0, false)
}

// killLocked is kill; the caller holds t.mu.
func (t *task) killLocked(d driver.ExecutorDriver, grace time.Duration, sendKilling bool) {
	if t.exited {
		return
	}
	if t.killing {
		t.shortenGrace(grace)
		return
	}
	t.killing = true
	if sendKilling && !t.timedOut {
		t.send(d, mesos.TASK_KILLING, "")
	}
	glog.Infof("task %s: killing with SIGTERM, SIGKILL after %v", t.id.Value, grace)
	t.signal(syscall.SIGTERM)
	t.killStart = time.Now()
	t.killAt = t.killStart.Add(grace)
	t.escal = time.AfterFunc(grace, t.escalate)
}

// shortenGrace moves SIGKILL to grace after the start of the kill, if
// that is sooner than planned. The caller holds t.mu; a kill started.
func (t *task) shortenGrace(grace time.Duration) {
	at := t.killStart.Add(grace)
	if t.killAt.IsZero() || !at.Before(t.killAt) {
		return // SIGKILL was sent already, or is due sooner anyway
	}
	remaining := max(0, time.Until(at))
	glog.Infof("task %s: kill with a shorter grace period (%v): SIGKILL in %v", t.id.Value, grace, remaining)
	t.escal.Stop()
	t.killAt = at
	t.escal = time.AfterFunc(remaining, t.escalate)
}

// forceKill sends SIGKILL to t's process tree at once; t then ends
// TASK_KILLED.
func (t *task) forceKill() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.exited {
		t.killing = true
		t.killAt = time.Time{}
		t.stopTimers()
		t.signal(syscall.SIGKILL)
	}
}

// escalate sends SIGKILL to a task that outlived its grace period.
func (t *task) escalate() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.exited || t.killAt.IsZero() {
		return // reaped, or SIGKILL was sent already
	}
	t.killAt = time.Time{}
	glog.Warningf("task %s: still running after the grace period; sending SIGKILL", t.id.Value)
	t.signal(syscall.SIGKILL)
}

// signal sends sig to t's process tree: its session and process group,
// and on Linux every process that left them (see killTree). The caller
// holds t.mu.
func (t *task) signal(sig syscall.Signal) {
	if t.cmd.Process == nil {
		return // not started (yet)
	}
	pid := t.cmd.Process.Pid
	if err := killTree(pid, sig); err != nil {
		glog.Errorf("task %s: %s to the process tree of %d: %v", t.id.Value, sig, pid, err)
	}
}

// signalGroup sends sig to the process group pgid; a group that is gone
// is no error.
func signalGroup(pgid int, sig syscall.Signal) error {
	if err := syscall.Kill(-pgid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		return err
	}
	return nil
}
