package matrix_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/mesos-shim/executor/compat/agentsim"
	"github.com/mesos-shim/executor/compat/matrix"
	"github.com/mesos-shim/executor/driver"
)

// An executor author runs their own executor, in-process, through the
// cells they choose; matrix.Test does the same from a test, a subtest per
// cell.
func Example() {
	res, err := matrix.Run(context.Background(), matrix.Options{
		Executor:  matrix.InProcess(func() driver.Executor { return newTaskExecutor() }),
		Profiles:  []agentsim.Profile{agentsim.Mesos020, agentsim.Newest()},
		Scenarios: []string{"launch-and-finish", "kill"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range res.Failed() {
		fmt.Println(c.Report())
	}
	fmt.Printf("%d PASS, %d FAIL, %d N/A\n", res.Count(matrix.Pass), res.Count(matrix.Fail), res.Count(matrix.NA))
	// Output:
	// 10 PASS, 0 FAIL, 2 N/A
}

// taskExecutor plays the command executor without running anything: a
// task whose command is "true" finishes, "false" fails, anything else runs
// until it is killed; framework messages are echoed. It is what a minimal
// correct executor does on this driver.
type taskExecutor struct {
	mu      sync.Mutex
	running map[string]bool
}

func newTaskExecutor() *taskExecutor { return &taskExecutor{running: map[string]bool{}} }

func update(d driver.ExecutorDriver, id string, state mesos.TaskState) {
	d.SendStatusUpdate(&mesos.TaskStatus{TaskID: mesos.TaskID{Value: id}, State: state.Enum()})
}

func (e *taskExecutor) Registered(driver.ExecutorDriver, *mesos.ExecutorInfo, *mesos.FrameworkInfo, *mesos.AgentInfo) {
}
func (e *taskExecutor) Reregistered(driver.ExecutorDriver, *mesos.AgentInfo) {}
func (e *taskExecutor) Disconnected(driver.ExecutorDriver)                   {}
func (e *taskExecutor) Error(driver.ExecutorDriver, string)                  {}

func (e *taskExecutor) LaunchTask(d driver.ExecutorDriver, t *mesos.TaskInfo) {
	id := t.TaskID.Value
	update(d, id, mesos.TASK_RUNNING)
	switch strings.TrimSpace(t.GetCommand().GetValue()) {
	case "true":
		update(d, id, mesos.TASK_FINISHED)
	case "false":
		update(d, id, mesos.TASK_FAILED)
	default:
		e.mu.Lock()
		e.running[id] = true
		e.mu.Unlock()
	}
}

func (e *taskExecutor) LaunchTaskGroup(d driver.ExecutorDriver, g *mesos.TaskGroupInfo) {
	for i := range g.Tasks {
		e.LaunchTask(d, &g.Tasks[i])
	}
}

func (e *taskExecutor) KillTask(d driver.ExecutorDriver, id *mesos.TaskID) {
	e.mu.Lock()
	was := e.running[id.Value]
	delete(e.running, id.Value)
	e.mu.Unlock()
	if was {
		update(d, id.Value, mesos.TASK_KILLED)
	}
}

func (e *taskExecutor) FrameworkMessage(d driver.ExecutorDriver, data []byte) {
	d.SendFrameworkMessage(data)
}

// Shutdown kills every task, waits (briefly) for the acknowledgements of
// their terminal updates and stops the driver.
func (e *taskExecutor) Shutdown(d driver.ExecutorDriver) {
	e.mu.Lock()
	var ids []string
	for id := range e.running {
		ids = append(ids, id)
	}
	e.running = map[string]bool{}
	e.mu.Unlock()
	for _, id := range ids {
		update(d, id, mesos.TASK_KILLED)
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		d.AwaitAcknowledgements(ctx)
		d.Stop()
	}()
}
