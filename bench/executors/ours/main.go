// Command ours is the benchmark's minimal executor on this project's driver.
// On each LaunchTask it sends K TASK_RUNNING updates (K is the task's data,
// in decimal), each as soon as SendStatusUpdate returns, then TASK_FINISHED.
// A task whose data is "rtt:K" sends its K updates one at a time instead,
// each once AwaitAcknowledgements says the one before it was acknowledged,
// and writes the round trips to bench-roundtrips before its TASK_FINISHED.
// The wire is the driver's choice, or MESOS_SHIM_PROTOCOL (v0, v1). Without
// checkpointing the driver ends when the agent is lost; the process exits.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/mesos-shim/executor/bench/internal/task"
	"github.com/mesos-shim/executor/driver"
)

func main() {
	defer task.StartProfile()()
	exec := driver.Funcs{
		OnLaunchTask: func(d driver.ExecutorDriver, t *mesos.TaskInfo) {
			k, roundTrips := task.Parse(t.Data)
			id := t.TaskID
			go func() { // callbacks run one at a time: tasks run concurrently
				if roundTrips {
					measureRoundTrips(d, id, k)
				} else {
					for i := 0; i < k; i++ {
						d.SendStatusUpdate(&mesos.TaskStatus{TaskID: id, State: mesos.TASK_RUNNING.Enum()})
					}
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

// measureRoundTrips sends k updates, each once the one before it has been
// acknowledged (nothing else is outstanding: AwaitAcknowledgements returns
// when this one is).
func measureRoundTrips(d driver.ExecutorDriver, id mesos.TaskID, k int) {
	rtts := make([]time.Duration, 0, k)
	for i := 0; i < k; i++ {
		t0 := time.Now()
		d.SendStatusUpdate(&mesos.TaskStatus{TaskID: id, State: mesos.TASK_RUNNING.Enum()})
		if err := d.AwaitAcknowledgements(context.Background()); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return
		}
		rtts = append(rtts, time.Since(t0))
	}
	if err := task.WriteRoundTrips(rtts); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
}
