package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/compat/agentsim"
)

// Legacy trace names of the messages in the traces below.
const (
	statusUpdate = "StatusUpdateMessage"
	ack          = "StatusUpdateAcknowledgementMessage"
	toExecutor   = "FrameworkToExecutorMessage"
	fromExecutor = "ExecutorToFrameworkMessage"
	shutdown     = "ShutdownExecutorMessage"
)

// asV1 is the same trace as the v1 wire records it: messages named by
// their call or event type.
func asV1(es []agentsim.Entry) []agentsim.Entry {
	out := append([]agentsim.Entry(nil), es...)
	for i := range out {
		if k := out[i].Kind(); k != "" {
			out[i].Name, out[i].Wire = k, agentsim.WireV1
		}
	}
	return out
}

func update(task, state string, id byte) agentsim.Entry {
	return agentsim.Entry{Dir: agentsim.FromExecutor, Name: statusUpdate, TaskID: task, State: state, UUID: []byte{id}}
}

func ackOf(task string, id byte) agentsim.Entry {
	return agentsim.Entry{Dir: agentsim.ToExecutor, Name: ack, TaskID: task, UUID: []byte{id}}
}

// goodDemo is the trace of a demo run that went right, reduced to what the
// checks read.
func goodDemo() []agentsim.Entry {
	return []agentsim.Entry{
		update(sleeper, "TASK_RUNNING", 1), ackOf(sleeper, 1),
		update(echoer, "TASK_RUNNING", 2), ackOf(echoer, 2),
		update(echoer, "TASK_FINISHED", 3), ackOf(echoer, 3),
		{Dir: agentsim.ToExecutor, Name: toExecutor, Data: echoData},
		{Dir: agentsim.FromExecutor, Name: fromExecutor, Data: echoData},
		update(sleeper, "TASK_KILLED", 4),
		{Dir: agentsim.AtAgent, Name: agentsim.EventAckLost, TaskID: sleeper, UUID: []byte{4}},
		{Dir: agentsim.AtAgent, Name: agentsim.EventAgentCrashed},
		{Dir: agentsim.AtAgent, Name: agentsim.EventReregistered, Latency: 5 * time.Millisecond},
		{Dir: agentsim.AtAgent, Name: agentsim.EventUpdateReplayed, TaskID: sleeper, State: "TASK_KILLED", UUID: []byte{4}},
		ackOf(sleeper, 4),
		{Dir: agentsim.AtExecutor, Name: agentsim.EventExited, Exit: &agentsim.ExitStatus{}},
	}
}

// shutDownDemo is goodDemo with an executor that waits to be shut down.
func shutDownDemo() []agentsim.Entry {
	es := goodDemo()
	exit := es[len(es)-1]
	return append(es[:len(es)-1], agentsim.Entry{Dir: agentsim.Script, Name: "Shutdown"},
		agentsim.Entry{Dir: agentsim.ToExecutor, Name: shutdown}, exit)
}

func verdict(t *testing.T, es []agentsim.Entry) (int, string) {
	var out bytes.Buffer
	code := report(&out, result{checks: demoChecks(es)})
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	return code, lines[len(lines)-1]
}

func TestDemoChecksPassAGoodRun(t *testing.T) {
	code, last := verdict(t, goodDemo())
	require.Equal(t, "VERDICT: PASS", last)
	require.Zero(t, code)
}

// An executor that waits to be shut down, rather than exiting on its own
// once its tasks ended, ends the demo well too.
func TestDemoChecksPassAShutDownRun(t *testing.T) {
	code, last := verdict(t, shutDownDemo())
	require.Equal(t, "VERDICT: PASS", last)
	require.Zero(t, code)
}

// Exiting on its own is right only once every task ended and every update
// was acknowledged; a Shutdown nobody scripted is caught too.
func TestDemoChecksCatchAnEarlyOwnExit(t *testing.T) {
	exit := agentsim.Entry{Dir: agentsim.AtExecutor, Name: agentsim.EventExited, Exit: &agentsim.ExitStatus{}}
	for name, tc := range map[string]struct {
		es   []agentsim.Entry
		want string
	}{
		"before the acknowledgement": {append(goodDemo()[:13:13], exit, ackOf(sleeper, 4)),
			"exited before the Shutdown (exit code 0) with task-1 TASK_KILLED 04 was unacknowledged"},
		"with a task running": {append(goodDemo()[:2:2], exit), "task-1 was TASK_RUNNING"},
		"unscripted shutdown": {append(goodDemo()[:14:14], agentsim.Entry{Dir: agentsim.ToExecutor, Name: shutdown}, exit),
			"1 ShutdownExecutorMessages sent, 0 scripted"},
	} {
		t.Run(name, func(t *testing.T) {
			code, last := verdict(t, tc.es)
			require.Equal(t, 1, code)
			require.Contains(t, last, tc.want)
		})
	}
}

func TestDemoChecksHoldOnTheV1Wire(t *testing.T) {
	v1 := asV1(goodDemo())
	require.Equal(t, "UPDATE", v1[0].Name)
	code, last := verdict(t, v1)
	require.Equal(t, "VERDICT: PASS", last)
	require.Zero(t, code)
	code, _ = verdict(t, append(v1, agentsim.Entry{Dir: agentsim.ToExecutor, Wire: agentsim.WireV1, Name: "ACKNOWLEDGED", TaskID: echoer, UUID: []byte{3}}))
	require.Equal(t, 1, code, "a double acknowledgement on v1 is caught too")
}

func TestDemoChecksCatchEachMisbehaviour(t *testing.T) {
	for name, tc := range map[string]struct {
		spoil func([]agentsim.Entry) []agentsim.Entry
		want  string
	}{
		"double ack": {func(es []agentsim.Entry) []agentsim.Entry { return append(es, ackOf(echoer, 3)) },
			"acknowledged 2 times"},
		"missing ack": {func(es []agentsim.Entry) []agentsim.Entry { return es[:len(es)-2] },
			"TASK_KILLED 04 acknowledged 0 times"},
		"ack of nothing": {func(es []agentsim.Entry) []agentsim.Entry { return append(es, ackOf(echoer, 9)) },
			"unknown uuid 09"},
		"no replay": {func(es []agentsim.Entry) []agentsim.Entry { return append(es[:12:12], es[13:]...) },
			"no its replay in the reregistration"},
		"late reregistration": {func(es []agentsim.Entry) []agentsim.Entry { es[11].Latency = 2 * time.Second; return es },
			"too late"},
		"no echo": {func(es []agentsim.Entry) []agentsim.Entry { es[7].Data = []byte("other"); return es },
			"echoed=false"},
		"two terminal updates": {func(es []agentsim.Entry) []agentsim.Entry {
			return append(es, update(echoer, "TASK_FINISHED", 5), ackOf(echoer, 5))
		}, "must end with exactly one TASK_FINISHED"},
		"exit code 1": {func(es []agentsim.Entry) []agentsim.Entry {
			es[len(es)-1].Exit = &agentsim.ExitStatus{Code: 1}
			return es
		},
			"exit code 1"},
		"refused": {func(es []agentsim.Entry) []agentsim.Entry {
			return append(es, agentsim.Entry{Dir: agentsim.AtAgent, Name: agentsim.EventRefused, Detail: "dup"})
		}, "Refused dup"},
		"dropped update": {func(es []agentsim.Entry) []agentsim.Entry {
			return append(es, agentsim.Entry{Dir: agentsim.AtAgent, Name: agentsim.EventUpdateDropped, Detail: "no uuid"})
		}, "UpdateDropped"},
		"v1 call refused": {func(es []agentsim.Entry) []agentsim.Entry {
			return append(es, agentsim.Entry{Dir: agentsim.AtAgent, Wire: agentsim.WireV1, Name: agentsim.EventRejected,
				Call: "UPDATE", Status: 400, Detail: "UPDATE answered 400"})
		}, "Rejected UPDATE answered 400"},
	} {
		t.Run(name, func(t *testing.T) {
			code, last := verdict(t, tc.spoil(goodDemo()))
			require.Equal(t, 1, code)
			require.True(t, strings.HasPrefix(last, "VERDICT: FAIL: "), last)
			require.Contains(t, last, tc.want)
		})
	}
}

// A pre-1.8 agent refusing a HEARTBEAT call is no failure: the executor
// cannot know the agent's version, and the refusal is harmless.
// The driver sends HEARTBEAT calls only to agents that send heartbeats
// (1.8+), so a refused one is a failure like any other refusal.
func TestDemoChecksFailARefusedHeartbeat(t *testing.T) {
	es := append(asV1(goodDemo()), agentsim.Entry{Dir: agentsim.AtAgent, Wire: agentsim.WireV1,
		Name: agentsim.EventRejected, Call: "HEARTBEAT", Status: 400})
	code, last := verdict(t, es)
	require.Equal(t, 1, code, last)
	require.Contains(t, last, "nothing to refuse")
}

// What an orphan sends the new agent does not count against it, as long as
// the agent accepts none of it.
func TestOrphanChecks(t *testing.T) {
	good := []agentsim.Entry{
		update(sleeper, "TASK_RUNNING", 1), ackOf(sleeper, 1),
		{Dir: agentsim.Script, Name: "Restart"},
		{Dir: agentsim.AtAgent, Name: agentsim.EventAgentCrashed},
		{Dir: agentsim.AtAgent, Name: agentsim.EventForgotten},
		{Dir: agentsim.FromExecutor, Wire: agentsim.WireV1, Name: "UPDATE", TaskID: sleeper, State: "TASK_KILLED", UUID: []byte{2}},
		{Dir: agentsim.AtAgent, Wire: agentsim.WireV1, Name: agentsim.EventRejected, Call: "UPDATE", Status: 400},
		{Dir: agentsim.AtExecutor, Name: agentsim.EventExited, Exit: &agentsim.ExitStatus{}},
	}
	var out bytes.Buffer
	require.Zero(t, report(&out, result{checks: orphanChecks(good)}), out.String())

	acked := append(append([]agentsim.Entry(nil), good[:len(good)-1]...), ackOf(sleeper, 2), good[len(good)-1])
	out.Reset()
	require.Equal(t, 1, report(&out, result{checks: orphanChecks(acked)}))
	require.Contains(t, out.String(), "sent the executor nothing: 1 messages")
}

// An executor that took injected input gives itself away by echoing it.
func TestDemoChecksFailAnExecutorThatTookInjectedInput(t *testing.T) {
	es := append(goodDemo(), agentsim.Entry{Dir: agentsim.FromExecutor, Name: fromExecutor, Data: []byte("from a stranger")})
	code, last := verdict(t, es)
	require.Equal(t, 1, code)
	require.Contains(t, last, "took injected input")
}

// An orphan that had to be killed, or never ended, fails.
func TestOrphanChecksFailAnUncleanExit(t *testing.T) {
	es := []agentsim.Entry{
		update(sleeper, "TASK_RUNNING", 1), ackOf(sleeper, 1),
		{Dir: agentsim.Script, Name: "Restart"},
		{Dir: agentsim.AtAgent, Name: agentsim.EventAgentCrashed},
		{Dir: agentsim.AtExecutor, Name: agentsim.EventExited, Exit: &agentsim.ExitStatus{Signal: 9}},
	}
	var out bytes.Buffer
	require.Equal(t, 1, report(&out, result{checks: orphanChecks(es)}))
	require.Contains(t, out.String(), "exited cleanly")
}
