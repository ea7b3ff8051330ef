// Command soak runs the long soak of package internal/soak on each wire:
// one executor (the driver, in this process) lives through many restarts
// of a checkpointing simulated agent, each restart in the middle of a
// burst of status updates, and every update must be acknowledged, none
// twice, in order per task. It prints one line per wire and, with -o, a
// Markdown table that RELIABILITY.md quotes. It exits with status 1 when
// any promise was broken.
//
//	soak [-wires v0,v1] [-cycles 100] [-updates 10000] [-tasks 16] [-downtime 20ms] [-o report.md]
//
// `make soak` runs it with the figures the reliability issue asks for.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/mesos-shim/executor/compat/agentsim"
	"github.com/mesos-shim/executor/driver"
	"github.com/mesos-shim/executor/internal/soak"
	"github.com/mesos-shim/executor/logging"
)

func main() {
	wires := flag.String("wires", "v0,v1", "the wires to soak, comma-separated")
	cycles := flag.Int("cycles", 100, "agent restarts per wire, one per burst")
	updates := flag.Int("updates", 10000, "status updates per burst")
	tasks := flag.Int("tasks", 16, "tasks the updates are spread over")
	downtime := flag.Duration("downtime", 20*time.Millisecond, "how long the agent stays down at each restart")
	timeout := flag.Duration("timeout", 60*time.Minute, "give up after this long")
	out := flag.String("o", "", "also write the report as Markdown to this file")
	verbose := flag.Bool("v", false, "show the driver's log and every cycle")
	flag.Parse()
	if !*verbose {
		logging.Set(errorsOnly{}) // the driver's lines about each restart would drown the figures
	}

	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	var reports []soak.Report
	failed := false
	for _, w := range strings.Split(*wires, ",") {
		rep, err := soak.Run(ctx, soak.Options{
			Wire: driver.Protocol(strings.TrimSpace(w)), Cycles: *cycles, Updates: *updates, Tasks: *tasks,
			Agent:    agentsim.AgentConfig{RestartDowntime: *downtime},
			Progress: progress(*verbose, *cycles),
		})
		fmt.Println(line(rep))
		if err != nil {
			fmt.Fprintln(os.Stderr, "soak:", err)
			failed = true
			continue
		}
		if err := rep.Err(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			failed = true
		}
		reports = append(reports, rep)
	}
	if *out != "" {
		if err := writeMarkdown(*out, reports, os.Args[1:]); err != nil {
			fmt.Fprintln(os.Stderr, "soak:", err)
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}

func progress(verbose bool, cycles int) func(soak.CycleResult) {
	return func(r soak.CycleResult) {
		if verbose || (r.Cycle+1)%10 == 0 || r.Cycle+1 == cycles {
			fmt.Fprintf(os.Stderr, "  cycle %d: %d accepted before the crash, back in %v, %d replayed, %v\n",
				r.Cycle+1, r.AcceptedBeforeCrash, r.Comeback.Round(time.Microsecond), r.Replayed, r.Elapsed.Round(time.Millisecond))
		}
	}
}

func line(r soak.Report) string {
	return fmt.Sprintf("%s: %d cycles (%d mid-burst), %d updates sent, %d acknowledged, %d lost, %d duplicated, %d out of order, %d acknowledgement problems; %d replayed (%d acknowledged again); back within %v worst, %v median (window %v); %v",
		r.Wire, r.Cycles, r.MidBurst, r.Sent, r.Acknowledged, r.Lost, r.Duplicated, r.OutOfOrder, r.AckProblems,
		r.Replayed, r.Reacknowledged, r.WorstComeback.Round(time.Microsecond), r.MedianComeback.Round(time.Microsecond),
		r.Window, r.Elapsed.Round(time.Millisecond))
}

func writeMarkdown(path string, reports []soak.Report, args []string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return markdown(f, reports, args)
}

func markdown(w io.Writer, reports []soak.Report, args []string) error {
	fmt.Fprintf(w, "Produced by `go run ./cmd/soak %s`.\n\n", strings.Join(args, " "))
	fmt.Fprintln(w, "| wire | restarts (mid-burst) | updates sent | acknowledged | lost | duplicated | out of order | ack problems | replayed (acked again) | comeback worst / median (window) | time |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range reports {
		fmt.Fprintf(w, "| %s | %d (%d) | %d | %d | %d | %d | %d | %d | %d (%d) | %v / %v (%v) | %v |\n",
			r.Wire, r.Cycles, r.MidBurst, r.Sent, r.Acknowledged, r.Lost, r.Duplicated, r.OutOfOrder, r.AckProblems,
			r.Replayed, r.Reacknowledged, r.WorstComeback.Round(time.Microsecond), r.MedianComeback.Round(time.Microsecond),
			r.Window, r.Elapsed.Round(time.Second))
	}
	_, err := fmt.Fprintln(w)
	return err
}

// errorsOnly shows the driver's errors and drops its info and warnings.
type errorsOnly struct{}

func (errorsOnly) V(int) bool { return false }
func (errorsOnly) Flush()     {}
func (errorsOnly) Log(_ int, s logging.Severity, msg string) {
	if s == logging.Error {
		fmt.Fprintln(os.Stderr, "driver error:", msg)
	}
}
