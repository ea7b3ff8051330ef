package main

import (
	"context"
	"fmt"
	"sort"

	"github.com/mesos-shim/executor/compat/agentsim"
)

// scenario is a script played against one executor, and the checks its
// trace must pass.
type scenario struct {
	name string
	// configure adjusts the agent the scenario needs.
	configure func(*agentsim.AgentConfig)
	// script drives the agent; an error ends the run early.
	script func(ctx context.Context, a *agentsim.Agent, executor string) error
	// checks judge the whole trace.
	checks func([]agentsim.Entry) []check
}

var scenarios = map[string]scenario{
	"demo":   demo,
	"orphan": orphan,
}

func scenarioNames() []string {
	var names []string
	for n := range scenarios {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func scenarioByName(name string) (scenario, error) {
	s, ok := scenarios[name]
	if !ok {
		return scenario{}, fmt.Errorf("no scenario %q (have %v)", name, scenarioNames())
	}
	return s, nil
}

// result is what a run leaves to be judged.
type result struct {
	trace *agentsim.Trace
	// wire is the wire the executor chose ("" if it never got through).
	wire   agentsim.Wire
	checks []check
}

// play starts an agent, runs the script, stops the agent (killing the
// executor if it is still there) and checks the trace.
func play(ctx context.Context, opts options) result {
	cfg := agentsim.AgentConfig{Profile: opts.profile}
	if opts.protocol != "" {
		cfg.ExecutorEnv = append(cfg.ExecutorEnv, "MESOS_SHIM_PROTOCOL="+opts.protocol)
	}
	opts.scenario.configure(&cfg)
	a, err := agentsim.Start(ctx, cfg)
	if err != nil {
		return result{trace: agentsim.NewTrace(), checks: []check{{name: "the agent starts", fail: err.Error()}}}
	}
	scriptErr := opts.scenario.script(ctx, a, opts.executor)
	a.Close()
	checks := []check{{name: "the script runs to its end", fail: errText(scriptErr)}}
	checks = append(checks, opts.scenario.checks(a.Trace().Entries())...)
	return result{trace: a.Trace(), wire: a.Wire(), checks: checks}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
