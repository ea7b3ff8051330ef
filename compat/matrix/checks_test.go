package matrix

import (
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/compat/agentsim"
)

func update(task, state string, id byte) agentsim.Entry {
	return agentsim.Entry{Dir: agentsim.FromExecutor, Wire: agentsim.WireV1, Name: "UPDATE", TaskID: task, State: state, UUID: []byte{id}}
}

func ack(task string, id byte) agentsim.Entry {
	return agentsim.Entry{Dir: agentsim.ToExecutor, Wire: agentsim.WireV1, Name: "ACKNOWLEDGED", TaskID: task, UUID: []byte{id}}
}

// restartTrace is a good agent-restart cell, reduced to what its checks read.
func restartTrace() []agentsim.Entry {
	return []agentsim.Entry{
		update(task1, "TASK_RUNNING", 1), ack(task1, 1),
		update(task1, "TASK_KILLED", 2),
		{Dir: agentsim.AtAgent, Name: agentsim.EventAckLost, TaskID: task1, UUID: []byte{2}},
		{Dir: agentsim.AtAgent, Name: agentsim.EventReregistered, Latency: 30 * time.Millisecond},
		{Dir: agentsim.AtAgent, Name: agentsim.EventUpdateReplayed, TaskID: task1, State: "TASK_KILLED", UUID: []byte{2}},
		ack(task1, 2),
		{Dir: agentsim.ToExecutor, Wire: agentsim.WireV1, Name: "SHUTDOWN"},
	}
}

func restartChecks(es []agentsim.Entry) []Check {
	return []Check{
		taskStates(es, task1, mesos.TASK_RUNNING, mesos.TASK_KILLED),
		ackedExactlyOnce(es),
		nothingRefused(es, 1),
		replayedAcrossRestart(es, task1, mesos.TASK_KILLED),
		reregisteredInTime(es),
	}
}

func failures(cs []Check) []string {
	var out []string
	for _, c := range cs {
		if c.Fail != "" {
			out = append(out, c.Name+": "+c.Fail)
		}
	}
	return out
}

func TestChecksPassAGoodRestart(t *testing.T) {
	require.Empty(t, failures(restartChecks(restartTrace())))
}

func TestChecksCatchEachMisbehaviour(t *testing.T) {
	for name, tc := range map[string]struct {
		spoil func([]agentsim.Entry) []agentsim.Entry
		want  string
	}{
		"double ack": {func(es []agentsim.Entry) []agentsim.Entry { return append(es, ack(task1, 2)) }, "acknowledged 2 times"},
		"no replay":  {func(es []agentsim.Entry) []agentsim.Entry { return append(es[:5:5], es[6:]...) }, "no its replay after the restart"},
		"late":       {func(es []agentsim.Entry) []agentsim.Entry { es[4].Latency = 3 * time.Second; return es }, "a real agent destroys"},
		"two terminals": {func(es []agentsim.Entry) []agentsim.Entry {
			return append(es, update(task1, "TASK_KILLED", 3), ack(task1, 3))
		}, "saw TASK_RUNNING → TASK_KILLED → TASK_KILLED"},
		"no shutdown": {func(es []agentsim.Entry) []agentsim.Entry { return es[:len(es)-1] }, "0 shutdowns sent, want 1"},
		"refused": {func(es []agentsim.Entry) []agentsim.Entry {
			return append(es, agentsim.Entry{Dir: agentsim.AtAgent, Name: agentsim.EventRejected, Detail: "UPDATE answered 400"})
		}, "Rejected UPDATE answered 400"},
	} {
		t.Run(name, func(t *testing.T) {
			got := failures(restartChecks(tc.spoil(restartTrace())))
			require.NotEmpty(t, got)
			require.Contains(t, got[0]+" "+got[len(got)-1], tc.want)
		})
	}
}

func TestEchoedCatchesInjectedInput(t *testing.T) {
	es := []agentsim.Entry{
		{Dir: agentsim.ToExecutor, Name: "FrameworkToExecutorMessage", Data: echoData},
		{Dir: agentsim.FromExecutor, Name: "ExecutorToFrameworkMessage", Data: echoData},
	}
	require.Empty(t, echoed(es, echoData).Fail)
	es = append(es, agentsim.Entry{Dir: agentsim.FromExecutor, Name: "ExecutorToFrameworkMessage", Data: []byte("from a stranger")})
	require.Contains(t, echoed(es, echoData).Fail, `also sent "from a stranger"`)
	require.Contains(t, echoed(es[:1], echoData).Fail, "echoed=false")
}

func TestWireAsAsked(t *testing.T) {
	require.Empty(t, wireAsAsked(&run{mode: Auto}, agentsim.WireV0).Fail)
	require.Empty(t, wireAsAsked(&run{mode: V1}, agentsim.WireV1).Fail)
	require.Equal(t, "wrong wire", wireAsAsked(&run{mode: V1}, agentsim.WireV0).Fail)
	require.Equal(t, "it never registered", wireAsAsked(&run{mode: Auto}, "").Fail)
}
