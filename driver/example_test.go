package driver_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/mesos-shim/executor/compat/agentsim"
	"github.com/mesos-shim/executor/driver"
)

// A minimal executor: every task runs to completion at once. Run it as the
// agent runs an executor, with the agent's environment; NewFromEnv names
// every variable that is missing.
func ExampleFuncs() {
	exec := driver.Funcs{
		OnLaunchTask: func(d driver.ExecutorDriver, t *mesos.TaskInfo) {
			d.SendStatusUpdate(&mesos.TaskStatus{TaskID: t.TaskID, State: mesos.TASK_RUNNING.Enum()})
			d.SendStatusUpdate(&mesos.TaskStatus{TaskID: t.TaskID, State: mesos.TASK_FINISHED.Enum()})
		},
		// OnShutdown left nil: the driver is stopped on Shutdown.
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

// Sending updates: a task's updates go to the agent in the order they are
// sent, and the driver keeps each until the agent acknowledges it. A
// message and data can ride along; TASK_STAGING is refused with an error.
func ExampleExecutorDriver_sendingUpdates() {
	launch := func(d driver.ExecutorDriver, t *mesos.TaskInfo) {
		if _, err := d.SendStatusUpdate(&mesos.TaskStatus{
			TaskID:  t.TaskID,
			State:   mesos.TASK_RUNNING.Enum(),
			Message: proto.String("started"),
		}); err != nil {
			fmt.Fprintln(os.Stderr, "update refused:", err)
			return
		}
		go func() { // run the task off the callback goroutine
			err := work(t.Data)
			final := &mesos.TaskStatus{TaskID: t.TaskID, State: mesos.TASK_FINISHED.Enum()}
			if err != nil {
				final.State = mesos.TASK_FAILED.Enum()
				final.Message = proto.String(err.Error())
			}
			d.SendStatusUpdate(final)
		}()
	}
	_ = driver.Funcs{OnLaunchTask: launch}
}

func work([]byte) error { return nil }

// killer kills tasks within the grace period of the kill policy, when the
// agent sent one (Mesos 1.0 and later), or a default otherwise. Because it
// implements KillPolicyReceiver, the driver calls KillTaskWithPolicy
// instead of KillTask.
type killer struct {
	driver.Funcs
	stop func(taskID string, grace time.Duration) // signals the task, waits at most grace, then ends it
}

func (k killer) KillTaskWithPolicy(d driver.ExecutorDriver, id *mesos.TaskID, policy *mesos.KillPolicy) {
	grace := 3 * time.Second
	if policy != nil && policy.GracePeriod != nil {
		grace = time.Duration(policy.GracePeriod.Nanoseconds)
	}
	go func() { // never block a callback for the grace period
		k.stop(id.Value, grace)
		d.SendStatusUpdate(&mesos.TaskStatus{TaskID: *id, State: mesos.TASK_KILLED.Enum()})
	}()
}

// Reacting to a kill with the kill policy's grace period.
func ExampleKillPolicyReceiver() {
	var exec driver.Executor = killer{stop: func(string, time.Duration) {}}
	if _, ok := exec.(driver.KillPolicyReceiver); ok {
		fmt.Println("the driver passes the kill policy")
	}
	// Output: the driver passes the kill policy
}

// Exiting only once the terminal updates are acknowledged: the agent owns
// an update once it has acknowledged it, so an executor that exits earlier
// can lose it. Bound the wait: the agent may be gone.
func ExampleDriver_AwaitAcknowledgements() {
	exec := driver.Funcs{
		OnShutdown: func(d driver.ExecutorDriver) {
			// ... kill every task and send its TASK_KILLED ...
			go func() { // acknowledgements arrive while callbacks are blocked, but keep them free
				ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
				defer cancel()
				if err := d.AwaitAcknowledgements(ctx); err != nil {
					fmt.Fprintln(os.Stderr, "exiting with updates unacknowledged:", err)
				}
				d.Stop()
			}()
		},
	}
	d, err := driver.NewFromEnv(exec)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	d.Run()
}

// Testing an executor in-process against the simulated agent: the agent
// gives the executor its environment, launches a task and shuts the
// executor down; the test waits on the agent's state, never on a timer.
func Example_testingWithTheSimulatedAgent() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	agent, err := agentsim.Start(ctx, agentsim.AgentConfig{Profile: agentsim.Newest()})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer agent.Close()
	agent.Launch(mesos.TaskInfo{Name: "t1", TaskID: mesos.TaskID{Value: "t1"}}) // queued until registration

	cfg, err := driver.ConfigFromEnv(agent.InProcessGetenv) // loopback, whatever the profile
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg.KeepProcessGroup = true // the process group is the test's, never the executor's to end
	exec := driver.Funcs{OnLaunchTask: func(d driver.ExecutorDriver, t *mesos.TaskInfo) {
		d.SendStatusUpdate(&mesos.TaskStatus{TaskID: t.TaskID, State: mesos.TASK_RUNNING.Enum()})
		d.SendStatusUpdate(&mesos.TaskStatus{TaskID: t.TaskID, State: mesos.TASK_FINISHED.Enum()})
	}}
	d, err := driver.New(exec, cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := d.Start(); err != nil {
		fmt.Println(err)
		return
	}
	defer d.Stop()

	u, err := agent.WaitUpdate(ctx, "t1", mesos.TASK_FINISHED)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := agent.WaitAllAcknowledged(ctx); err != nil {
		fmt.Println(err)
		return
	}
	agent.Shutdown()
	st, _ := d.Join()
	fmt.Println("task", u.TaskID, u.State)
	fmt.Println("updates:", len(agent.Updates()))
	fmt.Println("driver:", st)
	// Output:
	// task t1 TASK_FINISHED
	// updates: 2
	// driver: DRIVER_STOPPED
}
