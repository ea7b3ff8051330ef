// Command ours is the benchmark's minimal executor on this project's driver.
// On each LaunchTask it sends K TASK_RUNNING updates (K is the task's data,
// in decimal), each as soon as SendStatusUpdate returns, then TASK_FINISHED.
// The wire is the driver's choice, or MESOS_SHIM_PROTOCOL (v0, v1). Without
// checkpointing the driver ends when the agent is lost; the process exits.
package main

import (
	"fmt"
	"os"
	"strconv"

	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/mesos-shim/executor/driver"
)

func main() {
	exec := driver.Funcs{
		OnLaunchTask: func(d driver.ExecutorDriver, t *mesos.TaskInfo) {
			k, _ := strconv.Atoi(string(t.Data))
			id := t.TaskID
			go func() { // callbacks run one at a time: tasks run concurrently
				for i := 0; i < k; i++ {
					d.SendStatusUpdate(&mesos.TaskStatus{TaskID: id, State: mesos.TASK_RUNNING.Enum()})
				}
				d.SendStatusUpdate(&mesos.TaskStatus{TaskID: id, State: mesos.TASK_FINISHED.Enum()})
			}()
		},
	}
	d, err := driver.NewFromEnv(exec)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if st, _ := d.Run(); st != mesos.DRIVER_STOPPED {
		os.Exit(1)
	}
}
