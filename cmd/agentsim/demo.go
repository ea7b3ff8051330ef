package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/mesos-shim/executor/compat/agentsim"
)

// The demo's tasks and framework message.
const (
	sleeper = "task-1" // sleep 30, killed
	echoer  = "task-2" // echo hello, finishes
)

// echoData is binary, as the captured framework message was.
var echoData = []byte("agentsim demo \x00\xff\x80 echo \xe2\x98\x83")

// Timings of a real agent (testdata/captures/mesos-1.12-dev/README.md): acks
// come 9-30 ms after an update, and a restarted agent sends its Reconnect
// about 250 ms after the crash.
const (
	demoAckDelay = 10 * time.Millisecond
	demoDowntime = 250 * time.Millisecond
	holdAcks     = time.Hour // longer than any demo: the restart comes first
	// ownExitWait is how long, once every update is acknowledged, the
	// demo waits for the executor to exit on its own before it shuts it
	// down: Mesos's command executor exits at once on the acknowledgement
	// (1.x), or a second after its terminal update (0.2x).
	ownExitWait = 2 * time.Second
)

// demo: a checkpointing command executor runs two tasks, echoes a framework
// message, loses its agent with an update unacknowledged, reregisters, and
// exits on its own once its tasks ended and their updates are acknowledged
// (an executor that does not is shut down).
var demo = scenario{
	name: "demo",
	configure: func(c *agentsim.AgentConfig) {
		c.Checkpoint = true
		c.AckDelay = demoAckDelay
		c.RestartDowntime = demoDowntime
	},
	script: demoScript,
	checks: demoChecks,
}

// step is one named action of a script.
type step struct {
	name string
	do   func() error
}

func runSteps(steps []step) error {
	for _, s := range steps {
		if err := s.do(); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	return nil
}

// launchLikeAnAgent starts the executor with the argv a real agent gives
// its command executor: mesos-executor --launcher_dir=<dir>.
func launchLikeAnAgent(a *agentsim.Agent, executor string) error {
	dir, err := filepath.Abs(filepath.Dir(executor))
	if err != nil {
		return err
	}
	return a.LaunchExecutor(executor, "--launcher_dir="+dir)
}

func demoScript(ctx context.Context, a *agentsim.Agent, executor string) error {
	wait := func(task string, state mesos.TaskState) step {
		return step{fmt.Sprintf("wait for %s %s", task, state), func() error {
			_, err := a.WaitUpdate(ctx, task, state)
			return err
		}}
	}
	// A real agent launches an executor for a task, and since 1.0 shuts
	// down one that registers with nothing to run: task 1 is queued first.
	return runSteps([]step{
		{"launch task 1", func() error { return a.Launch(agentsim.CommandTask(sleeper, "sleep 30")) }},
		{"launch the executor", func() error { return launchLikeAnAgent(a, executor) }},
		{"wait for registration", func() error { return a.WaitRegistered(ctx) }},
		wait(sleeper, mesos.TASK_RUNNING),
		{"launch task 2", func() error { return a.Launch(agentsim.CommandTask(echoer, "echo hello")) }},
		wait(echoer, mesos.TASK_FINISHED),
		{"send bad input", a.InjectBadInput},
		{"send a framework message", func() error { return a.FrameworkMessage(echoData) }},
		{"wait for its echo", func() error { return a.WaitFrameworkMessage(ctx, echoData) }},
		{"wait for every acknowledgement", func() error { return a.WaitAllAcknowledged(ctx) }},
		{"hold acknowledgements", func() error { a.SetAckDelay(holdAcks); return nil }},
		{"kill task 1", func() error { return a.Kill(sleeper, nil) }},
		wait(sleeper, mesos.TASK_KILLED),
		{"restart the agent", func() error {
			a.SetAckDelay(demoAckDelay)
			_, err := a.Restart(ctx, true)
			return err
		}},
		{"wait for every acknowledgement", func() error { return a.WaitAllAcknowledged(ctx) }},
		{"wait for the executor to exit on its own, else shut it down", func() error {
			_, _, err := a.AwaitOwnExitOrShutdown(ctx, ownExitWait)
			return err
		}},
	})
}
