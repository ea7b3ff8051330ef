package main

import (
	"fmt"
	"math"
	"strings"
	"time"
)

type metric struct {
	name   string
	get    func(result) float64
	format func(float64) string
	higher bool // higher is better
	// neither: neither higher nor lower is better (how busy the processes
	// were: a slower implementation keeps them less busy), so no peer is
	// the better one and the row has no ratio.
	neither bool
	// target says whether ours (best of the two wires, its median) meets
	// the goal, given the best peer's median; "" when there is no target.
	target func(ours, peer float64, r map[string][]result) string
	// againstPeer: the target is a ratio to the best peer, so it cannot be
	// judged when no peer ran (harness -only).
	againstPeer bool
}

func ms(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "never"
	case v < 1:
		return fmt.Sprintf("%.3f ms", v)
	}
	return fmt.Sprintf("%.1f ms", v)
}
func mb(v float64) string        { return fmt.Sprintf("%.1f MB", v/1024) }
func cores(v float64) string     { return fmt.Sprintf("%.2f", v) }
func perSec(v float64) string    { return fmt.Sprintf("%.0f/s", v) }
func perUpdate(v float64) string { return fmt.Sprintf("%.2f", v) }

// dmsOrNA is dms, or NaN (not measurable: "n/a") for a negative d.
func dmsOrNA(d time.Duration) float64 {
	if d < 0 {
		return math.NaN()
	}
	return dms(d)
}
func dms(d time.Duration) float64 {
	if d < 0 {
		return math.Inf(1)
	}
	return float64(d) / float64(time.Millisecond)
}
func yes(ok bool, why string) string {
	if ok {
		return "met (" + why + ")"
	}
	return "**missed** (" + why + ")"
}

var metrics = []metric{
	{name: "acked updates/s, one task", get: func(r result) float64 { return r.seqRate }, format: perSec, higher: true,
		target: func(o, p float64, _ map[string][]result) string { return yes(o >= 3*p, "≥ 3x best peer") }, againstPeer: true},
	{name: "acked updates/s, 16 tasks", get: func(r result) float64 { return r.concRate }, format: perSec, higher: true,
		target: func(o, p float64, _ map[string][]result) string { return yes(o >= 3*p, "≥ 3x best peer") }, againstPeer: true},
	{name: "simulated agent CPU per update, 16 tasks", get: func(r result) float64 { return dms(r.agentCPU) }, format: ms},
	{name: "simulated agent busy, 16 tasks (cores)", get: func(r result) float64 { return r.agentBusy }, format: cores, neither: true},
	{name: "executor CPU per update, 16 tasks", get: func(r result) float64 { return dms(r.execCPU) }, format: ms},
	{name: "agent and executor busy, 16 tasks (cores)", get: func(r result) float64 { return r.busy }, format: cores, neither: true},
	{name: "executor read and write syscalls per update, 16 tasks", get: func(r result) float64 { return r.execSyscalls }, format: perUpdate},
	{name: "update interval at agent p50", get: func(r result) float64 { return dms(r.p50) }, format: ms},
	{name: "update interval at agent p99", get: func(r result) float64 { return dms(r.p99) }, format: ms},
	{name: "update → ack round trip p50 (one at a time)", get: func(r result) float64 { return dmsOrNA(r.rttP50) }, format: ms},
	{name: "update → ack round trip p99 (one at a time)", get: func(r result) float64 { return dmsOrNA(r.rttP99) }, format: ms},
	{name: "exec → registered", get: func(r result) float64 { return dms(r.register) }, format: ms,
		target: func(o, _ float64, _ map[string][]result) string { return yes(o < 5, "< 5 ms median") }},
	{name: "RSS after registration", get: func(r result) float64 { return float64(r.rssReg) }, format: mb,
		target: func(o, p float64, _ map[string][]result) string { return yes(o <= 0.6*p, "≤ 60% of best peer") }, againstPeer: true},
	{name: "of which private (RssAnon)", get: func(r result) float64 { return float64(r.anonReg) }, format: mb},
	{name: "peak RSS after the updates", get: func(r result) float64 { return float64(r.hwm) }, format: mb},
	{name: "peak RSS − RSS registered", get: func(r result) float64 { return float64(r.hwm - r.rssReg) }, format: mb,
		target: func(o, _ float64, _ map[string][]result) string { return yes(o <= 2048, "≤ 2 MB") }},
	{name: "CPU while idle", get: func(r result) float64 { return dms(r.idleCPU) }, format: ms,
		target: func(o, _ float64, _ map[string][]result) string { return yes(o <= 10, "~0: ≤ 1 clock tick") }},
	{name: "agent death → executor exit", get: func(r result) float64 { return dms(r.crash) }, format: ms,
		target: func(o, _ float64, _ map[string][]result) string { return yes(o < 100, "< 100 ms") }},
}

func render(results map[string][]result, runs, updates int, idle, crashTimeout time.Duration, cmd string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Produced by `%s` (%d runs of each, %d updates per throughput run, %v idle window,\n", cmd, runs, updates, idle)
	fmt.Fprintf(&b, "%v crash timeout). Each cell: median (min–max) over the runs. The ratios divide each of our\n", crashTimeout)
	fmt.Fprintf(&b, "medians by the better of the two mesos-go medians; the target is judged on each wire.\n\n")
	b.WriteString("| figure |")
	for _, im := range impls {
		fmt.Fprintf(&b, " %s |", im.name)
	}
	b.WriteString(" ours-v0 / best peer | ours-v1 / best peer | target |\n|---|")
	for range impls {
		b.WriteString("---|")
	}
	b.WriteString("---|---|---|\n")
	for _, m := range metrics {
		fmt.Fprintf(&b, "| %s |", m.name)
		meds := map[string]float64{}
		var peer float64
		havePeer := false
		for _, im := range impls {
			var xs []float64
			for _, r := range results[im.name] {
				if x := m.get(r); !math.IsNaN(x) { // NaN: not measurable
					xs = append(xs, x)
				}
			}
			switch {
			case len(xs) == 0 && len(results[im.name]) > 0:
				b.WriteString(" n/a |")
				continue
			case len(xs) == 0:
				b.WriteString(" no run |")
				continue
			}
			med, lo, hi := spread(xs)
			if lo == hi {
				fmt.Fprintf(&b, " %s |", m.format(med))
			} else {
				fmt.Fprintf(&b, " %s (%s–%s) |", m.format(med), m.format(lo), m.format(hi))
			}
			meds[im.name] = med
			if !im.ours && (!havePeer || (m.higher && med > peer) || (!m.higher && med < peer)) {
				peer, havePeer = med, true
			}
		}
		var verdicts []string
		for _, im := range impls {
			if !im.ours {
				continue
			}
			o, ok := meds[im.name]
			switch {
			case !ok || !havePeer || m.neither:
				b.WriteString(" – |")
			case math.IsInf(peer, 1) && !math.IsInf(o, 1):
				b.WriteString(" peer never |")
			case peer == 0 || math.IsInf(o, 1):
				b.WriteString(" – |")
			default:
				fmt.Fprintf(&b, " %.2fx |", o/peer)
			}
			if ok && m.target != nil {
				verdict := "no peer run to compare with"
				if havePeer || !m.againstPeer {
					verdict = m.target(o, peer, results)
				}
				verdicts = append(verdicts, strings.TrimPrefix(im.name, "ours-")+": "+verdict)
			}
		}
		fmt.Fprintf(&b, " %s |\n", strings.Join(verdicts, "; "))
	}
	for _, im := range impls {
		if rs := results[im.name]; len(rs) > 0 && rs[0].rttNA != "" {
			fmt.Fprintf(&b, "\nRound trips of %s: n/a, %s.\n", im.name, rs[0].rttNA)
		}
	}
	writeFailedRuns(&b, results, runs)
	return b.String()
}

// writeFailedRuns says which implementations have fewer figures than runs:
// a run that failed is left out (the harness printed why), so their cells
// are over the runs that completed.
func writeFailedRuns(b *strings.Builder, results map[string][]result, runs int) {
	for _, im := range impls {
		if n := len(results[im.name]); n > 0 && n < runs {
			fmt.Fprintf(b, "\n%s: %d of %d runs completed; its cells are over those (the harness's output says why the others failed).\n",
				im.name, n, runs)
		}
	}
}
