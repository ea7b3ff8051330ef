// Command agentsim runs a scripted scenario of a simulated Mesos agent
// (package compat/agentsim) against an executor binary, prints the timeline
// of everything that crossed the wire, checks it, and ends with a verdict
// line: "VERDICT: PASS", or "VERDICT: FAIL: <reasons>" and exit status 1.
//
//	agentsim -executor bin/command-executor [-profile 1.12] [-scenario demo]
//
// The agent serves both wires on its one port, as a real one does; the
// executor picks one (the timeline's third column says which each message
// used, v0 for libprocess, v1 for the HTTP API) and the checks hold on
// either.
//
// `make demo` runs the demo scenario against examples/command-executor.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/golang/glog"

	"github.com/mesos-shim/executor/compat/agentsim"
	"github.com/mesos-shim/executor/logging"
	"github.com/mesos-shim/executor/logging/glogger"
)

// options are the command line.
type options struct {
	executor string
	profile  agentsim.Profile
	scenario scenario
	timeout  time.Duration
	protocol string // MESOS_SHIM_PROTOCOL for the executor; "" leaves it unset
}

func main() {
	_ = flag.Set("logtostderr", "true") // glog: no log files in /tmp
	logging.Set(glogger.New())
	opts, err := parseFlags(flag.CommandLine, os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "agentsim:", err)
		os.Exit(2)
	}
	code := run(opts, os.Stdout)
	glog.Flush()
	os.Exit(code)
}

func parseFlags(fs *flag.FlagSet, args []string) (options, error) {
	var profiles []string
	for _, p := range agentsim.Profiles() {
		profiles = append(profiles, p.Name)
	}
	executor := fs.String("executor", "", "path of the executor binary (required)")
	profile := fs.String("profile", agentsim.Newest().Name, "agent generation: "+strings.Join(profiles, ", "))
	name := fs.String("scenario", "demo", "scenario to run: "+strings.Join(scenarioNames(), ", "))
	timeout := fs.Duration("timeout", time.Minute, "bound on the whole scenario")
	protocol := fs.String("protocol", "", "MESOS_SHIM_PROTOCOL for the executor (auto, v0, v1); unset by default")
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	opts := options{executor: *executor, timeout: *timeout, protocol: *protocol}
	if opts.executor == "" {
		return opts, fmt.Errorf("-executor is required")
	}
	var err error
	if opts.profile, err = agentsim.ProfileByName(*profile); err != nil {
		return opts, err
	}
	opts.scenario, err = scenarioByName(*name)
	return opts, err
}

// run plays the scenario, prints the timeline, the checks and the verdict
// to out, and returns the exit status.
func run(opts options, out io.Writer) int {
	ctx, cancel := context.WithTimeout(context.Background(), opts.timeout)
	defer cancel()
	fmt.Fprintf(out, "agentsim: scenario %s, agent %s (%s), executor %s\n",
		opts.scenario.name, opts.profile, opts.profile.Describe, opts.executor)
	res := play(ctx, opts)
	fmt.Fprintln(out)
	res.trace.WriteTo(out)
	fmt.Fprintln(out)
	fmt.Fprintf(out, "wire: %s\n", wireText(res.wire))
	return report(out, res)
}

// wireText says which wire the executor chose by its first contact.
func wireText(w agentsim.Wire) string {
	switch w {
	case agentsim.WireV0:
		return "v0 (the executor registered with libprocess messages)"
	case agentsim.WireV1:
		return "v1 (the executor subscribed to the HTTP API)"
	}
	return "none (the executor never got through)"
}
