package main

import (
	"context"
	"fmt"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/mesos-shim/executor/compat/agentsim"
)

// orphanGrace is the shutdown grace period the orphan scenario exports, so
// that an executor that gives up waiting for acknowledgements exits soon.
const orphanGrace = time.Second

// orphan: a non-checkpointing executor whose agent crashes and comes back
// without any record of it (the captures' v0-f run). The agent sends it
// nothing; it must notice the broken link and exit on its own.
var orphan = scenario{
	name: "orphan",
	configure: func(c *agentsim.AgentConfig) {
		c.AckDelay = demoAckDelay
		c.RestartDowntime = demoDowntime
		c.ShutdownGracePeriod = orphanGrace
	},
	script: orphanScript,
	checks: orphanChecks,
}

func orphanScript(ctx context.Context, a *agentsim.Agent, executor string) error {
	return runSteps([]step{
		{"launch task 1", func() error { return a.Launch(agentsim.CommandTask(sleeper, "sleep 30")) }},
		{"launch the executor", func() error { return launchLikeAnAgent(a, executor) }},
		{"wait for registration", func() error { return a.WaitRegistered(ctx) }},
		{"wait for task 1 TASK_RUNNING", func() error {
			_, err := a.WaitUpdate(ctx, sleeper, mesos.TASK_RUNNING)
			return err
		}},
		{"restart the agent without checkpoint", func() error {
			_, err := a.Restart(ctx, false)
			return err
		}},
		{"wait for the executor to exit on its own", func() error {
			ctx, cancel := context.WithTimeout(ctx, 2*orphanGrace+5*time.Second)
			defer cancel()
			_, err := a.WaitExecutorExit(ctx)
			return err
		}},
	})
}

func orphanChecks(es []agentsim.Entry) []check {
	crashed, forgotten, sent := false, false, 0
	var exit *agentsim.Entry
	for i, e := range es {
		crashed = crashed || e.Name == agentsim.EventAgentCrashed
		forgotten = forgotten || e.Name == agentsim.EventForgotten
		if forgotten && e.Dir == agentsim.ToExecutor {
			sent++
		}
		if crashed && e.Name == agentsim.EventExited {
			exit = &es[i]
		}
	}
	// The executor may be gone before the new agent is even up: it exits as
	// soon as it has noticed the crash and shut its tasks down.
	exited := check{name: "the executor exited cleanly on its own after the agent died"}
	switch {
	case exit == nil:
		exited.fail = "it did not exit"
	case !exit.Exit.Success():
		exited.fail = exit.Exit.String()
	default:
		exited.name += " (" + exit.Exit.String() + ")"
	}
	quiet := check{name: "the restarted agent sent the executor nothing"}
	if sent > 0 {
		quiet.fail = fmt.Sprintf("%d messages", sent)
	}
	return []check{
		taskStates(beforeRestart(es), sleeper, mesos.TASK_RUNNING),
		exited,
		quiet,
		noDestroy(es),
	}
}

// noDestroy: the agent never had to kill the executor.
func noDestroy(es []agentsim.Entry) check {
	for _, e := range es {
		if e.Name == agentsim.EventDestroyed {
			return check{name: "the agent did not have to destroy the executor", fail: e.Detail}
		}
	}
	return check{name: "the agent did not have to destroy the executor"}
}

// beforeRestart is the trace up to the scripted restart. What the orphan
// sends the new agent afterwards (a mesos-go v1 executor reported its
// TASK_KILLED, captures' v1-f) is refused or dropped; "quiet" checks that
// the agent accepted none of it.
func beforeRestart(es []agentsim.Entry) []agentsim.Entry {
	for i, e := range es {
		if e.Dir == agentsim.Script && e.Name == "Restart" {
			return es[:i]
		}
	}
	return es
}
