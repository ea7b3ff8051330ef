package agentsim

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/mesosproto"
)

func TestEntryFormatsAsATimelineLine(t *testing.T) {
	e := Entry{At: 12345 * time.Microsecond, Dir: ToExecutor, Wire: WireV0, Name: "StatusUpdateAcknowledgementMessage",
		TaskID: "t1", UUID: []byte{0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5}}
	require.Equal(t, "+     12.3ms  agent → executor  v0  StatusUpdateAcknowledgementMessage  task=t1 uuid=deadbeef", e.String())
	require.Equal(t, "ACKNOWLEDGED", e.Kind())

	e = Entry{At: 12345 * time.Microsecond, Dir: ToExecutor, Wire: WireV1, Name: "ACKNOWLEDGED", TaskID: "t1"}
	require.Equal(t, "+     12.3ms  agent → executor  v1  ACKNOWLEDGED                        task=t1", e.String())
	require.Equal(t, "ACKNOWLEDGED", e.Kind())

	e = Entry{At: 2 * time.Second, Dir: AtAgent, Name: EventReregistered, Latency: 1500 * time.Microsecond}
	require.Equal(t, "+   2000.0ms  agent                 Reregistered                        latency=1.5ms", e.String())
	require.Empty(t, e.Kind())
}

func TestTraceRecordsTheConversationInOrder(t *testing.T) {
	a := startAgent(t, AgentConfig{Profile: Mesos14})
	f := newFakeExecutor(t, a)
	f.registerWithTask(a, "t1")
	f.update("t1", mesos.TASK_RUNNING)
	f.expect(&mesosproto.StatusUpdateAcknowledgementMessage{})
	require.NoError(t, a.WaitAllAcknowledged(testContext(t)))

	lines := strings.Split(strings.TrimSpace(a.Trace().String()), "\n")
	var got []string
	line := regexp.MustCompile(`^\+ *\d+\.\dms  (.{16})  (v0|v1|  )  (\S+)`)
	for _, l := range lines {
		m := line.FindStringSubmatch(l)
		require.NotNil(t, m, "malformed line %q", l)
		got = append(got, strings.TrimSpace(strings.TrimSpace(m[1])+" "+m[2])+" "+m[3])
	}
	require.Equal(t, []string{
		"agent AgentStarted",
		"script Launch",
		"executor → agent v0 RegisterExecutorMessage",
		"agent → executor v0 ExecutorRegisteredMessage",
		"agent → executor v0 RunTaskMessage",
		"executor → agent v0 StatusUpdateMessage",
		"agent → executor v0 StatusUpdateAcknowledgementMessage",
	}, got)
	require.Contains(t, lines[5], "task=t1 TASK_RUNNING uuid=")
}

// A trace longer than one block keeps every entry, in order, and Take
// empties it.
func TestTraceKeepsOrderAcrossBlocks(t *testing.T) {
	tr := NewTrace()
	n := 2*blockLen + 3
	for i := 0; i < n; i++ {
		tr.add(Entry{Name: fmt.Sprint(i)})
	}
	es := tr.Entries()
	require.Len(t, es, n)
	for i, e := range es {
		require.Equal(t, fmt.Sprint(i), e.Name)
	}
	require.Len(t, tr.Take(), n)
	require.Empty(t, tr.Entries())
	tr.add(Entry{Name: "after"})
	require.Equal(t, "after", tr.Entries()[0].Name)
}
