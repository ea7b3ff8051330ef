package matrix

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mesos-shim/executor/compat/agentsim"
)

// Mode is the wire the executor is asked to speak, through
// MESOS_SHIM_PROTOCOL for a binary and Config.Protocol in-process.
type Mode string

// The modes: the executor's own choice, or one wire forced.
const (
	Auto Mode = "auto"
	V0   Mode = "v0"
	V1   Mode = "v1"
)

// Modes lists every mode, in the order of the table's columns.
func Modes() []Mode { return []Mode{Auto, V0, V1} }

// Verdict is a cell's outcome.
type Verdict string

// The verdicts.
const (
	Pass Verdict = "PASS"
	Fail Verdict = "FAIL"
	NA   Verdict = "N/A"
)

// Defaults for the zero fields of Options.
const (
	DefaultParallel    = 4
	DefaultCellTimeout = 30 * time.Second
)

// Options chooses the executor and the cells.
type Options struct {
	// Executor is the executor under test (required).
	Executor Executor
	// Profiles are the agent generations (nil: agentsim.Profiles()). A
	// modified profile may stand for an agent that never existed.
	Profiles []agentsim.Profile
	// Scenarios are scenario names (nil: every scenario, see Scenarios()).
	Scenarios []string
	// Modes are the wires (nil: Modes()).
	Modes []Mode
	// Parallel is how many cells run at once (0: DefaultParallel).
	Parallel int
	// CellTimeout bounds each cell (0: DefaultCellTimeout).
	CellTimeout time.Duration
}

// Check is one judgement of a cell's trace: it passed when Fail is empty.
type Check struct {
	Name string
	Fail string
}

// Cell is the outcome of one scenario against one agent on one mode.
type Cell struct {
	Profile  agentsim.Profile
	Scenario string
	Mode     Mode
	Verdict  Verdict
	// Reason is why the cell is N/A, or its first failed check.
	Reason string
	// Wire is the wire the executor registered on ("" if it never did).
	Wire agentsim.Wire
	// Checks are every check of the cell, passed or failed.
	Checks []Check
	// Trace is the agent's timeline, for diagnosing a failure.
	Trace string
	// Elapsed is how long the cell took (not part of Markdown).
	Elapsed time.Duration
}

// Name is "profile/scenario/mode", the subtest name Test gives the cell.
func (c Cell) Name() string { return c.Profile.Name + "/" + c.Scenario + "/" + string(c.Mode) }

// Report is the cell's checks, one a line, and its verdict.
func (c Cell) Report() string {
	var b strings.Builder
	for _, ch := range c.Checks {
		if ch.Fail == "" {
			fmt.Fprintf(&b, "check ok    %s\n", ch.Name)
		} else {
			fmt.Fprintf(&b, "check FAIL  %s: %s\n", ch.Name, ch.Fail)
		}
	}
	fmt.Fprintf(&b, "%s %s", c.Name(), c.Verdict)
	if c.Reason != "" {
		fmt.Fprintf(&b, ": %s", c.Reason)
	}
	return b.String()
}

// Result is the whole matrix, its cells in the order profile, scenario,
// mode, as Options listed them.
type Result struct {
	Executor  string
	Profiles  []agentsim.Profile
	Scenarios []Scenario
	Modes     []Mode
	Cells     []Cell
	// Elapsed is the wall-clock time of the whole run.
	Elapsed time.Duration
}

// Failed lists the cells that failed.
func (r Result) Failed() []Cell {
	var out []Cell
	for _, c := range r.Cells {
		if c.Verdict == Fail {
			out = append(out, c)
		}
	}
	return out
}

// Cell returns the cell of profile, scenario and mode.
func (r Result) Cell(profile, scenario string, mode Mode) (Cell, bool) {
	for _, c := range r.Cells {
		if c.Profile.Name == profile && c.Scenario == scenario && c.Mode == mode {
			return c, true
		}
	}
	return Cell{}, false
}

// Count is how many cells have verdict v.
func (r Result) Count(v Verdict) int {
	n := 0
	for _, c := range r.Cells {
		if c.Verdict == v {
			n++
		}
	}
	return n
}

// Run plays every cell the options choose and returns their verdicts. The
// error is for options that cannot run (no executor, an unknown scenario);
// failed cells are in the Result.
func Run(ctx context.Context, opts Options) (Result, error) {
	opts, scenarios, err := opts.resolve()
	if err != nil {
		return Result{}, err
	}
	res := Result{Executor: opts.Executor.String(), Profiles: opts.Profiles, Scenarios: scenarios, Modes: opts.Modes}
	type job struct {
		i  int
		p  agentsim.Profile
		sc Scenario
		m  Mode
	}
	var jobs []job
	for _, p := range opts.Profiles {
		for _, sc := range scenarios {
			for _, m := range opts.Modes {
				jobs = append(jobs, job{len(jobs), p, sc, m})
			}
		}
	}
	res.Cells = make([]Cell, len(jobs))
	start := time.Now()
	queue := make(chan job)
	var wg sync.WaitGroup
	for range min(opts.Parallel, max(len(jobs), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range queue {
				began := time.Now()
				c := runCell(ctx, opts, j.p, j.sc, j.m)
				if c.Verdict != NA {
					c.Elapsed = time.Since(began)
				}
				res.Cells[j.i] = c
			}
		}()
	}
	for _, j := range jobs {
		queue <- j
	}
	close(queue)
	wg.Wait()
	res.Elapsed = time.Since(start)
	return res, nil
}

// resolve fills the defaults and looks the scenarios up.
func (o Options) resolve() (Options, []Scenario, error) {
	if o.Executor.start == nil {
		return o, nil, fmt.Errorf("matrix: no executor (use Binary or InProcess)")
	}
	if o.Profiles == nil {
		o.Profiles = agentsim.Profiles()
	}
	if o.Modes == nil {
		o.Modes = Modes()
	}
	for _, m := range o.Modes {
		if !slices.Contains(Modes(), m) {
			return o, nil, fmt.Errorf("matrix: no mode %q (have auto, v0, v1)", m)
		}
	}
	if o.Parallel <= 0 {
		o.Parallel = DefaultParallel
	}
	if o.CellTimeout <= 0 {
		o.CellTimeout = DefaultCellTimeout
	}
	var scenarios []Scenario
	if o.Scenarios == nil {
		scenarios = Scenarios()
	}
	for _, name := range o.Scenarios {
		sc, err := ScenarioByName(name)
		if err != nil {
			return o, nil, err
		}
		scenarios = append(scenarios, sc)
	}
	return o, scenarios, nil
}

// notApplicable says why a cell cannot run, or "".
func notApplicable(p agentsim.Profile, sc Scenario, m Mode) string {
	if m == V1 {
		switch p.V1 {
		case agentsim.V1None:
			return "no v1 before 0.27"
		case agentsim.V1Stub:
			return "no v1 before 0.27 (0.25-0.26: a stub)"
		}
	}
	if sc.needs != nil {
		return sc.needs(p)
	}
	return ""
}

// runCell plays one scenario against a fresh agent and judges its trace.
func runCell(ctx context.Context, opts Options, p agentsim.Profile, sc Scenario, m Mode) Cell {
	cell := Cell{Profile: p, Scenario: sc.Name, Mode: m}
	if reason := notApplicable(p, sc, m); reason != "" {
		cell.Verdict, cell.Reason = NA, reason
		return cell
	}
	ctx, cancel := context.WithTimeout(ctx, opts.CellTimeout)
	defer cancel()
	cfg := agentsim.AgentConfig{
		Profile:             p,
		ShutdownGracePeriod: shutdownGrace,
		RestartDowntime:     restartDowntime,
	}
	opts.Executor.configure(&cfg, m)
	if sc.configure != nil {
		sc.configure(&cfg)
	}
	a, err := agentsim.Start(ctx, cfg)
	if err != nil {
		cell.Verdict, cell.Reason = Fail, "the agent starts: "+err.Error()
		cell.Checks = []Check{{Name: "the agent starts", Fail: err.Error()}}
		return cell
	}
	r := &run{ctx: ctx, agent: a, executor: opts.Executor, profile: p, mode: m}
	scriptErr := sc.script(r)
	if r.inst != nil {
		r.inst.stop()
	}
	a.Close()
	r.entries = a.Trace().Entries()
	cell.Wire = a.Wire()
	cell.Checks = append([]Check{{Name: "the script runs to its end", Fail: errText(scriptErr)},
		wireAsAsked(r, cell.Wire)}, sc.checks(r)...)
	cell.Verdict = Pass
	for _, c := range cell.Checks {
		if c.Fail != "" {
			cell.Verdict, cell.Reason = Fail, c.Name+": "+c.Fail
			break
		}
	}
	cell.Trace = a.Trace().String()
	return cell
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
