package agentsim

import (
	"regexp"
	"strings"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/mesosproto"
)

func TestEntryFormatsAsATimelineLine(t *testing.T) {
	e := Entry{At: 12345 * time.Microsecond, Dir: ToExecutor, Name: "StatusUpdateAcknowledgementMessage",
		TaskID: "t1", UUID: []byte{0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5}}
	require.Equal(t, "+     12.3ms  agent → executor  StatusUpdateAcknowledgementMessage  task=t1 uuid=deadbeef", e.String())

	e = Entry{At: 2 * time.Second, Dir: AtAgent, Name: EventReregistered, Latency: 1500 * time.Microsecond}
	require.Equal(t, "+   2000.0ms  agent             Reregistered                        latency=1.5ms", e.String())
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
	line := regexp.MustCompile(`^\+ *\d+\.\dms  (.+?)  +(\S+)`)
	for _, l := range lines {
		m := line.FindStringSubmatch(l)
		require.NotNil(t, m, "malformed line %q", l)
		got = append(got, strings.TrimSpace(m[1])+" "+m[2])
	}
	require.Equal(t, []string{
		"agent AgentStarted",
		"script Launch",
		"executor → agent RegisterExecutorMessage",
		"agent → executor ExecutorRegisteredMessage",
		"agent → executor RunTaskMessage",
		"executor → agent StatusUpdateMessage",
		"agent → executor StatusUpdateAcknowledgementMessage",
	}, got)
	require.Contains(t, lines[5], "task=t1 TASK_RUNNING uuid=")
}
