// Command mesosgo-v0 is the benchmark's minimal executor on mesos-go
// v0.0.11's api/v0/executor driver (legacy wire). On each LaunchTask it sends
// K TASK_RUNNING updates (K is the task's data, in decimal), each as soon as
// SendStatusUpdate returns, then TASK_FINISHED. It stops on Shutdown and,
// to give it every chance to notice a lost agent, on Disconnected. It cannot
// measure round trips ("rtt:K" tasks): the driver consumes acknowledgements
// without telling the executor.
package main

import (
	"flag"
	"fmt"
	"os"

	exec "github.com/mesos/mesos-go/api/v0/executor"
	mesos "github.com/mesos/mesos-go/api/v0/mesosproto"

	"github.com/mesos-shim/executor/bench/internal/task"
)

type executor struct{}

func (executor) Registered(exec.ExecutorDriver, *mesos.ExecutorInfo, *mesos.FrameworkInfo, *mesos.SlaveInfo) {
}
func (executor) Reregistered(exec.ExecutorDriver, *mesos.SlaveInfo) {}
func (executor) Disconnected(d exec.ExecutorDriver)                 { d.Stop() }
func (executor) LaunchTask(d exec.ExecutorDriver, t *mesos.TaskInfo) {
	k, roundTrips := task.Parse(t.Data)
	id := t.TaskId
	if roundTrips {
		task.WriteNotObservable("mesos-go v0's driver consumes acknowledgements without a callback")
		k = 0
	}
	go func() {
		for i := 0; i < k; i++ {
			d.SendStatusUpdate(&mesos.TaskStatus{TaskId: id, State: mesos.TaskState_TASK_RUNNING.Enum()})
		}
		d.SendStatusUpdate(&mesos.TaskStatus{TaskId: id, State: mesos.TaskState_TASK_FINISHED.Enum()})
	}()
}
func (executor) KillTask(exec.ExecutorDriver, *mesos.TaskID)  {}
func (executor) FrameworkMessage(exec.ExecutorDriver, string) {}
func (executor) Shutdown(d exec.ExecutorDriver)               { d.Stop() }
func (executor) Error(d exec.ExecutorDriver, msg string)      { fmt.Fprintln(os.Stderr, msg) }

func main() {
	defer task.StartProfile()()
	// glog, which the driver logs through, writes its INFO lines (several
	// per update: part of what this driver costs) to files in $TMPDIR by
	// default; in the sandbox they go when the agent removes it.
	if err := flag.Set("log_dir", "."); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	d, err := exec.NewMesosExecutorDriver(exec.DriverConfig{Executor: executor{}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if st, err := d.Run(); err != nil || st != mesos.Status_DRIVER_STOPPED {
		fmt.Fprintln(os.Stderr, st, err)
		os.Exit(1)
	}
}
