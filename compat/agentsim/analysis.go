package agentsim

import (
	"fmt"

	"github.com/mesos/mesos-go/api/v1/lib/executor"

	"github.com/mesos-shim/executor/compat/httpapi"
	"github.com/mesos-shim/executor/mesosproto"
	"github.com/mesos-shim/executor/recordio"
)

// AckProblems reads a trace for the promise every scenario checks: each
// status update the agent received, directly or replayed by a
// reregistration, was acknowledged exactly once, no acknowledgement named
// an update the agent never had, and none was dropped. It returns how many
// distinct updates there were and what went wrong, if anything.
func AckProblems(es []Entry) (updates int, problems []string) {
	described, acks := map[string]string{}, map[string]int{}
	var order []string
	for _, e := range es {
		key := string(e.UUID)
		switch {
		case (e.Dir == FromExecutor && e.Kind() == "UPDATE") || (e.Dir == AtAgent && e.Name == EventUpdateReplayed):
			if _, seen := described[key]; !seen {
				described[key] = fmt.Sprintf("%s %s %s", e.TaskID, e.State, ShortUUID(e.UUID))
				order = append(order, key)
			}
		case e.Dir == ToExecutor && e.Kind() == "ACKNOWLEDGED":
			acks[key]++
		case e.Name == EventUpdateDropped || e.Name == EventNoAck:
			problems = append(problems, fmt.Sprintf("%s %s: %s", e.Name, e.TaskID, e.Detail))
		}
	}
	for _, k := range order {
		if acks[k] != 1 {
			problems = append(problems, fmt.Sprintf("%s acknowledged %d times", described[k], acks[k]))
		}
		delete(acks, k)
	}
	for k := range acks {
		problems = append(problems, "acknowledgement of unknown uuid "+ShortUUID([]byte(k)))
	}
	return len(order), problems
}

// InjectBadInput sends the executor what it must refuse and survive, on
// whichever wire it uses: on the legacy wire a malformed protobuf under a
// valid name, a name no agent sends, and a framework message from a
// stranger claiming to be the agent; on v1 an event of a type nobody knows
// (in protobuf, the encoding executors ask for by default).
func (a *Agent) InjectBadInput() error {
	if a.Wire() == WireV1 {
		unknown, err := httpapi.Protobuf.EncodeEvent(&executor.Event{Type: 42})
		if err != nil {
			return err
		}
		return a.InjectStreamBytes(recordio.AppendRecord(nil, unknown))
	}
	for _, inject := range []func() error{
		func() error { return a.InjectRaw("mesos.internal.RunTaskMessage", []byte{0xff, 0xff, 0xff}) },
		func() error { return a.InjectRaw("mesos.internal.NoSuchMessage", []byte("x")) },
		func() error {
			return a.InjectFromStranger(&mesosproto.FrameworkToExecutorMessage{Data: []byte("from a stranger")})
		},
	} {
		if err := inject(); err != nil {
			return err
		}
	}
	return nil
}

// terminalStates are the task states after which a task is over.
var terminalStates = map[string]bool{
	"TASK_FINISHED": true, "TASK_FAILED": true, "TASK_KILLED": true, "TASK_LOST": true,
	"TASK_ERROR": true, "TASK_DROPPED": true, "TASK_GONE": true, "TASK_GONE_BY_OPERATOR": true,
}

// OwnExitProblems reads a trace in which the executor exited with no
// Shutdown before its exit, as Mesos's command executor does once its
// task ended: that is a correct end only if every task it reported on had
// its terminal update, and every update (terminal or not) was acknowledged
// before the exit. It returns what was still open at the exit; a trace
// with a Shutdown before the exit, or no exit, has no problems here.
func OwnExitProblems(es []Entry) []string {
	last, acked := map[string]string{}, map[string]bool{}
	var tasks, uuids []string
	described := map[string]string{}
	for _, e := range es {
		switch {
		case e.Dir == ToExecutor && e.Kind() == "SHUTDOWN":
			return nil
		case (e.Dir == FromExecutor && e.Kind() == "UPDATE") || (e.Dir == AtAgent && e.Name == EventUpdateReplayed):
			if _, seen := last[e.TaskID]; !seen {
				tasks = append(tasks, e.TaskID)
			}
			last[e.TaskID] = e.State
			key := string(e.UUID)
			if _, seen := described[key]; !seen {
				described[key] = fmt.Sprintf("%s %s %s", e.TaskID, e.State, ShortUUID(e.UUID))
				uuids = append(uuids, key)
			}
		case e.Dir == ToExecutor && e.Kind() == "ACKNOWLEDGED":
			acked[string(e.UUID)] = true
		case e.Name == EventExited:
			var problems []string
			for _, t := range tasks {
				if !terminalStates[last[t]] {
					problems = append(problems, fmt.Sprintf("task %s was %s", t, last[t]))
				}
			}
			for _, k := range uuids {
				if !acked[k] {
					problems = append(problems, described[k]+" was unacknowledged")
				}
			}
			return problems
		}
	}
	return nil
}
