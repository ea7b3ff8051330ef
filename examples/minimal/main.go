// Command minimal is the smallest executor on this driver: it reports every
// task running, then finished. It is the README's usage example, kept here
// so that it is compiled with everything else.
package main

import (
	"fmt"
	"os"

	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/mesos-shim/executor/driver"
)

func main() {
	exec := driver.Funcs{
		OnLaunchTask: func(d driver.ExecutorDriver, t *mesos.TaskInfo) {
			d.SendStatusUpdate(&mesos.TaskStatus{TaskID: t.TaskID, State: mesos.TASK_RUNNING.Enum()})
			// ... run the task ...
			d.SendStatusUpdate(&mesos.TaskStatus{TaskID: t.TaskID, State: mesos.TASK_FINISHED.Enum()})
		},
	}
	d, err := driver.NewFromEnv(exec) // names every missing MESOS_* variable
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if st, _ := d.Run(); st != mesos.DRIVER_STOPPED {
		os.Exit(1)
	}
}
