// Command harness is the executor benchmark behind `make bench` and
// BENCHMARKS.md: it builds the minimal executors under bench/executors and
// runs each, as a subprocess, against the same simulated agent on loopback
// (agentsim, profile Newest(), which offers both wires), alternating the
// implementations run after run so that machine drift affects all alike.
//
//	go run ./bench/cmd/harness [-runs 5] [-updates 10000] [-idle 5s] [-static] [-o BENCHMARKS.md]
//
// Implementations:
//
//	ours-v0      this project's driver, legacy wire (MESOS_SHIM_PROTOCOL=v0)
//	ours-v1      this project's driver, v1 HTTP API (MESOS_SHIM_PROTOCOL=v1)
//	mesos-go-v0  mesos-go v0.0.11 api/v0/executor driver (legacy wire)
//	mesos-go-v1  mesos-go v0.0.11 v1 lib (httpcli/httpexec, executor/calls)
//
// One run of one implementation, in order (every time is from the agent's
// trace, whose entries are stamped as the agent handles each message):
//
//  1. exec → registered: LaunchExecutor (the ExecutorLaunched entry, just
//     after fork/exec) to the agent receiving RegisterExecutorMessage or
//     SUBSCRIBE. A 1.0+ agent shuts down an executor with no task, so one
//     task ("warm": just TASK_FINISHED) is queued before the launch; once it
//     is acknowledged, VmRSS of the executor process ("RSS registered")
//     and its private part, RssAnon.
//  2. idle CPU: the process's CPU time (its process CPU clock, every
//     thread, user and system) over -idle.
//  3. one task, -updates TASK_RUNNING updates then TASK_FINISHED, sent as
//     fast as the API allows (each executor loops on its send call without
//     waiting for acknowledgements; mesos-go's calls are synchronous, ours
//     queue): acknowledged updates/s = updates / (first UPDATE received →
//     last acknowledgement sent). Interval p50/p99: the gaps between
//     consecutive UPDATEs arriving at the agent in that run, the per-update
//     cost of the send path under load (the round trip is step 5). Then
//     VmHWM ("peak RSS after N updates").
//  4. 16 tasks launched at once, -updates/16 updates each, the same way.
//  5. round trips: one task of -rtt updates sent one at a time, each once
//     the one before it was acknowledged, as the executor sees it: from its
//     send call to its seeing the acknowledgement (ours: SendStatusUpdate
//     to AwaitAcknowledgements returning; mesos-go v1: Send to reading the
//     ACKNOWLEDGED event from its subscription). The executor writes them to
//     its sandbox (bench/internal/task); p50 and p99 of the run. mesos-go
//     v0's driver gives the executor no way to see an acknowledgement: n/a.
//  6. agent death: Crash, then the time until the executor process exits
//     (AgentCrashed → ExecutorExited), or "never" within -crash-timeout.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"

	benchtask "github.com/mesos-shim/executor/bench/internal/task"
	"github.com/mesos-shim/executor/compat/agentsim"
)

type impl struct {
	name string
	bin  string
	env  []string
	ours bool
}

// execOutput receives the executors' output: -v shows it.
var execOutput io.Writer = io.Discard

var impls = []impl{
	{name: "ours-v0", bin: "ours", env: []string{"MESOS_SHIM_PROTOCOL=v0"}, ours: true},
	{name: "ours-v1", bin: "ours", env: []string{"MESOS_SHIM_PROTOCOL=v1"}, ours: true},
	{name: "mesos-go-v0", bin: "mesosgo-v0"},
	{name: "mesos-go-v1", bin: "mesosgo-v1"},
}

// result is one run of one implementation; a negative figure is missing.
type result struct {
	register time.Duration
	rssReg   int64 // kB
	// anonReg: the private part of rssReg (RssAnon, kB): what each further
	// instance of the same binary adds, since file pages are shared.
	anonReg  int64
	hwm      int64 // kB, after the single-task run
	idleCPU  time.Duration
	seqRate  float64
	p50, p99 time.Duration
	concRate float64
	// agentCPU: the simulated agent's CPU time per update in the 16-task
	// run; agentBusy: that CPU time over the run's wall time, in cores.
	agentCPU  time.Duration
	agentBusy float64
	// execCPU: the executor's CPU time per update in the same run (its
	// process CPU clock, to the ns); busy: the agent's and the executor's CPU
	// time together over the run's wall time, in cores.
	execCPU time.Duration
	busy    float64
	// execSyscalls: the executor's read and write system calls per update
	// in the same run.
	execSyscalls float64
	// rttP50, rttP99: update → acknowledgement one at a time, as the
	// executor saw it; -1 when it cannot see acknowledgements (rttNA says why).
	rttP50, rttP99 time.Duration
	rttNA          string
	crash          time.Duration // -1: never within the timeout
	crashLimit     time.Duration
}

// config is one harness invocation's parameters.
type config struct {
	updates, roundTrips int
	idle, crashTimeout  time.Duration
}

func main() {
	runs := flag.Int("runs", 5, "runs of each implementation")
	updates := flag.Int("updates", 10000, "status updates per throughput run")
	idle := flag.Duration("idle", 5*time.Second, "idle window for the CPU figure")
	roundTrips := flag.Int("rtt", 500, "updates sent one at a time for the round-trip figures")
	crashTimeout := flag.Duration("crash-timeout", 3*time.Second, "how long to wait for an executor to notice the agent's death")
	out := flag.String("o", "", "write the report (markdown) to this file too: between its\n"+
		"harness markers if it has them, keeping the rest, else as the whole file")
	verbose := flag.Bool("v", false, "show the executors' output")
	static := flag.Bool("static", false, "build the executors with CGO_ENABLED=0 (static, without libc)")
	tags := flag.String("tags", "", "build the executors with these build tags, comma-separated\n"+
		"(mesosshim_notls leaves TLS out of ours; the mesos-go executors ignore it)")
	only := flag.String("only", "", "run only the implementations whose name matches this regexp (for profiling; the report then lacks the others)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the harness process (the simulated agent's side) to this file")
	execProfiles := flag.String("executor-profile", "", "have every executor write a CPU profile of itself into this directory,\n"+
		"as <implementation>-<run>.cpu, and its allocations as <implementation>-<run>.cpu.allocs (the executors are built into a temporary directory: use -keep to keep their binaries for pprof)")
	allocRate := flag.Int("executor-alloc-rate", benchtask.DefaultAllocRate, "with -executor-profile: bytes allocated per allocation sample\n"+
		"(runtime.MemProfileRate); fine sampling costs the executor CPU that its CPU profile shows (a third of it\n"+
		"at 512), so read CPU profiles from a run with 0, the runtime's coarse default")
	keep := flag.String("keep", "", "build the executors into this directory and keep them")
	agentProcs := flag.Int("agent-procs", 0, "run the simulated agent (this process) on at most this many cores (GOMAXPROCS;\n"+
		"0 leaves it alone): 1 serves all connections on one core, as a real agent's one I/O loop does")
	flag.Parse()
	selected, err := selectImpls(*only)
	check(err)
	if *agentProcs > 0 {
		runtime.GOMAXPROCS(*agentProcs)
	}
	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		check(err)
		defer stop()
	}
	if *verbose {
		execOutput = os.Stderr
	}

	dir := *keep
	if dir == "" {
		tmp, err := os.MkdirTemp("", "bench-executors")
		check(err)
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	args := []string{"build", "-o", dir + string(os.PathSeparator)}
	buildTags := *tags
	if *execProfiles != "" {
		buildTags = strings.Trim(buildTags+",benchprofile", ",") // links runtime/pprof into the executors
	}
	if buildTags != "" {
		args = append(args, "-tags", buildTags)
	}
	build := exec.Command("go", append(args, "./bench/executors/...")...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if *static {
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
	}
	check(build.Run())

	cfg := config{updates: *updates, roundTrips: *roundTrips, idle: *idle, crashTimeout: *crashTimeout}
	results := map[string][]result{}
	for r := 0; r < *runs; r++ {
		for i := range selected {
			im := selected[(i+r)%len(selected)] // rotate the order every run
			env := im.env
			if *execProfiles != "" {
				path, err := filepath.Abs(filepath.Join(*execProfiles, fmt.Sprintf("%s-%d.cpu", im.name, r+1)))
				check(err)
				env = append(slices.Clip(env), benchtask.ProfileEnv+"="+path, fmt.Sprintf("%s=%d", benchtask.AllocRateEnv, *allocRate))
			}
			res, err := runOnce(filepath.Join(dir, im.bin), env, cfg)
			if err != nil {
				fmt.Fprintf(os.Stderr, "run %d %s: %v\n", r+1, im.name, err)
				continue
			}
			fmt.Fprintf(os.Stderr, "run %d %-12s reg=%v rss=%dkB anon=%dkB hwm=%dkB idle=%v seq=%.0f/s p50=%v p99=%v conc=%.0f/s rtt=%v/%v crash=%v\n",
				r+1, im.name, res.register, res.rssReg, res.anonReg, res.hwm, res.idleCPU, res.seqRate, res.p50, res.p99, res.concRate,
				res.rttP50, res.rttP99, res.crash)
			results[im.name] = append(results[im.name], res)
		}
	}
	cmd := "go run ./bench/cmd/harness " + strings.Join(os.Args[1:], " ")
	report := render(results, *runs, *updates, *idle, *crashTimeout, strings.TrimSpace(cmd))
	fmt.Print(report)
	if *out != "" {
		old, _ := os.ReadFile(*out)
		check(os.WriteFile(*out, []byte(splice(string(old), report)), 0o644))
	}
}

// selectImpls returns the implementations whose name matches pattern (all
// of them for "").
func selectImpls(pattern string) ([]impl, error) {
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, fmt.Errorf("-only: %w", err)
	}
	var out []impl
	for _, im := range impls {
		if re.MatchString(im.name) {
			out = append(out, im)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("-only %q matches no implementation", pattern)
	}
	return out, nil
}

// startCPUProfile profiles this process into path until the returned
// function is called.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "harness:", err)
		os.Exit(1)
	}
}

func runOnce(bin string, env []string, cfg config) (res result, err error) {
	updates, idle, crashTimeout := cfg.updates, cfg.idle, cfg.crashTimeout
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	a, err := agentsim.Start(ctx, agentsim.AgentConfig{Profile: agentsim.Newest(), ExecutorEnv: env, Output: execOutput})
	if err != nil {
		return res, err
	}
	defer a.Close()
	// A 1.0+ agent shuts down an executor that registers with no task to
	// run: a first task (no updates but its TASK_FINISHED) is queued.
	if err := a.Launch(task("warm", 0)); err != nil {
		return res, err
	}
	if err := a.LaunchExecutor(bin); err != nil {
		return res, err
	}
	if err := a.WaitRegistered(ctx); err != nil {
		return res, err
	}
	entries := a.Trace().Entries()
	pid := launchedPID(entries)
	if pid <= 0 {
		return res, fmt.Errorf("no executor pid in the trace")
	}
	if res.register, err = registerTime(entries); err != nil {
		return res, err
	}
	if _, err := a.WaitUpdate(ctx, "warm", mesos.TASK_FINISHED); err != nil {
		return res, err
	}
	if err := a.WaitAllAcknowledged(ctx); err != nil {
		return res, err
	}
	if res.rssReg, err = procStatus(pid, "VmRSS"); err != nil {
		return res, err
	}
	if res.anonReg, err = procStatus(pid, "RssAnon"); err != nil {
		return res, err
	}

	cpu0, err := cpuTime(pid)
	if err != nil {
		return res, err
	}
	time.Sleep(idle)
	cpu1, err := cpuTime(pid)
	if err != nil {
		return res, err
	}
	res.idleCPU = cpu1 - cpu0

	// One task, all updates.
	if err := a.Launch(task("seq", updates)); err != nil {
		return res, err
	}
	if _, err := a.WaitUpdate(ctx, "seq", mesos.TASK_FINISHED); err != nil {
		return res, err
	}
	if err := a.WaitAllAcknowledged(ctx); err != nil {
		return res, err
	}
	entries = a.Trace().Entries()
	var gaps []time.Duration
	if res.seqRate, gaps, err = rate(entries, func(id string) bool { return id == "seq" }, updates+1); err != nil {
		return res, fmt.Errorf("one task: %w", err)
	}
	res.p50, res.p99 = percentile(gaps, 50), percentile(gaps, 99)
	if res.hwm, err = procStatus(pid, "VmHWM"); err != nil {
		return res, err
	}

	// 16 tasks at once, with what the run costs the simulated agent (this
	// process) and the executor.
	const tasks = 16
	before, err := readUsage(pid)
	if err != nil {
		return res, err
	}
	concStart := time.Now()
	for i := 0; i < tasks; i++ {
		if err := a.Launch(task(fmt.Sprintf("c%02d", i), updates/tasks)); err != nil {
			return res, err
		}
	}
	for i := 0; i < tasks; i++ {
		if _, err := a.WaitUpdate(ctx, fmt.Sprintf("c%02d", i), mesos.TASK_FINISHED); err != nil {
			return res, err
		}
	}
	if err := a.WaitAllAcknowledged(ctx); err != nil {
		return res, err
	}
	after, err := readUsage(pid)
	if err != nil {
		return res, err
	}
	res.charge(after.minus(before), tasks*(updates/tasks), time.Since(concStart))
	concurrent := func(id string) bool { return strings.HasPrefix(id, "c") }
	if res.concRate, _, err = rate(a.Trace().Entries(), concurrent, tasks*(updates/tasks+1)); err != nil {
		return res, fmt.Errorf("%d tasks: %w", tasks, err)
	}

	if err := roundTrips(ctx, a, cfg.roundTrips, &res); err != nil {
		return res, err
	}

	// Agent death.
	res.crashLimit = crashTimeout
	a.Crash()
	cctx, ccancel := context.WithTimeout(ctx, crashTimeout)
	_, werr := a.WaitExecutorExit(cctx)
	ccancel()
	res.crash = -1
	if werr == nil {
		if res.crash, err = crashNoticed(a.Trace().Entries()); err != nil {
			return res, err
		}
	}
	return res, nil
}

func task(id string, updates int) mesos.TaskInfo {
	return taskWithData(id, strconv.Itoa(updates))
}

func taskWithData(id, data string) mesos.TaskInfo {
	return mesos.TaskInfo{Name: id, TaskID: mesos.TaskID{Value: id}, AgentID: mesos.AgentID{Value: agentsim.DefaultAgentID},
		Data: []byte(data)}
}

// roundTrips runs the round-trip task and reads what the executor measured.
func roundTrips(ctx context.Context, a *agentsim.Agent, n int, res *result) error {
	res.rttP50, res.rttP99 = -1, -1
	if n <= 0 {
		res.rttNA = "not run (-rtt 0)"
		return nil
	}
	if err := a.Launch(taskWithData("rtt", benchtask.RoundTripPrefix+strconv.Itoa(n))); err != nil {
		return err
	}
	if _, err := a.WaitUpdate(ctx, "rtt", mesos.TASK_FINISHED); err != nil {
		return err
	}
	rtts, na, err := benchtask.ReadRoundTrips(a.Directory())
	switch {
	case err != nil:
		return fmt.Errorf("round trips: %w", err)
	case na != "":
		res.rttNA = na
	case len(rtts) < n:
		return fmt.Errorf("round trips: %d of %d measured", len(rtts), n)
	default:
		res.rttP50, res.rttP99 = percentile(rtts, 50), percentile(rtts, 99)
	}
	return a.WaitAllAcknowledged(ctx)
}

func launchedPID(entries []agentsim.Entry) int {
	for _, e := range entries {
		if e.Name == agentsim.EventLaunched {
			f := strings.Fields(e.Detail)
			if len(f) > 0 {
				pid, _ := strconv.Atoi(strings.TrimPrefix(f[0], "pid="))
				return pid
			}
		}
	}
	return 0
}

// registerTime is ExecutorLaunched → the first registration the agent received.
func registerTime(entries []agentsim.Entry) (time.Duration, error) {
	var launched time.Duration = -1
	for _, e := range entries {
		switch {
		case e.Name == agentsim.EventLaunched:
			launched = e.At
		case launched >= 0 && e.Dir == agentsim.FromExecutor && e.Kind() == "SUBSCRIBE":
			return e.At - launched, nil
		}
	}
	return -1, fmt.Errorf("no registration after the launch in the trace")
}

// rate is the acknowledged updates per second of the tasks match selects:
// their updates over first UPDATE received → last acknowledgement sent; and
// the gaps between consecutive UPDATEs of those tasks. Anything but want
// updates, or no acknowledgement after the first, is an error: the run
// did not do what its figure would claim.
func rate(entries []agentsim.Entry, match func(string) bool, want int) (float64, []time.Duration, error) {
	var first, last, prev time.Duration = -1, -1, -1
	var n int
	var gaps []time.Duration
	for _, e := range entries {
		if !match(e.TaskID) {
			continue
		}
		switch {
		case e.Dir == agentsim.FromExecutor && e.Kind() == "UPDATE":
			n++
			if first < 0 {
				first = e.At
			}
			if prev >= 0 {
				gaps = append(gaps, e.At-prev)
			}
			prev = e.At
		case e.Dir == agentsim.ToExecutor && e.Kind() == "ACKNOWLEDGED":
			last = e.At
		}
	}
	switch {
	case n != want:
		return 0, gaps, fmt.Errorf("the agent received %d of %d updates", n, want)
	case last <= first:
		return 0, gaps, fmt.Errorf("no acknowledgement after the first update")
	}
	return float64(n) / (last - first).Seconds(), gaps, nil
}

// crashNoticed is AgentCrashed → ExecutorExited; an executor that had
// exited before the crash is an error, not a figure.
func crashNoticed(entries []agentsim.Entry) (time.Duration, error) {
	var crashed time.Duration = -1
	for _, e := range entries {
		switch {
		case e.Name == agentsim.EventAgentCrashed:
			crashed = e.At
		case e.Name == agentsim.EventExited && crashed < 0:
			return -1, fmt.Errorf("the executor exited before the agent's crash")
		case e.Name == agentsim.EventExited:
			return e.At - crashed, nil
		}
	}
	return -1, fmt.Errorf("no crash and exit in the trace")
}

// The markers between which -o writes the report in an existing file.
const (
	beginMarker = "<!-- harness:begin -->\n"
	endMarker   = "<!-- harness:end -->\n"
)

// splice puts report between old's markers, or returns report if old has none.
func splice(old, report string) string {
	i := strings.Index(old, beginMarker)
	j := strings.Index(old, endMarker)
	if i < 0 || j < i {
		return report
	}
	return old[:i+len(beginMarker)] + report + old[j:]
}
