package main

import (
	"bytes"
	"fmt"
	"strings"

	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/mesos-shim/executor/compat/agentsim"
)

// replayedAcrossRestart: the task's update in state was still unacknowledged
// when the agent crashed (its ack was lost), the executor carried it in its
// reregistration, and only then was it acknowledged.
func replayedAcrossRestart(es []agentsim.Entry, task string, state mesos.TaskState) check {
	name := fmt.Sprintf("%s %s was unacknowledged at the restart and replayed by the reregistration", task, state)
	var uuid []byte
	steps := []struct {
		what  string
		match func(agentsim.Entry) bool
	}{
		{"the update", func(e agentsim.Entry) bool {
			if isUpdate(e) && e.TaskID == task && e.State == state.String() {
				uuid = e.UUID
				return true
			}
			return false
		}},
		{"its acknowledgement lost in the crash", func(e agentsim.Entry) bool {
			return e.Name == agentsim.EventAckLost && bytes.Equal(e.UUID, uuid)
		}},
		{"its replay in the reregistration", func(e agentsim.Entry) bool {
			return e.Name == agentsim.EventUpdateReplayed && bytes.Equal(e.UUID, uuid)
		}},
		{"its acknowledgement", func(e agentsim.Entry) bool {
			return sent(e, kindAck) && bytes.Equal(e.UUID, uuid)
		}},
	}
	i := 0
	for _, e := range es {
		if i < len(steps) && steps[i].match(e) {
			i++
		}
	}
	if i < len(steps) {
		return check{name: name, fail: "no " + steps[i].what + " in order"}
	}
	return check{name: name}
}

// reregisteredInTime: exactly one reregistration (or re-subscription),
// within the agent's reregistration timeout of the Reconnect (v0) or of the
// listener opening again (v1).
func reregisteredInTime(es []agentsim.Entry) check {
	var found []agentsim.Entry
	for _, e := range es {
		if e.Name == agentsim.EventReregistered {
			found = append(found, e)
		}
	}
	if len(found) != 1 {
		return check{name: "reregistered once after the restart", fail: fmt.Sprintf("%d reregistrations", len(found))}
	}
	l := found[0].Latency
	what := "reregistered %.1fms after the Reconnect (limit %s)"
	if found[0].Wire == agentsim.WireV1 {
		what = "re-subscribed %.1fms after the agent came back (limit %s)"
	}
	c := check{name: fmt.Sprintf(what, float64(l.Microseconds())/1000, reregisterMax)}
	if l >= reregisterMax {
		c.fail = "too late: a real agent destroys the executor"
	}
	return c
}

// nothingRefused: the agent never refused, dropped or destroyed anything,
// and sent no Shutdown but the scripted one, if any. A v1 call answered 503
// while the restarted agent recovers is expected (the executor retries it)
// and not counted.
func nothingRefused(es []agentsim.Entry) check {
	bad := map[string]bool{
		agentsim.EventRefused: true, agentsim.EventSendFailed: true, agentsim.EventDestroyed: true,
		agentsim.EventReregistrationTimeout: true, agentsim.EventRejected: true, agentsim.EventIgnored: true,
	}
	var problems []string
	shutdowns, scripted := 0, 0
	for _, e := range es {
		if bad[e.Name] {
			problems = append(problems, e.Name+" "+e.Detail)
		}
		if sent(e, kindShutdown) {
			shutdowns++
		}
		if e.Dir == agentsim.Script && e.Name == "Shutdown" {
			scripted++
		}
	}
	if shutdowns > scripted {
		problems = append(problems, fmt.Sprintf("%d ShutdownExecutorMessages sent, %d scripted", shutdowns, scripted))
	}
	return failIf("the agent had nothing to refuse, drop or destroy", problems)
}

// exitedCleanly: the executor process exited with code 0, after the
// Shutdown or on its own once every task had ended and every update was
// acknowledged, as Mesos's command executor does.
func exitedCleanly(es []agentsim.Entry) check {
	const name = "the executor exited with code 0, after the Shutdown or on its own once its tasks ended and their updates were acknowledged"
	for _, e := range es {
		if e.Name != agentsim.EventExited || e.Exit == nil {
			continue
		}
		if open := agentsim.OwnExitProblems(es); len(open) > 0 {
			return check{name: name, fail: "exited before the Shutdown (" + e.Exit.String() + ") with " + strings.Join(open, ", ")}
		}
		if !e.Exit.Success() {
			return check{name: name, fail: e.Exit.String()}
		}
		return check{name: name}
	}
	return check{name: name, fail: "it did not exit"}
}
