package mesosproto

import (
	"bufio"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/gogo/protobuf/proto"
	"github.com/mesos/mesos-go/api/v1/lib/executor"
	"github.com/stretchr/testify/require"
)

// captured is one legacy message body seen on the wire between a Mesos
// 1.12.0-dev agent and an executor (testdata/captures/mesos-1.12-dev).
type captured struct {
	scenario string
	index    string
	name     string
	body     []byte
}

// readCaptured loads testdata/captured-mesos-1.12.txt (made by
// testdata/extract_captures.py from the pcaps in the repository's
// testdata/captures/mesos-1.12-dev).
func readCaptured(tb testing.TB) []captured {
	tb.Helper()
	f, err := os.Open("testdata/captured-mesos-1.12.txt")
	require.NoError(tb, err)
	defer f.Close()
	var out []captured
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fs := strings.Fields(line)
		require.Len(tb, fs, 4, line)
		body := []byte{}
		if fs[3] != "-" {
			body, err = hex.DecodeString(fs[3])
			require.NoError(tb, err)
		}
		out = append(out, captured{fs[0], fs[1], fs[2], body})
	}
	require.NoError(tb, sc.Err())
	return out
}

// newByName returns an empty message for a libprocess name, or nil.
func newByName(name string) proto.Message {
	if name == ExecutorEventName {
		return &executor.Event{}
	}
	for _, m := range legacyMessages() {
		if Name(m) == name {
			return m
		}
	}
	return nil
}

// rewriteField applies f to the value of every length-delimited field num
// of body.
func rewriteField(t *testing.T, body []byte, num int, f func([]byte) []byte) []byte {
	fields, err := dec(body)
	require.NoError(t, err)
	for i := range fields {
		if fields[i].num == num && fields[i].wt == wtBytes {
			fields[i].val = f(fields[i].val.([]byte))
		}
	}
	return enc(fields...)
}

// withoutField removes every occurrence of field num.
func withoutField(t *testing.T, num int) func([]byte) []byte {
	return func(b []byte) []byte {
		fields, err := dec(b)
		require.NoError(t, err)
		var kept []fld
		for _, f := range fields {
			if f.num != num {
				kept = append(kept, f)
			}
		}
		return enc(kept...)
	}
}

// withDefaultExecutorType appends type = UNKNOWN (15) to an ExecutorInfo
// that has no type. C++ writes fields in tag order and 15 is the highest tag
// of ExecutorInfo, so appending keeps the order.
func withDefaultExecutorType(t *testing.T) func([]byte) []byte {
	return func(b []byte) []byte {
		fields, err := dec(b)
		require.NoError(t, err)
		for _, f := range fields {
			if f.num == 15 {
				return b
			}
		}
		return enc(append(fields, vint(15, 0))...)
	}
}

// expectedReencoding is what decoding a captured body and encoding it again
// gives: the same bytes, except for the two known effects of mesos-go's
// nested types (TestNestedTypesLoseUnknownFields): SlaveInfo.checkpoint (7)
// is dropped and ExecutorInfo.type is written when absent.
func expectedReencoding(t *testing.T, c captured) []byte {
	switch c.name {
	case "mesos.internal.ExecutorRegisteredMessage":
		b := rewriteField(t, c.body, 2, withDefaultExecutorType(t))
		return rewriteField(t, b, 6, withoutField(t, 7))
	case "mesos.internal.ExecutorReregisteredMessage":
		return rewriteField(t, c.body, 2, withoutField(t, 7))
	}
	return c.body
}

func TestCapturedBodiesFromMesos112(t *testing.T) {
	all := readCaptured(t)
	require.NotEmpty(t, all)
	names := map[string]int{}
	for _, c := range all {
		t.Run(c.scenario+"/"+c.index+"/"+strings.TrimPrefix(c.name, "mesos."), func(t *testing.T) {
			m := newByName(c.name)
			require.NotNil(t, m, "unexpected message name")
			require.NoError(t, Unmarshal(c.body, m))
			requireCapturedContent(t, m)

			out, err := proto.Marshal(m)
			require.NoError(t, err)
			require.Equal(t, expectedReencoding(t, c), out)
		})
		names[c.name]++
	}
	// Everything but the embedded StatusUpdate was seen on the real wire.
	for _, m := range legacyMessages() {
		if _, ok := m.(*StatusUpdate); !ok {
			require.NotZero(t, names[Name(m)], "no capture of %s", Name(m))
		}
	}
	require.NotZero(t, names[ExecutorEventName])
}

// The agent really sends SlaveInfo.checkpoint, so the loss pinned down in
// TestNestedTypesLoseUnknownFields happens with real agents.
func TestCapturedSlaveInfoCarriesCheckpoint(t *testing.T) {
	for _, c := range readCaptured(t) {
		if c.name != "mesos.internal.ExecutorRegisteredMessage" {
			continue
		}
		fields, err := dec(c.body)
		require.NoError(t, err)
		for _, f := range fields {
			if f.num != 6 {
				continue
			}
			inner, err := dec(f.val.([]byte))
			require.NoError(t, err)
			require.Contains(t, inner, vint(7, 1), "%s: slave_info.checkpoint", c.scenario)
		}
	}
}

// requireCapturedContent checks the fields every real message of its type
// carried.
func requireCapturedContent(t *testing.T, m proto.Message) {
	switch m := m.(type) {
	case *RegisterExecutorMessage:
		require.NotEmpty(t, m.GetFrameworkID().GetValue())
		require.NotEmpty(t, m.GetExecutorID().GetValue())
	case *ExecutorRegisteredMessage:
		require.NotEmpty(t, m.GetExecutorInfo().GetExecutorID().Value)
		require.Equal(t, m.GetFrameworkID().GetValue(), m.GetFrameworkInfo().GetID().GetValue())
		require.NotEmpty(t, m.GetSlaveID().GetValue())
		require.Equal(t, m.GetSlaveID().GetValue(), m.GetSlaveInfo().GetID().GetValue())
		require.Equal(t, "localhost", m.GetSlaveInfo().GetHostname())
	case *RunTaskMessage:
		require.Nil(t, m.FrameworkID, "1.x agents do not set framework_id")
		require.Equal(t, httpPID, m.GetPID(), "mesos-execute is an HTTP framework")
		require.NotEmpty(t, m.GetTask().GetTaskID().Value)
		require.NotEmpty(t, m.GetFramework().GetName())
		require.Empty(t, m.ResourceVersionUUIDs, "agents do not forward it")
		require.Nil(t, m.LaunchExecutor, "agents do not forward it")
	case *StatusUpdateMessage:
		require.True(t, strings.HasPrefix(m.GetPID(), "executor("), m.GetPID())
		require.NotNil(t, m.GetUpdate().GetStatus().State)
		require.NotNil(t, m.GetUpdate().Timestamp)
	case *StatusUpdateAcknowledgementMessage:
		require.NotEmpty(t, m.GetSlaveID().GetValue())
		require.NotEmpty(t, m.GetTaskID().GetValue())
		require.Len(t, m.UUID, 16)
	case *KillTaskMessage:
		require.NotEmpty(t, m.GetTaskID().GetValue())
	case *ReconnectExecutorMessage:
		require.NotEmpty(t, m.GetSlaveID().GetValue())
	case *ReregisterExecutorMessage:
		require.NotEmpty(t, m.GetExecutorID().GetValue())
	case *ExecutorReregisteredMessage:
		require.Equal(t, m.GetSlaveID().GetValue(), m.GetSlaveInfo().GetID().GetValue())
	case *FrameworkToExecutorMessage:
		require.Equal(t, []byte(fwMessage), m.Data, "the d scenario's binary message")
	case *ExecutorToFrameworkMessage:
		require.Equal(t, []byte(fwMessage), m.Data, "echoed back")
	case *ShutdownExecutorMessage:
		require.Nil(t, m.ExecutorID, "agents send it empty")
	case *executor.Event:
		require.Equal(t, executor.Event_LAUNCH_GROUP, m.GetType())
		require.Len(t, m.GetLaunchGroup().TaskGroup.Tasks, 2)
	default:
		t.Fatalf("unexpected %T", m)
	}
}
