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
	"os/exec"
	"path/filepath"
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
	orphans := flag.Int("orphans", 5, "agent deaths without checkpointing per wire and task kind, with the command executor")
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
	orphanRows, err := runOrphans(ctx, strings.Split(*wires, ","), *orphans)
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		failed = true
	}
	if *out != "" {
		if err := writeMarkdown(*out, reports, orphanRows, os.Args[1:]); err != nil {
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

func writeMarkdown(path string, reports []soak.Report, orphans []orphanRow, args []string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return markdown(f, reports, orphans, args)
}

func markdown(w io.Writer, reports []soak.Report, orphans []orphanRow, args []string) error {
	fmt.Fprintf(w, "Produced by `go run ./cmd/soak %s`.\n\n", strings.Join(args, " "))
	fmt.Fprintln(w, "| wire | restarts (mid-burst) | updates sent | acknowledged | lost | duplicated | out of order | ack problems | replayed (acked again) | comeback worst / median (window) | time |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range reports {
		fmt.Fprintf(w, "| %s | %d (%d) | %d | %d | %d | %d | %d | %d | %d (%d) | %v / %v (%v) | %v |\n",
			r.Wire, r.Cycles, r.MidBurst, r.Sent, r.Acknowledged, r.Lost, r.Duplicated, r.OutOfOrder, r.AckProblems,
			r.Replayed, r.Reacknowledged, r.WorstComeback.Round(time.Microsecond), r.MedianComeback.Round(time.Microsecond),
			r.Window, r.Elapsed.Round(100*time.Millisecond))
	}
	if len(orphans) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Agent killed without checkpointing, with the command executor running one task (`sleep`, or a shell that ignores SIGTERM):")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| wire | task | runs | agent death → executor exit, median (max) | task processes left | TASK_KILLED attempted | executor killed by a signal |")
		fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
		for _, o := range orphans {
			fmt.Fprintf(w, "| %s | %s | %d | %v (%v) | %d | %d of %d | %d |\n", o.wire, o.kind, o.runs,
				o.median.Round(10*time.Microsecond), o.worst.Round(10*time.Microsecond), o.left, o.attempted, o.runs, o.signalled)
		}
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

// orphanRow sums up the orphan runs of one wire and task kind.
type orphanRow struct {
	wire, kind            string
	runs, left, attempted int
	signalled             int
	median, worst         time.Duration
}

// runOrphans builds the command executor and kills its agent n times per
// wire and task kind.
func runOrphans(ctx context.Context, wires []string, n int) ([]orphanRow, error) {
	if n <= 0 {
		return nil, nil
	}
	dir, err := os.MkdirTemp("", "soak-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "command-executor")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/mesos-shim/executor/examples/command-executor").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building the command executor: %v\n%s", err, out)
	}
	var rows []orphanRow
	var problems []string
	for _, w := range wires {
		for _, stubborn := range []bool{false, true} {
			row := orphanRow{wire: strings.TrimSpace(w), kind: map[bool]string{false: "sleep", true: "ignores SIGTERM"}[stubborn]}
			var times []time.Duration
			for i := 0; i < n; i++ {
				res, err := soak.Orphan(ctx, bin, driver.Protocol(row.wire), stubborn)
				if err != nil {
					return rows, err
				}
				row.runs++
				times = append(times, res.CrashToExit)
				if !res.TaskGone {
					row.left++
				}
				if res.TerminalAttempted {
					row.attempted++
				}
				if res.Exit.Signal != 0 {
					row.signalled++
				}
			}
			row.worst, row.median = soak.WorstAndMedian(times)
			fmt.Printf("%s orphan (%s): %d runs, exit after %v median, %v max; %d left a task process; %d attempted TASK_KILLED; %d killed by a signal\n",
				row.wire, row.kind, row.runs, row.median.Round(10*time.Microsecond), row.worst.Round(10*time.Microsecond), row.left, row.attempted, row.signalled)
			if row.left > 0 || row.attempted < row.runs || row.signalled > 0 {
				problems = append(problems, fmt.Sprintf("%s/%s", row.wire, row.kind))
			}
			rows = append(rows, row)
		}
	}
	if len(problems) > 0 {
		return rows, fmt.Errorf("orphans did not end cleanly: %s", strings.Join(problems, ", "))
	}
	return rows, nil
}
