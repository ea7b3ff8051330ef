package matrix

import (
	"context"
	"fmt"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/mesos-shim/executor/compat/agentsim"
)

// Timings of every cell: short, so that the whole matrix stays fast.
const (
	shutdownGrace   = 2 * time.Second       // the agent's, exported from 0.28 on
	restartDowntime = 50 * time.Millisecond // a real agent needs ~250 ms
	killGrace       = time.Second           // the kill policy sent from 1.0 on
	holdAcks        = time.Hour             // longer than any cell
	// ownExitWait is how long, once its tasks ended and every update is
	// acknowledged, a cell waits for the executor to exit on its own
	// before it shuts it down: Mesos's command executor exits at once on
	// the acknowledgement (1.x), or a second after its terminal update
	// (0.2x); other executors wait to be shut down.
	ownExitWait = 2 * time.Second
)

// The scenarios' tasks and framework message.
const (
	task1 = "task-1"
	task2 = "task-2"
)

// echoData is binary, as a captured framework message was.
var echoData = []byte("matrix \x00\xff\x80 echo \xe2\x98\x83")

// Scenario is one script played against the executor, and the checks its
// trace must pass.
type Scenario struct {
	// Name is how options and the table name it, e.g. "kill".
	Name string
	// Describe says what the script does and what the checks require.
	Describe string

	// needs says why an agent generation cannot run it, or "".
	needs func(agentsim.Profile) string
	// configure adjusts the agent.
	configure func(*agentsim.AgentConfig)
	// script drives the agent; an error ends the cell early (and fails it).
	script func(r *run) error
	// checks judge the cell.
	checks func(r *run) []Check
}

// run is one cell being played.
type run struct {
	ctx      context.Context
	agent    *agentsim.Agent
	executor Executor
	profile  agentsim.Profile
	mode     Mode
	inst     instance

	// Set by waitExit.
	exited  bool
	exitOK  bool
	exitHow string
	// entries is the trace, set once the agent is closed.
	entries []agentsim.Entry
}

// step is one named action of a script.
type step struct {
	name string
	do   func() error
}

func steps(ss ...step) error {
	for _, s := range ss {
		if err := s.do(); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	return nil
}

func (r *run) launchTask(id, command string) step {
	return step{fmt.Sprintf("launch %s (%s)", id, command), func() error {
		return r.agent.Launch(agentsim.CommandTask(id, command))
	}}
}

func (r *run) startExecutor() step {
	return step{"start the executor", func() error {
		inst, err := r.executor.start(r.agent, r.mode)
		r.inst = inst
		return err
	}}
}

func (r *run) waitRegistered() step {
	return step{"wait for registration", func() error { return r.agent.WaitRegistered(r.ctx) }}
}

func (r *run) waitUpdate(id string, state mesos.TaskState) step {
	return step{fmt.Sprintf("wait for %s %s", id, state), func() error {
		_, err := r.agent.WaitUpdate(r.ctx, id, state)
		return err
	}}
}

func (r *run) waitAcks() step {
	return step{"wait for every acknowledgement", func() error { return r.agent.WaitAllAcknowledged(r.ctx) }}
}

func (r *run) waitExit() step {
	return step{"wait for the executor to end", func() error {
		ok, how, err := r.inst.wait(r.ctx)
		if err != nil {
			return err
		}
		r.exited, r.exitOK, r.exitHow = true, ok, how
		return nil
	}}
}

// start queues tasks as a real agent does (it launches an executor for a
// task; since 1.0 it shuts down one that registers with nothing to run),
// starts the executor and waits for its registration.
func (r *run) start(tasks ...step) []step {
	return append(tasks, r.startExecutor(), r.waitRegistered())
}

// end ends a cell whose tasks all ended: the executor exits on its own
// once their updates are acknowledged, as Mesos's command executor does,
// or, if it has not within ownExitWait (or half the time left in the
// cell, if less), is shut down.
func (r *run) end() []step {
	return []step{r.waitAcks(), {"wait for the executor to exit on its own, else shut it down", func() error {
		wait := ownExitWait
		if deadline, ok := r.ctx.Deadline(); ok {
			wait = min(wait, time.Until(deadline)/2)
		}
		ctx, cancel := context.WithTimeout(r.ctx, wait)
		ok, how, err := r.inst.wait(ctx)
		cancel()
		if err == nil {
			r.exited, r.exitOK, r.exitHow = true, ok, how
			return nil
		}
		if r.ctx.Err() != nil {
			return err
		}
		if err := r.agent.Shutdown(); err != nil {
			return err
		}
		return r.waitExit().do()
	}}}
}

// shutdown ends a cell as an agent ends an executor.
func (r *run) shutdown() []step {
	return []step{r.waitAcks(), {"shut the executor down", r.agent.Shutdown}, r.waitExit()}
}

func (r *run) script(parts ...[]step) error {
	var all []step
	for _, p := range parts {
		all = append(all, p...)
	}
	return steps(all...)
}

// Scenarios lists every scenario, in the order of the table.
func Scenarios() []Scenario {
	return []Scenario{
		{
			Name:     "register",
			Describe: "the executor registers (or subscribes) once, on the wire the mode asks for, and runs the queued task",
			script: func(r *run) error {
				return r.script(r.start(r.launchTask(task1, "sleep 30")), []step{r.waitUpdate(task1, mesos.TASK_RUNNING)}, r.shutdown())
			},
			checks: func(r *run) []Check {
				return append([]Check{registeredOnce(r.entries)}, cleanEnd(r, task1, mesos.TASK_RUNNING, mesos.TASK_KILLED)...)
			},
		},
		{
			Name:     "launch-and-finish",
			Describe: "a task running `true` goes TASK_RUNNING → TASK_FINISHED, each update acknowledged once",
			script: func(r *run) error {
				return r.script(r.start(r.launchTask(task1, "true")), []step{r.waitUpdate(task1, mesos.TASK_FINISHED)}, r.end())
			},
			checks: func(r *run) []Check { return cleanEnd(r, task1, mesos.TASK_RUNNING, mesos.TASK_FINISHED) },
		},
		{
			Name:     "failed-task",
			Describe: "a task running `false` goes TASK_RUNNING → TASK_FAILED",
			script: func(r *run) error {
				return r.script(r.start(r.launchTask(task1, "false")), []step{r.waitUpdate(task1, mesos.TASK_FAILED)}, r.end())
			},
			checks: func(r *run) []Check { return cleanEnd(r, task1, mesos.TASK_RUNNING, mesos.TASK_FAILED) },
		},
		{
			Name:     "kill",
			Describe: "a task running `sleep 30` is killed (with a 1 s kill policy from 1.0 on) and goes TASK_KILLED",
			script: func(r *run) error {
				return r.script(r.start(r.launchTask(task1, "sleep 30")), []step{
					r.waitUpdate(task1, mesos.TASK_RUNNING),
					{"kill " + task1, func() error {
						return r.agent.Kill(task1, &mesos.KillPolicy{GracePeriod: &mesos.DurationInfo{Nanoseconds: int64(killGrace)}})
					}},
					r.waitUpdate(task1, mesos.TASK_KILLED),
				}, r.end())
			},
			checks: func(r *run) []Check {
				return append(cleanEnd(r, task1, mesos.TASK_RUNNING, mesos.TASK_KILLED), killedBeforeShutdown(r.entries, task1))
			},
		},
		{
			Name:     "framework-messages",
			Describe: "a binary framework message reaches the executor and is echoed back unchanged",
			script: func(r *run) error {
				return r.script(r.start(r.launchTask(task1, "sleep 30")), []step{
					r.waitUpdate(task1, mesos.TASK_RUNNING),
					{"send a framework message", func() error { return r.agent.FrameworkMessage(echoData) }},
					{"wait for its echo", func() error { return r.agent.WaitFrameworkMessage(r.ctx, echoData) }},
				}, r.shutdown())
			},
			checks: func(r *run) []Check {
				return append(cleanEnd(r, task1, mesos.TASK_RUNNING, mesos.TASK_KILLED), echoed(r.entries, echoData))
			},
		},
		{
			Name: "agent-restart-with-checkpoint",
			Describe: "with checkpointing, the agent restarts while TASK_KILLED is unacknowledged: " +
				"the executor reregisters (or re-subscribes) in time and resends it",
			configure: func(c *agentsim.AgentConfig) { c.Checkpoint = true },
			script: func(r *run) error {
				return r.script(r.start(r.launchTask(task1, "sleep 30")), []step{
					r.waitUpdate(task1, mesos.TASK_RUNNING),
					r.waitAcks(),
					{"hold acknowledgements", func() error { r.agent.SetAckDelay(holdAcks); return nil }},
					{"kill " + task1, func() error { return r.agent.Kill(task1, nil) }},
					r.waitUpdate(task1, mesos.TASK_KILLED),
					{"restart the agent", func() error {
						r.agent.SetAckDelay(0) // the held acknowledgement dies with the agent
						_, err := r.agent.Restart(r.ctx, true)
						return err
					}},
				}, r.end())
			},
			checks: func(r *run) []Check {
				return append(cleanEnd(r, task1, mesos.TASK_RUNNING, mesos.TASK_KILLED),
					replayedAcrossRestart(r.entries, task1, mesos.TASK_KILLED), reregisteredInTime(r.entries))
			},
		},
		{
			Name:     "agent-death-without-checkpoint",
			Describe: "without checkpointing, the agent dies: the executor notices and ends on its own",
			script: func(r *run) error {
				return r.script(r.start(r.launchTask(task1, "sleep 30")), []step{
					r.waitUpdate(task1, mesos.TASK_RUNNING),
					r.waitAcks(),
					{"crash the agent", func() error { r.agent.Crash(); return nil }},
					r.waitExit(),
				})
			},
			checks: func(r *run) []Check {
				return []Check{
					taskStates(r.entries, task1, mesos.TASK_RUNNING),
					ackedExactlyOnce(r.entries),
					nothingRefused(r.entries, 0),
					endedOnItsOwn(r),
				}
			},
		},
		{
			Name:     "shutdown",
			Describe: "the agent shuts the executor down with a task running: TASK_KILLED, acknowledged, then a clean exit within the grace period",
			script: func(r *run) error {
				return r.script(r.start(r.launchTask(task1, "sleep 30")), []step{r.waitUpdate(task1, mesos.TASK_RUNNING)}, r.shutdown())
			},
			checks: func(r *run) []Check { return cleanEnd(r, task1, mesos.TASK_RUNNING, mesos.TASK_KILLED) },
		},
		{
			Name:     "task-group",
			Describe: "a task group of `true` and `sleep 30`: the first finishes, the second is killed by the shutdown",
			needs: func(p agentsim.Profile) string {
				// Task groups came with 1.1, as SUBSCRIBED.container_id did.
				if !p.TaskGroups {
					return "no task groups before 1.1"
				}
				return ""
			},
			script: func(r *run) error {
				group := mesos.TaskGroupInfo{Tasks: []mesos.TaskInfo{
					agentsim.CommandTask(task1, "true"), agentsim.CommandTask(task2, "sleep 30")}}
				return r.script(r.start(step{"launch the group", func() error { return r.agent.LaunchGroup(group) }}), []step{
					r.waitUpdate(task1, mesos.TASK_FINISHED),
					r.waitUpdate(task2, mesos.TASK_RUNNING),
				}, r.shutdown())
			},
			checks: func(r *run) []Check {
				return append(cleanEnd(r, task1, mesos.TASK_RUNNING, mesos.TASK_FINISHED),
					taskStates(r.entries, task2, mesos.TASK_RUNNING, mesos.TASK_KILLED))
			},
		},
		{
			Name: "bad-input",
			Describe: "the executor survives what it must refuse (v0: a malformed message, an unknown name, " +
				"a framework message from a stranger; v1: an event of an unknown type) and echoes only the real framework message",
			script: func(r *run) error {
				return r.script(r.start(r.launchTask(task1, "sleep 30")), []step{
					r.waitUpdate(task1, mesos.TASK_RUNNING),
					{"send bad input", r.agent.InjectBadInput},
					{"send a framework message", func() error { return r.agent.FrameworkMessage(echoData) }},
					{"wait for its echo", func() error { return r.agent.WaitFrameworkMessage(r.ctx, echoData) }},
				}, r.shutdown())
			},
			checks: func(r *run) []Check {
				return append(cleanEnd(r, task1, mesos.TASK_RUNNING, mesos.TASK_KILLED), echoed(r.entries, echoData))
			},
		},
	}
}

// ScenarioByName returns the scenario called name.
func ScenarioByName(name string) (Scenario, error) {
	var names []string
	for _, sc := range Scenarios() {
		if sc.Name == name {
			return sc, nil
		}
		names = append(names, sc.Name)
	}
	return Scenario{}, fmt.Errorf("matrix: no scenario %q (have %v)", name, names)
}
