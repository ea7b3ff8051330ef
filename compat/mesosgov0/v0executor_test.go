package mesosgov0_test

// This file is an executor written as one writes it against mesos-go's
// api/v0/executor package; only the import path of the executor package
// differs. TestTheV0ExecutorCompilesAgainstMesosGo builds this very file
// against mesos-go to prove it. It must stay self-contained: standard
// library, mesosproto and the executor package only.

import (
	"fmt"
	"strings"
	"sync"

	executor "github.com/mesos-shim/executor/compat/mesosgov0"
	mesos "github.com/mesos/mesos-go/api/v0/mesosproto"
)

// v0Executor runs a task until its data says "finish", kills it with
// TASK_KILLED, echoes framework messages, and keeps a log of its callbacks.
type v0Executor struct {
	mu      sync.Mutex
	log     []string
	changed chan struct{}
	running map[string]bool
}

func newV0Executor() *v0Executor {
	return &v0Executor{changed: make(chan struct{}), running: map[string]bool{}}
}

func (e *v0Executor) record(format string, args ...interface{}) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.log = append(e.log, fmt.Sprintf(format, args...))
	close(e.changed)
	e.changed = make(chan struct{})
}

// Log is every callback so far, and a channel closed at the next one.
func (e *v0Executor) Log() ([]string, <-chan struct{}) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.log...), e.changed
}

func (e *v0Executor) Registered(driver executor.ExecutorDriver, execInfo *mesos.ExecutorInfo, fwinfo *mesos.FrameworkInfo, slaveInfo *mesos.SlaveInfo) {
	e.record("Registered executor=%s framework=%s slave=%s", execInfo.GetExecutorId().GetValue(), fwinfo.GetId().GetValue(), slaveInfo.GetId().GetValue())
}

func (e *v0Executor) Reregistered(driver executor.ExecutorDriver, slaveInfo *mesos.SlaveInfo) {
	e.record("Reregistered slave=%s", slaveInfo.GetId().GetValue())
}

func (e *v0Executor) Disconnected(executor.ExecutorDriver) { e.record("Disconnected") }

func (e *v0Executor) LaunchTask(driver executor.ExecutorDriver, taskInfo *mesos.TaskInfo) {
	e.record("LaunchTask %s", taskInfo.GetTaskId().GetValue())
	runStatus := &mesos.TaskStatus{TaskId: taskInfo.GetTaskId(), State: mesos.TaskState_TASK_RUNNING.Enum()}
	if _, err := driver.SendStatusUpdate(runStatus); err != nil {
		e.record("error sending RUNNING: %v", err)
		return
	}
	if strings.TrimSpace(string(taskInfo.GetData())) != "finish" {
		e.mu.Lock()
		e.running[taskInfo.GetTaskId().GetValue()] = true
		e.mu.Unlock()
		return
	}
	finStatus := &mesos.TaskStatus{TaskId: taskInfo.GetTaskId(), State: mesos.TaskState_TASK_FINISHED.Enum()}
	if _, err := driver.SendStatusUpdate(finStatus); err != nil {
		e.record("error sending FINISHED: %v", err)
	}
}

func (e *v0Executor) KillTask(driver executor.ExecutorDriver, taskID *mesos.TaskID) {
	e.record("KillTask %s", taskID.GetValue())
	e.mu.Lock()
	wasRunning := e.running[taskID.GetValue()]
	delete(e.running, taskID.GetValue())
	e.mu.Unlock()
	if wasRunning {
		killed := &mesos.TaskStatus{TaskId: taskID, State: mesos.TaskState_TASK_KILLED.Enum()}
		if _, err := driver.SendStatusUpdate(killed); err != nil {
			e.record("error sending KILLED: %v", err)
		}
	}
}

func (e *v0Executor) FrameworkMessage(driver executor.ExecutorDriver, msg string) {
	e.record("FrameworkMessage %s", msg)
	if _, err := driver.SendFrameworkMessage(msg); err != nil {
		e.record("error echoing: %v", err)
	}
}

func (e *v0Executor) Shutdown(executor.ExecutorDriver) { e.record("Shutdown") }

func (e *v0Executor) Error(driver executor.ExecutorDriver, err string) { e.record("Error %s", err) }

var _ executor.Executor = (*v0Executor)(nil)
