package matrix

import (
	"bytes"
	"fmt"
	"strings"

	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/mesos-shim/executor/compat/agentsim"
)

// Kinds of message the checks look at, as agentsim.Entry.Kind names them
// alike on both wires.
const (
	kindSubscribe  = "SUBSCRIBE"
	kindSubscribed = "SUBSCRIBED"
	kindUpdate     = "UPDATE"
	kindAck        = "ACKNOWLEDGED"
	kindMessage    = "MESSAGE"
	kindKill       = "KILL"
	kindShutdown   = "SHUTDOWN"
)

func sent(e agentsim.Entry, kind string) bool {
	return e.Dir == agentsim.ToExecutor && e.Kind() == kind
}

func received(e agentsim.Entry, kind string) bool {
	return e.Dir == agentsim.FromExecutor && e.Kind() == kind
}

// failIf makes a check from a list of problems.
func failIf(name string, problems []string) Check {
	return Check{Name: name, Fail: strings.Join(problems, "; ")}
}

// cleanEnd is what every scenario that ends with a Shutdown, or with the
// executor's own exit once its tasks ended, requires: the task's states,
// every update acknowledged once, nothing refused, no Shutdown but the
// scripted one, a clean end.
func cleanEnd(r *run, task string, states ...mesos.TaskState) []Check {
	return []Check{
		taskStates(r.entries, task, states...),
		ackedExactlyOnce(r.entries),
		nothingRefused(r.entries, scriptedShutdowns(r.entries)),
		endedCleanly(r),
	}
}

// scriptedShutdowns counts the Shutdowns the script asked the agent for.
func scriptedShutdowns(es []agentsim.Entry) int {
	n := 0
	for _, e := range es {
		if e.Dir == agentsim.Script && e.Name == "Shutdown" {
			n++
		}
	}
	return n
}

// wireAsAsked: the executor registered, on the wire a forced mode asks for.
func wireAsAsked(r *run, w agentsim.Wire) Check {
	c := Check{Name: fmt.Sprintf("the executor registered on the wire %s asks for (%s)", r.mode, orNone(string(w)))}
	switch {
	case w == "":
		c.Fail = "it never registered"
	case r.mode != Auto && string(w) != string(r.mode):
		c.Fail = "wrong wire"
	}
	return c
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// registeredOnce: one registration (or SUBSCRIBE), answered once.
func registeredOnce(es []agentsim.Entry) Check {
	in, out := 0, 0
	for _, e := range es {
		if received(e, kindSubscribe) {
			in++
		}
		if sent(e, kindSubscribed) {
			out++
		}
	}
	c := Check{Name: "one registration, answered once"}
	if in != 1 || out != 1 {
		c.Fail = fmt.Sprintf("%d registrations, %d answers", in, out)
	}
	return c
}

// ackedExactlyOnce: every update the executor sent, or replayed in a
// reregistration, was acknowledged exactly once, and no other was.
func ackedExactlyOnce(es []agentsim.Entry) Check {
	_, problems := agentsim.AckProblems(es)
	return failIf("every update acknowledged exactly once", problems)
}

// taskStates: the task's updates include want in order and end with the
// last of want, which comes once.
func taskStates(es []agentsim.Entry, task string, want ...mesos.TaskState) Check {
	var seen []string
	for _, e := range es {
		if received(e, kindUpdate) && e.TaskID == task {
			seen = append(seen, e.State)
		}
	}
	var w []string
	for _, s := range want {
		w = append(w, s.String())
	}
	saw := strings.Join(seen, " → ")
	if saw == "" {
		saw = "nothing"
	}
	c := Check{Name: fmt.Sprintf("%s went %s", task, strings.Join(w, " → "))}
	i := 0
	for _, s := range seen {
		if i < len(w) && s == w[i] {
			i++
		}
	}
	last, n := w[len(w)-1], 0
	for _, s := range seen {
		if s == last {
			n++
		}
	}
	if i < len(w) || seen[len(seen)-1] != last || n != 1 {
		c.Fail = "saw " + saw
	}
	return c
}

// killedBeforeShutdown: the task's TASK_KILLED answered the KILL, not the
// Shutdown.
func killedBeforeShutdown(es []agentsim.Entry, task string) Check {
	c := Check{Name: task + " TASK_KILLED answered the kill, before any shutdown"}
	killed := false
	for _, e := range es {
		switch {
		case sent(e, kindKill) && e.TaskID == task:
			killed = true
		case sent(e, kindShutdown):
			c.Fail = "no TASK_KILLED between the kill and the shutdown"
			return c
		case killed && received(e, kindUpdate) && e.TaskID == task && e.State == mesos.TASK_KILLED.String():
			return c
		}
	}
	c.Fail = "no TASK_KILLED after the kill"
	return c
}

// echoed: the framework message was sent and came back unchanged, and the
// executor sent no other.
func echoed(es []agentsim.Entry, data []byte) Check {
	out, back := false, false
	var problems []string
	for _, e := range es {
		out = out || (sent(e, kindMessage) && bytes.Equal(e.Data, data))
		back = back || (out && received(e, kindMessage) && bytes.Equal(e.Data, data))
		if received(e, kindMessage) && !bytes.Equal(e.Data, data) {
			problems = append(problems, fmt.Sprintf("the executor also sent %q", e.Data))
		}
	}
	if !out || !back {
		problems = append(problems, fmt.Sprintf("sent=%t echoed=%t", out, back))
	}
	return failIf(fmt.Sprintf("the framework message (%d bytes) came back unchanged, and nothing else", len(data)), problems)
}

// reregisterMax is the agent's --executor_reregistration_timeout.
const reregisterMax = agentsim.DefaultReregistrationTimeout

// replayedAcrossRestart: the task's update in state was unacknowledged
// when the agent crashed (its acknowledgement was lost), the executor
// carried it in its reregistration, and only then was it acknowledged.
func replayedAcrossRestart(es []agentsim.Entry, task string, state mesos.TaskState) Check {
	name := fmt.Sprintf("%s %s was unacknowledged at the restart and resent after it", task, state)
	var uuid []byte
	steps := []struct {
		what  string
		match func(agentsim.Entry) bool
	}{
		{"the update", func(e agentsim.Entry) bool {
			if received(e, kindUpdate) && e.TaskID == task && e.State == state.String() {
				uuid = e.UUID
				return true
			}
			return false
		}},
		{"its acknowledgement lost in the crash", func(e agentsim.Entry) bool {
			return e.Name == agentsim.EventAckLost && bytes.Equal(e.UUID, uuid)
		}},
		{"its replay after the restart", func(e agentsim.Entry) bool {
			return (e.Name == agentsim.EventUpdateReplayed || (received(e, kindUpdate) && e.Dir == agentsim.FromExecutor)) &&
				bytes.Equal(e.UUID, uuid)
		}},
		{"its acknowledgement", func(e agentsim.Entry) bool { return sent(e, kindAck) && bytes.Equal(e.UUID, uuid) }},
	}
	i := 0
	for _, e := range es {
		if i < len(steps) && steps[i].match(e) {
			i++
		}
	}
	if i < len(steps) {
		return Check{Name: name, Fail: "no " + steps[i].what + " in order"}
	}
	return Check{Name: name}
}

// reregisteredInTime: exactly one reregistration (or re-subscription),
// within the agent's reregistration timeout.
func reregisteredInTime(es []agentsim.Entry) Check {
	c := Check{Name: fmt.Sprintf("reregistered once, within %s", reregisterMax)}
	var found []agentsim.Entry
	for _, e := range es {
		if e.Name == agentsim.EventReregistered {
			found = append(found, e)
		}
	}
	switch {
	case len(found) != 1:
		c.Fail = fmt.Sprintf("%d reregistrations", len(found))
	case found[0].Latency >= reregisterMax:
		c.Fail = fmt.Sprintf("after %v: a real agent destroys the executor", found[0].Latency)
	}
	return c
}

// nothingRefused: the agent never refused, dropped or destroyed anything,
// and sent exactly shutdowns Shutdowns (the scripted ones). A v1 call
// answered 503 while a restarted agent recovers is expected (the executor
// retries it) and not counted.
func nothingRefused(es []agentsim.Entry, shutdowns int) Check {
	bad := map[string]bool{
		agentsim.EventRefused: true, agentsim.EventSendFailed: true, agentsim.EventDestroyed: true,
		agentsim.EventReregistrationTimeout: true, agentsim.EventRejected: true, agentsim.EventIgnored: true,
	}
	var problems []string
	n := 0
	for _, e := range es {
		if bad[e.Name] {
			problems = append(problems, strings.TrimSpace(e.Name+" "+e.Detail))
		}
		if sent(e, kindShutdown) {
			n++
		}
	}
	if n != shutdowns {
		problems = append(problems, fmt.Sprintf("%d shutdowns sent, want %d", n, shutdowns))
	}
	return failIf("the agent had nothing to refuse, drop or destroy", problems)
}

// endedCleanly: the executor ended cleanly (exit code 0, or its driver
// stopped), after the Shutdown (within the grace period, else the agent
// would have destroyed it, which nothingRefused catches), or on its own
// once every task it reported on had ended and every update was
// acknowledged, as Mesos's command executor does.
func endedCleanly(r *run) Check {
	c := Check{Name: "the executor ended cleanly, after the shutdown or on its own once its tasks ended and their updates were acknowledged"}
	switch {
	case !r.exited:
		c.Fail = "it did not end"
	case !r.exitOK:
		c.Fail = r.exitHow
	}
	if open := agentsim.OwnExitProblems(r.entries); len(open) > 0 {
		c.Fail = "it exited before the shutdown with " + strings.Join(open, ", ")
	}
	return c
}

// endedOnItsOwn: the executor ended cleanly after its agent died, with no
// one to tell it to. The driver tells an executor waiting for
// acknowledgements at once that none can come, so it has no reason to wait
// out its grace period and be killed with its process group.
func endedOnItsOwn(r *run) Check {
	c := Check{Name: "the executor ended cleanly on its own after the agent died"}
	switch {
	case !r.exited:
		c.Fail = "it did not end"
	case !r.exitOK:
		c.Fail = r.exitHow
	}
	return c
}
