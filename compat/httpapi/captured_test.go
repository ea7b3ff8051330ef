package httpapi

import (
	"net/http"
	"testing"

	"github.com/mesos/mesos-go/api/v1/lib/executor"
	"github.com/stretchr/testify/require"
)

// scenario is what the transcripts in the repository's
// testdata/captures/mesos-1.12-dev show for one v1 capture.
type scenario struct {
	name     string
	codec    Codec
	executor string
	streams  [][]executor.Event_Type // per 200 answer to a SUBSCRIBE
	calls    []executor.Call_Type
	statuses []int               // the answer to each call
	tasks    map[string][]string // task IDs in LAUNCH, LAUNCH_GROUP, KILL, ACKNOWLEDGED
}

const (
	evSubscribed = executor.Event_SUBSCRIBED
	evLaunch     = executor.Event_LAUNCH
	evGroup      = executor.Event_LAUNCH_GROUP
	evKill       = executor.Event_KILL
	evAck        = executor.Event_ACKNOWLEDGED
	evMessage    = executor.Event_MESSAGE
	evShutdown   = executor.Event_SHUTDOWN
	callSub      = executor.Call_SUBSCRIBE
	callUpdate   = executor.Call_UPDATE
	callMessage  = executor.Call_MESSAGE
)

var scenarios = []scenario{
	{
		name: "v1-a-finish", codec: Protobuf, executor: "v1-a-finish",
		streams:  [][]executor.Event_Type{{evSubscribed, evLaunch, evAck, evAck, evShutdown}},
		calls:    []executor.Call_Type{callSub, callUpdate, callUpdate},
		statuses: []int{200, 202, 202},
		tasks:    map[string][]string{"LAUNCH": {"v1-a-finish"}, "ACKNOWLEDGED": {"v1-a-finish", "v1-a-finish"}},
	},
	{
		name: "v1j-a-finish", codec: JSON, executor: "v1j-a-finish",
		streams:  [][]executor.Event_Type{{evSubscribed, evLaunch, evAck, evAck, evShutdown}},
		calls:    []executor.Call_Type{callSub, callUpdate, callUpdate},
		statuses: []int{200, 202, 202},
		tasks:    map[string][]string{"LAUNCH": {"v1j-a-finish"}, "ACKNOWLEDGED": {"v1j-a-finish", "v1j-a-finish"}},
	},
	{
		name: "v1-c-restart", codec: Protobuf, executor: "v1-c-restart",
		streams: [][]executor.Event_Type{
			{evSubscribed, evLaunch, evAck},
			{evSubscribed, evKill, evAck, evShutdown},
		},
		calls:    []executor.Call_Type{callSub, callUpdate, callSub, callUpdate},
		statuses: []int{200, 202, 200, 202},
		tasks: map[string][]string{"LAUNCH": {"v1-c-restart"}, "KILL": {"v1-c-restart"},
			"ACKNOWLEDGED": {"v1-c-restart", "v1-c-restart"}},
	},
	{
		name: "v1-e-recovery-update", codec: Protobuf, executor: "v1-e-recovery-update",
		streams:  [][]executor.Event_Type{{evSubscribed, evLaunch, evAck}, {evSubscribed, evShutdown}},
		calls:    []executor.Call_Type{callSub, callUpdate, callSub, callSub, callUpdate},
		statuses: []int{200, 202, 503, 200, 503},
		tasks:    map[string][]string{"LAUNCH": {"v1-e-recovery-update"}, "ACKNOWLEDGED": {"v1-e-recovery-update"}},
	},
	{
		name: "v1-d-group", codec: Protobuf, executor: "v1-d-group-exec",
		streams: [][]executor.Event_Type{
			{evSubscribed, evGroup, evAck, evAck, evAck, evMessage, evAck, evShutdown},
		},
		calls:    []executor.Call_Type{callSub, callUpdate, callUpdate, callUpdate, callMessage, callUpdate},
		statuses: []int{200, 202, 202, 202, 202, 202},
		tasks: map[string][]string{"LAUNCH_GROUP": {"v1-d-group-t1", "v1-d-group-t2"},
			"ACKNOWLEDGED": {"v1-d-group-t1", "v1-d-group-t2", "v1-d-group-t2", "v1-d-group-t1"}},
	},
}

// TestCapturedEvents decodes every event the real agent streamed and checks
// the sequence and the IDs against the transcripts.
func TestCapturedEvents(t *testing.T) {
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			subs := subscriptions(t, loadExchanges(t, sc.name))
			require.Len(t, subs, len(sc.streams))
			tasks := map[string][]string{}
			for i, sub := range subs {
				require.Equal(t, sc.codec, sub.codec, "the Content-Type of the stream")
				var types []executor.Event_Type
				for _, rec := range sub.records {
					ev, err := sub.codec.DecodeEvent(rec)
					require.NoError(t, err)
					types = append(types, ev.Type)
					collectTasks(tasks, ev)
					checkCapturedEvent(t, sc, ev)
				}
				require.Equal(t, sc.streams[i], types, "stream %d", i+1)
			}
			require.Equal(t, sc.tasks, tasks)
		})
	}
}

func collectTasks(tasks map[string][]string, ev *executor.Event) {
	name := ev.Type.String()
	switch ev.Type {
	case executor.Event_LAUNCH:
		tasks[name] = append(tasks[name], ev.Launch.Task.TaskID.Value)
	case executor.Event_LAUNCH_GROUP:
		for _, task := range ev.LaunchGroup.TaskGroup.Tasks {
			tasks[name] = append(tasks[name], task.TaskID.Value)
		}
	case executor.Event_KILL:
		tasks[name] = append(tasks[name], ev.Kill.TaskID.Value)
	case executor.Event_ACKNOWLEDGED:
		tasks[name] = append(tasks[name], ev.Acknowledged.TaskID.Value)
	}
}

func checkCapturedEvent(t *testing.T, sc scenario, ev *executor.Event) {
	switch ev.Type {
	case executor.Event_SUBSCRIBED:
		s := ev.Subscribed
		require.Equal(t, sc.executor, s.ExecutorInfo.ExecutorID.Value)
		require.Equal(t, "45382302-bcd3-40ea-b69a-c3dfc78377c3-S0", s.AgentInfo.ID.Value)
		require.Equal(t, "localhost", s.AgentInfo.Hostname)
		require.Equal(t, int32(5051), s.AgentInfo.GetPort())
		require.Equal(t, s.FrameworkInfo.ID.Value, s.ExecutorInfo.FrameworkID.Value)
		require.Len(t, s.ContainerID.Value, 36)
	case executor.Event_ACKNOWLEDGED:
		require.Len(t, ev.Acknowledged.UUID, 16)
	case executor.Event_MESSAGE:
		require.Equal(t, binaryData, ev.Message.Data)
	}
}

// TestCapturedCalls decodes every call the mesos-go executors sent and
// checks that the acknowledgements carry the UUIDs of the accepted updates.
func TestCapturedCalls(t *testing.T) {
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			xs := loadExchanges(t, sc.name)
			codecs, bodies := calls(t, xs)
			var types []executor.Call_Type
			var statuses []int
			var accepted [][]byte
			for i, body := range bodies {
				require.Equal(t, sc.codec, codecs[i])
				call, err := codecs[i].DecodeCall(body)
				require.NoError(t, err)
				require.Equal(t, sc.executor, call.ExecutorID.Value)
				types, statuses = append(types, call.Type), append(statuses, xs[i].resp.StatusCode)
				if call.Type == callUpdate && xs[i].resp.StatusCode == http.StatusAccepted {
					accepted = append(accepted, call.Update.Status.UUID)
				}
				if call.Type == callMessage {
					require.Equal(t, binaryData, call.Message.Data)
				}
			}
			require.Equal(t, sc.calls, types)
			require.Equal(t, sc.statuses, statuses)
			require.Equal(t, accepted, ackUUIDs(t, xs))
		})
	}
}

func ackUUIDs(t *testing.T, xs []exchange) [][]byte {
	var out [][]byte
	for _, sub := range subscriptions(t, xs) {
		for _, rec := range sub.records {
			ev, err := sub.codec.DecodeEvent(rec)
			require.NoError(t, err)
			if ev.Type == evAck {
				out = append(out, ev.Acknowledged.UUID)
			}
		}
	}
	return out
}

// TestCapturedResponsesClassify runs every captured answer through
// ClassifyResponse, including the 503s of the recovery window.
func TestCapturedResponsesClassify(t *testing.T) {
	retries := 0
	for _, sc := range scenarios {
		xs := loadExchanges(t, sc.name)
		codecs, bodies := calls(t, xs)
		for i, x := range xs {
			call, err := codecs[i].DecodeCall(bodies[i])
			require.NoError(t, err)
			subscribe := call.Type == callSub
			err = ClassifyResponse(x.resp.StatusCode, x.respBody, subscribe)
			if x.resp.StatusCode == http.StatusServiceUnavailable {
				var ae *APIError
				require.ErrorAs(t, err, &ae)
				require.Equal(t, APIError{Status: 503, Body: "Agent has not finished recovery", Kind: Retry, Subscribe: subscribe}, *ae)
				retries++
				continue
			}
			require.NoError(t, err, "%s call %d", sc.name, i+1)
		}
	}
	require.Equal(t, 2, retries, "v1-e has a 503 to a SUBSCRIBE and one to an UPDATE")
}

// TestCapturedProtobufReencodes: mesos-go's calls re-encode byte for byte,
// and so do the agent's events except SUBSCRIBED. Its AgentInfo carries
// field 7 (SlaveInfo.checkpoint = 1), which the v1 schema lacks: decoding
// skips it. (mesos-go also writes ExecutorInfo.type = 0 where the agent
// left it out, which happens to make up the two bytes.)
func TestCapturedProtobufReencodes(t *testing.T) {
	for _, sc := range scenarios {
		if sc.codec != Protobuf {
			continue
		}
		xs := loadExchanges(t, sc.name)
		_, bodies := calls(t, xs)
		for _, body := range bodies {
			call, err := Protobuf.DecodeCall(body)
			require.NoError(t, err)
			again, err := Protobuf.EncodeCall(call)
			require.NoError(t, err)
			require.Equal(t, body, again)
		}
		for _, sub := range subscriptions(t, xs) {
			for _, rec := range sub.records {
				requireReencodes(t, rec)
			}
		}
	}
}

func requireReencodes(t *testing.T, rec []byte) {
	ev, err := Protobuf.DecodeEvent(rec)
	require.NoError(t, err)
	again, err := Protobuf.EncodeEvent(ev)
	require.NoError(t, err)
	if ev.Type != evSubscribed {
		require.Equal(t, rec, again)
		return
	}
	agentInfo := func(event []byte) []uint64 {
		return fieldNumbers(t, subField(t, subField(t, event, 2), 3))
	}
	require.Equal(t, []uint64{1, 3, 3, 3, 3, 6, 8, 7}, agentInfo(rec), "as captured: the unknown field last")
	require.Equal(t, []uint64{1, 3, 3, 3, 3, 6, 8}, agentInfo(again), "as decoded")
}

// fieldNumbers lists the top-level field numbers of an encoded message.
func fieldNumbers(t *testing.T, msg []byte) []uint64 {
	var nums []uint64
	for len(msg) > 0 {
		f, n, err := parseField(msg)
		require.NoError(t, err)
		nums, msg = append(nums, f.num), msg[n:]
	}
	return nums
}

// subField returns the bytes of the first length-delimited field num.
func subField(t *testing.T, msg []byte, num uint64) []byte {
	for len(msg) > 0 {
		f, n, err := parseField(msg)
		require.NoError(t, err)
		if f.num == num && f.wire == wireBytes {
			return f.body
		}
		msg = msg[n:]
	}
	require.FailNow(t, "no such field", "field %d", num)
	return nil
}

// TestCapturedJSON checks the agent's JSON events beyond their types, and
// that what we send instead of mesos-go's calls has no nulls.
func TestCapturedJSON(t *testing.T) {
	xs := loadExchanges(t, "v1j-a-finish")
	events := subscriptions(t, xs)[0].records
	launch, err := JSON.DecodeEvent(events[1])
	require.NoError(t, err)
	cmd := launch.Launch.Task.Command
	require.Equal(t, "echo hello > out.txt", cmd.GetValue())
	require.True(t, cmd.GetShell(), `the agent writes the default "shell":true`)
	require.Equal(t, 32.0, launch.Launch.Task.Resources[1].Scalar.Value)

	_, bodies := calls(t, xs)
	require.Contains(t, string(bodies[0]), `"unacknowledged_tasks":null`, "mesos-go sent null, and the agent took it")
	for _, body := range bodies {
		call, err := JSON.DecodeCall(body)
		require.NoError(t, err)
		ours, err := JSON.EncodeCall(call)
		require.NoError(t, err)
		require.NotContains(t, string(ours), "null")
		back, err := JSON.DecodeCall(ours)
		require.NoError(t, err)
		require.True(t, call.Equal(back))
	}
}

// TestCapturedEventsAcrossEncodings: the agent's JSON SUBSCRIBED re-encoded
// as protobuf decodes to the same event, and the other way round.
func TestCapturedEventsAcrossEncodings(t *testing.T) {
	for _, name := range []string{"v1j-a-finish", "v1-a-finish"} {
		sub := subscriptions(t, loadExchanges(t, name))[0]
		other := JSON
		if sub.codec == JSON {
			other = Protobuf
		}
		for _, rec := range sub.records {
			ev, err := sub.codec.DecodeEvent(rec)
			require.NoError(t, err)
			data, err := other.EncodeEvent(ev)
			require.NoError(t, err)
			back, err := other.DecodeEvent(data)
			require.NoError(t, err)
			require.Truef(t, ev.Equal(back), "%s via %s:\n%v\n%v", name, other, ev, back)
		}
	}
}
