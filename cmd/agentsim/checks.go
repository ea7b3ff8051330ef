package main

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/mesos-shim/executor/compat/agentsim"
)

// check is one judgement of a run: it passed when fail is empty.
type check struct {
	name string
	fail string
}

const reregisterMax = 2 * time.Second // --executor_reregistration_timeout

// Kinds of message the checks look at, as agentsim.Entry.Kind names them:
// the same on both wires (a StatusUpdateMessage and a v1 UPDATE are both
// an "UPDATE").
const (
	kindUpdate   = "UPDATE"
	kindAck      = "ACKNOWLEDGED"
	kindMessage  = "MESSAGE"
	kindShutdown = "SHUTDOWN"
)

// sent and received match a message of a kind in one direction.
func sent(e agentsim.Entry, kind string) bool {
	return e.Dir == agentsim.ToExecutor && e.Kind() == kind
}

func received(e agentsim.Entry, kind string) bool {
	return e.Dir == agentsim.FromExecutor && e.Kind() == kind
}

// report prints every check and the verdict, and returns the exit status.
func report(out io.Writer, r result) int {
	var fails []string
	for _, c := range r.checks {
		if c.fail == "" {
			fmt.Fprintf(out, "check ok    %s\n", c.name)
			continue
		}
		fmt.Fprintf(out, "check FAIL  %s: %s\n", c.name, c.fail)
		fails = append(fails, c.name+": "+c.fail)
	}
	if len(fails) > 0 {
		fmt.Fprintf(out, "VERDICT: FAIL: %s\n", strings.Join(fails, "; "))
		return 1
	}
	fmt.Fprintln(out, "VERDICT: PASS")
	return 0
}

func demoChecks(es []agentsim.Entry) []check {
	return []check{
		ackedExactlyOnce(es),
		taskStates(es, sleeper, mesos.TASK_RUNNING, mesos.TASK_KILLED),
		taskStates(es, echoer, mesos.TASK_RUNNING, mesos.TASK_FINISHED),
		echoed(es, echoData),
		replayedAcrossRestart(es, sleeper, mesos.TASK_KILLED),
		reregisteredInTime(es),
		nothingRefused(es),
		exitedCleanly(es),
	}
}

// failIf makes a check from a list of problems.
func failIf(name string, problems []string) check {
	return check{name: name, fail: strings.Join(problems, "; ")}
}

// ackedExactlyOnce: every update the executor sent, or replayed in a
// reregistration, was acknowledged exactly once, and no other was.
func ackedExactlyOnce(es []agentsim.Entry) check {
	n, problems := agentsim.AckProblems(es)
	return failIf(fmt.Sprintf("every update acknowledged exactly once (%d updates)", n), problems)
}

func isUpdate(e agentsim.Entry) bool { return received(e, kindUpdate) }

// taskStates: the task's updates include want in order and end with the
// last of want, which comes once.
func taskStates(es []agentsim.Entry, task string, want ...mesos.TaskState) check {
	var seen []string
	for _, e := range es {
		if isUpdate(e) && e.TaskID == task {
			seen = append(seen, e.State)
		}
	}
	saw := strings.Join(seen, " → ")
	if saw == "" {
		saw = "nothing"
	}
	name := fmt.Sprintf("%s went %s (saw %s)", task, joinStates(want), saw)
	last := want[len(want)-1].String()
	var problems []string
	if !subsequence(seen, want) {
		problems = append(problems, "expected states missing or out of order")
	}
	if len(seen) == 0 || seen[len(seen)-1] != last || strings.Count(strings.Join(seen, " "), last) != 1 {
		problems = append(problems, "must end with exactly one "+last)
	}
	return failIf(name, problems)
}

func joinStates(states []mesos.TaskState) string {
	var s []string
	for _, st := range states {
		s = append(s, st.String())
	}
	return strings.Join(s, " → ")
}

func subsequence(seen []string, want []mesos.TaskState) bool {
	i := 0
	for _, s := range seen {
		if i < len(want) && s == want[i].String() {
			i++
		}
	}
	return i == len(want)
}

// echoed: the framework message was sent and came back unchanged.
func echoed(es []agentsim.Entry, data []byte) check {
	out, back := false, false
	for _, e := range es {
		out = out || (sent(e, kindMessage) && bytes.Equal(e.Data, data))
		back = back || (out && received(e, kindMessage) && bytes.Equal(e.Data, data))
	}
	var problems []string
	if !out || !back {
		problems = append(problems, fmt.Sprintf("sent=%t echoed=%t", out, back))
	}
	for _, e := range es {
		if received(e, kindMessage) && !bytes.Equal(e.Data, data) {
			problems = append(problems, fmt.Sprintf("the executor also sent %q: it took injected input", e.Data))
		}
	}
	return failIf(fmt.Sprintf("the framework message (%d bytes) was echoed, and nothing else", len(data)), problems)
}
