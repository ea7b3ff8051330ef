package main

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/compat/agentsim"
)

func TestPercentile(t *testing.T) {
	ds := []time.Duration{5, 1, 4, 2, 3, 6, 7, 8, 9, 10}
	if got := percentile(ds, 50); got != 5 {
		t.Errorf("p50 = %v, want 5", got)
	}
	if got := percentile(ds, 99); got != 10 {
		t.Errorf("p99 = %v, want 10", got)
	}
	if got := percentile(nil, 50); got != -1 {
		t.Errorf("p50 of nothing = %v, want -1", got)
	}
}

func TestSpread(t *testing.T) {
	med, lo, hi := spread([]float64{3, 1, 2, 5})
	if med != 2 || lo != 1 || hi != 5 {
		t.Errorf("spread = %v %v %v, want 2 1 5", med, lo, hi)
	}
}

func TestParseProc(t *testing.T) {
	status := "Name:\tours\nVmHWM:\t   16136 kB\nVmRSS:\t   10584 kB\n"
	if v, err := parseStatusField(bufio.NewScanner(strings.NewReader(status)), "VmRSS"); err != nil || v != 10584 {
		t.Errorf("VmRSS = %v, %v", v, err)
	}
	io := "rchar: 9000\nwchar: 8000\nsyscr: 360\nsyscw: 480\nread_bytes: 0\n"
	if n, err := parseSyscalls(io); err != nil || n != 840 {
		t.Errorf("syscalls = %v, %v, want 840", n, err)
	}
	if _, err := parseSyscalls("rchar: 1\n"); err == nil {
		t.Errorf("syscalls of an io file without them: no error")
	}
}

func TestRateAndTimes(t *testing.T) {
	ms := time.Millisecond
	e := []agentsim.Entry{
		{At: 0, Name: agentsim.EventLaunched, Detail: "pid=42 /x"},
		{At: 3 * ms, Dir: agentsim.FromExecutor, Wire: agentsim.WireV1, Name: "SUBSCRIBE"},
		{At: 10 * ms, Dir: agentsim.FromExecutor, Wire: agentsim.WireV1, Name: "UPDATE", TaskID: "seq"},
		{At: 11 * ms, Dir: agentsim.ToExecutor, Wire: agentsim.WireV1, Name: "ACKNOWLEDGED", TaskID: "seq"},
		{At: 12 * ms, Dir: agentsim.FromExecutor, Wire: agentsim.WireV1, Name: "UPDATE", TaskID: "seq"},
		{At: 14 * ms, Dir: agentsim.ToExecutor, Wire: agentsim.WireV1, Name: "ACKNOWLEDGED", TaskID: "seq"},
		{At: 20 * ms, Name: agentsim.EventAgentCrashed},
		{At: 25 * ms, Name: agentsim.EventExited},
	}
	if pid := launchedPID(e); pid != 42 {
		t.Errorf("pid = %d", pid)
	}
	if d, err := registerTime(e); err != nil || d != 3*ms {
		t.Errorf("register = %v, %v", d, err)
	}
	r, gaps, err := rate(e, func(id string) bool { return id == "seq" }, 2)
	if err != nil || r != 500 || len(gaps) != 1 || gaps[0] != 2*ms {
		t.Errorf("rate = %v, gaps %v, %v", r, gaps, err)
	}
	if d, err := crashNoticed(e); err != nil || d != 5*ms {
		t.Errorf("crash = %v, %v", d, err)
	}
}

// A trace that cannot give a figure fails the run rather than giving 0/s,
// "never" or a rate over the wrong count of updates.
func TestTraceWithoutAFigureIsAnError(t *testing.T) {
	ms := time.Millisecond
	seq := func(id string) bool { return id == "seq" }
	upd := func(at time.Duration) agentsim.Entry {
		return agentsim.Entry{At: at, Dir: agentsim.FromExecutor, Wire: agentsim.WireV1, Name: "UPDATE", TaskID: "seq"}
	}
	ack := func(at time.Duration) agentsim.Entry {
		return agentsim.Entry{At: at, Dir: agentsim.ToExecutor, Wire: agentsim.WireV1, Name: "ACKNOWLEDGED", TaskID: "seq"}
	}
	_, _, err := rate([]agentsim.Entry{upd(1 * ms), upd(2 * ms)}, seq, 2)
	require.ErrorContains(t, err, "no acknowledgement")
	_, _, err = rate([]agentsim.Entry{upd(1 * ms), ack(2 * ms)}, seq, 2)
	require.ErrorContains(t, err, "1 of 2 updates")
	_, _, err = rate([]agentsim.Entry{upd(1 * ms), upd(2 * ms), upd(2 * ms), ack(3 * ms)}, seq, 2)
	require.ErrorContains(t, err, "3 of 2 updates")

	launched := agentsim.Entry{At: 0, Name: agentsim.EventLaunched, Detail: "pid=42 /x"}
	_, err = registerTime([]agentsim.Entry{launched})
	require.ErrorContains(t, err, "no registration")

	exited := agentsim.Entry{At: 5 * ms, Name: agentsim.EventExited}
	crashed := agentsim.Entry{At: 6 * ms, Name: agentsim.EventAgentCrashed}
	_, err = crashNoticed([]agentsim.Entry{launched, exited, crashed})
	require.ErrorContains(t, err, "exited before")
}

func TestSplice(t *testing.T) {
	old := "intro\n" + beginMarker + "stale\n" + endMarker + "outro\n"
	if got, want := splice(old, "new\n"), "intro\n"+beginMarker+"new\n"+endMarker+"outro\n"; got != want {
		t.Errorf("splice = %q, want %q", got, want)
	}
	if got := splice("no markers", "new\n"); got != "new\n" {
		t.Errorf("splice without markers = %q", got)
	}
}

// A figure an implementation cannot measure is n/a, says why, and is never
// the best peer.
func TestRenderNotMeasurable(t *testing.T) {
	ours := result{rttP50: 200 * time.Microsecond, rttP99: time.Millisecond}
	v0 := result{rttP50: -1, rttP99: -1, rttNA: "no callback"}
	v1 := result{rttP50: 400 * time.Microsecond, rttP99: 2 * time.Millisecond}
	out := render(map[string][]result{"ours-v0": {ours}, "ours-v1": {ours}, "mesos-go-v0": {v0}, "mesos-go-v1": {v1}},
		1, 1, time.Second, time.Second, "cmd")
	var row string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "| update → ack round trip p50") {
			row = l
		}
	}
	require.Equal(t, "| update → ack round trip p50 (one at a time) | 0.200 ms | 0.200 ms | n/a | 0.400 ms | 0.50x | 0.50x |  |", row)
	require.Contains(t, out, "Round trips of mesos-go-v0: n/a, no callback.")
}

// With -only, a target set against the best peer is not judged when no
// peer ran; an absolute one still is.
func TestRenderWithoutPeers(t *testing.T) {
	ours := result{seqRate: 1000, register: time.Millisecond}
	out := render(map[string][]result{"ours-v0": {ours}, "ours-v1": {ours}}, 1, 1, time.Second, time.Second, "cmd")
	rows := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		if name, _, ok := strings.Cut(strings.TrimPrefix(l, "| "), " |"); ok {
			rows[name] = l
		}
	}
	require.Contains(t, rows["acked updates/s, one task"], "v0: no peer run to compare with; v1: no peer run to compare with")
	require.Contains(t, rows["exec → registered"], "v0: met (< 5 ms median)")
}

func TestCharge(t *testing.T) {
	before := usage{agentCPU: time.Second, execCPU: time.Second, syscalls: 100}
	after := usage{agentCPU: 3 * time.Second, execCPU: 2 * time.Second, syscalls: 600}
	var r result
	r.charge(after.minus(before), 1000, 2*time.Second)
	if r.agentCPU != 2*time.Millisecond || r.execCPU != time.Millisecond || r.execSyscalls != 0.5 ||
		r.agentBusy != 1 || r.busy != 1.5 {
		t.Errorf("charge = agent %v, executor %v, syscalls %v, busy %v/%v; want 2ms, 1ms, 0.5, 1/1.5",
			r.agentCPU, r.execCPU, r.execSyscalls, r.agentBusy, r.busy)
	}
}

// A run that failed is left out of the figures, and the report says so
// rather than claim every run.
func TestRenderSaysWhichRunsFailed(t *testing.T) {
	r := result{seqRate: 1000, register: time.Millisecond}
	out := render(map[string][]result{"ours-v0": {r, r}, "ours-v1": {r}, "mesos-go-v1": {r, r}}, 2, 1, time.Second, time.Second, "cmd")
	require.Contains(t, out, "ours-v1: 1 of 2 runs completed")
	require.NotContains(t, out, "ours-v0: ")
	require.NotContains(t, out, "mesos-go-v0: ") // not run at all: its cells say "no run"
}

// An executor's CPU time is read finer than /proc's 10 ms clock ticks: an
// update costs 10-50 µs, so the 16-task run's ~10,000 updates take a few
// ticks in all, and reading them in whole ticks at both ends was off by up
// to 20 ms. Here the process's own CPU time grows by 1 ms between two reads:
// in ticks that reads as 0 or 10 ms.
func TestCPUTimeResolvesLessThanAClockTick(t *testing.T) {
	pid := os.Getpid()
	before, err := cpuTime(pid)
	require.NoError(t, err)
	self0, err := selfCPU()
	require.NoError(t, err)
	for {
		self, err := selfCPU()
		require.NoError(t, err)
		if self-self0 >= time.Millisecond {
			break
		}
	}
	after, err := cpuTime(pid)
	require.NoError(t, err)
	require.GreaterOrEqual(t, after-before, time.Millisecond)
	require.Less(t, after-before, 8*time.Millisecond)

	_, err = cpuTime(1 << 30) // beyond any pid
	require.ErrorContains(t, err, "not a process id")
	gone := exec.Command("true")
	require.NoError(t, gone.Run())
	_, err = cpuTime(gone.Process.Pid) // reaped
	require.Error(t, err)
}

// How busy the processes were is neither better high nor better low (a
// slower implementation keeps them less busy): no peer is the better one,
// so those rows have no ratio.
func TestRenderBusyHasNoBestPeer(t *testing.T) {
	ours := result{agentBusy: 0.9, busy: 1.8, agentCPU: 10 * time.Microsecond}
	slow := result{agentBusy: 0.5, busy: 1.5, agentCPU: 100 * time.Microsecond}
	out := render(map[string][]result{"ours-v0": {ours}, "ours-v1": {ours}, "mesos-go-v0": {slow}, "mesos-go-v1": {slow}},
		1, 1, time.Second, time.Second, "cmd")
	rows := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		if name, _, ok := strings.Cut(strings.TrimPrefix(l, "| "), " |"); ok {
			rows[name] = l
		}
	}
	require.Equal(t, "| simulated agent busy, 16 tasks (cores) | 0.90 | 0.90 | 0.50 | 0.50 | – | – |  |", rows["simulated agent busy, 16 tasks (cores)"])
	require.Equal(t, "| agent and executor busy, 16 tasks (cores) | 1.80 | 1.80 | 1.50 | 1.50 | – | – |  |", rows["agent and executor busy, 16 tasks (cores)"])
	require.Contains(t, rows["simulated agent CPU per update, 16 tasks"], "| 0.10x | 0.10x |")
}
