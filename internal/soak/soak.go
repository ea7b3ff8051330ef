// Package soak runs the driver through many agent restarts, each in the
// middle of a burst of status updates, and checks the promise the driver
// makes about them: every update reaches the agent and is acknowledged
// exactly once, updates of one task arrive in the order they were sent,
// and the executor comes back inside the agent's reregistration window.
//
// One executor (the driver in this process) lives through every cycle, so
// what a restart leaves behind (goroutines, connections, bookkeeping)
// accumulates and shows. make test runs a short soak (soak_test.go);
// make soak runs the long one through cmd/soak and prints the figures
// RELIABILITY.md quotes.
package soak

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mesos-shim/executor/compat/agentsim"
	"github.com/mesos-shim/executor/driver"
)

// Options describe one soak on one wire.
type Options struct {
	// Wire is the wire the driver is told to use (v0 or v1).
	Wire driver.Protocol
	// Cycles is how many bursts, each cut by one agent restart.
	Cycles int
	// Updates is the number of status updates in each burst, spread
	// round-robin over Tasks tasks.
	Updates int
	Tasks   int
	// RestartAfter is the fraction of a burst the agent accepts before it
	// is killed (0: one half).
	RestartAfter float64
	// Agent is the simulated agent's configuration; Checkpoint is forced
	// on (a restart without checkpointing ends the executor by design).
	Agent agentsim.AgentConfig
	// Tweak, if set, changes the driver's configuration before it starts.
	Tweak func(*driver.Config)
	// Progress, if set, is told about every finished cycle.
	Progress func(CycleResult)
}

// CycleResult is what one cycle showed.
type CycleResult struct {
	Cycle int
	// AcceptedBeforeCrash is how many of this burst's updates the agent had
	// accepted when it was killed; MidBurst says some were still unsent
	// or unacknowledged then.
	AcceptedBeforeCrash int
	MidBurst            bool
	// Comeback is the time from the restarted agent reaching out (legacy)
	// or listening (v1) to the executor's reregistration or resubscription.
	Comeback time.Duration
	// Replayed is how many updates came back inside the reregistration or
	// resubscription.
	Replayed int
	Elapsed  time.Duration
}

// Report sums up a soak. Lost, Duplicated and OutOfOrder must be zero and
// Problems empty for the soak to pass (see Err).
type Report struct {
	Wire   driver.Protocol
	Cycles int
	// Sent is how many updates the executor sent; Acknowledged how many
	// distinct ones the agent acknowledged.
	Sent, Acknowledged int
	// Lost: sent but never acknowledged. Duplicated: seen again in a later
	// cycle. OutOfOrder: updates that reached the agent before an update
	// of the same task sent earlier. AckProblems: an update acknowledged
	// never, or more often than once plus once per replay; an
	// acknowledgement of an update the agent never had; an update dropped.
	Lost, Duplicated, OutOfOrder, AckProblems int
	// Replayed counts updates carried again by a reregistration or a
	// resubscription; Reacknowledged those the agent acknowledged twice,
	// once before its crash and once as a replay (see ackProblems).
	Replayed, Reacknowledged int
	// MidBurst counts the restarts that came while updates of the burst
	// were still unsent or unacknowledged.
	MidBurst int
	// WorstComeback and MedianComeback are over the cycles' Comeback;
	// Window is the agent's reregistration timeout, which they must beat.
	WorstComeback, MedianComeback, Window time.Duration
	Elapsed                               time.Duration
	// Problems are the first few findings, described.
	Problems []string
}

// Err is nil when the soak kept every promise.
func (r Report) Err() error {
	if r.Lost == 0 && r.Duplicated == 0 && r.OutOfOrder == 0 && r.AckProblems == 0 && len(r.Problems) == 0 && r.Acknowledged == r.Sent {
		return nil
	}
	return fmt.Errorf("soak on %s: of %d sent, %d acknowledged, %d lost, %d duplicated, %d out of order, %d acknowledgement problems: %s",
		r.Wire, r.Sent, r.Acknowledged, r.Lost, r.Duplicated, r.OutOfOrder, r.AckProblems, strings.Join(r.Problems, "; "))
}

const maxProblems = 20

// Run soaks the driver on opts.Wire. An error means the soak could not be
// carried out (the agent failed to start, the executor was destroyed, ctx
// ended); broken promises are in the Report (see Report.Err).
func Run(ctx context.Context, opts Options) (Report, error) {
	opts = opts.withDefaults()
	rep := Report{Wire: opts.Wire, Window: opts.Agent.ReregistrationTimeout}
	s, err := start(ctx, opts)
	if err != nil {
		return rep, err
	}
	defer s.close()
	began := time.Now()
	var comebacks []time.Duration
	for c := 0; c < opts.Cycles; c++ {
		res, err := s.cycle(ctx, c, &rep)
		if err != nil {
			return rep, fmt.Errorf("soak on %s, cycle %d: %w\nthe agent's trace, last entries:\n%s", opts.Wire, c, err, s.traceTail(60))
		}
		rep.Cycles++
		comebacks = append(comebacks, res.Comeback)
		rep.Replayed += res.Replayed
		if res.MidBurst {
			rep.MidBurst++
		}
		if opts.Progress != nil {
			opts.Progress(res)
		}
	}
	rep.Elapsed = time.Since(began)
	rep.WorstComeback, rep.MedianComeback = WorstAndMedian(comebacks)
	return rep, nil
}

func (o Options) withDefaults() Options {
	if o.Wire == "" || o.Wire == driver.ProtocolAuto {
		o.Wire = driver.ProtocolV1
	}
	if o.Cycles <= 0 {
		o.Cycles = 1
	}
	if o.Tasks <= 0 {
		o.Tasks = 1
	}
	if o.Updates < o.Tasks {
		o.Updates = o.Tasks
	}
	if o.RestartAfter <= 0 || o.RestartAfter >= 1 {
		o.RestartAfter = 0.5
	}
	o.Agent.Checkpoint = true
	if o.Agent.ReregistrationTimeout == 0 {
		o.Agent.ReregistrationTimeout = agentsim.DefaultReregistrationTimeout
	}
	return o
}

// WorstAndMedian is the largest and the median of ds (zero for none).
func WorstAndMedian(ds []time.Duration) (worst, median time.Duration) {
	if len(ds) == 0 {
		return 0, 0
	}
	sorted := append([]time.Duration(nil), ds...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	return sorted[len(sorted)-1], sorted[len(sorted)/2]
}

// message numbers an update: cycle and its sequence within its task.
func message(cycle, seq int) string { return fmt.Sprintf("c%d/%d", cycle, seq) }

// parseMessage reverses message.
func parseMessage(m string) (cycle, seq int, err error) {
	c, s, ok := strings.Cut(strings.TrimPrefix(m, "c"), "/")
	if !ok || !strings.HasPrefix(m, "c") {
		return 0, 0, fmt.Errorf("update message %q is not the soak's", m)
	}
	if cycle, err = strconv.Atoi(c); err == nil {
		seq, err = strconv.Atoi(s)
	}
	return cycle, seq, err
}

var errBurst = errors.New("the burst was refused")
