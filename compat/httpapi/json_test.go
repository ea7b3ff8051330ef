package httpapi

import (
	"encoding/json"
	"testing"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/executor"
	"github.com/stretchr/testify/require"
)

// TestJSONCallsHaveNoNullsOrUnknown: mesos-go alone writes
// "unacknowledged_tasks":null and "type":"UNKNOWN" for the zero enum.
func TestJSONCallsHaveNoNullsOrUnknown(t *testing.T) {
	for name, call := range sampleCalls() {
		raw, err := call.MarshalJSON()
		require.NoError(t, err)
		data, err := JSON.EncodeCall(call)
		require.NoError(t, err)
		require.NotContains(t, string(data), "null", name)
		require.NotContains(t, string(data), "UNKNOWN", name)
		if name == "SUBSCRIBE" {
			require.Contains(t, string(raw), `"unacknowledged_tasks":null`, "mesos-go's own output")
		}
	}
}

func TestJSONSubscribeMatchesTheAgentsStyle(t *testing.T) {
	data, err := JSON.EncodeCall(sampleCalls()["SUBSCRIBE"])
	require.NoError(t, err)
	require.Equal(t, `{"executor_id":{"value":"v1-d-group-exec"},"framework_id":{"value":"45382302-bcd3-40ea-b69a-c3dfc78377c3-0007"},"type":"SUBSCRIBE","subscribe":{}}`, string(data))
}

func TestJSONUpdateEncoding(t *testing.T) {
	data, err := JSON.EncodeCall(sampleCalls()["UPDATE"])
	require.NoError(t, err)
	s := string(data)
	require.Contains(t, s, `"uuid":"h3OoIpxNSmekenESaZ+WyA=="`, "bytes are base64")
	require.Contains(t, s, `"state":"TASK_RUNNING"`)
	require.Contains(t, s, `"source":"SOURCE_EXECUTOR"`)
	require.Contains(t, s, `"reason":"REASON_COMMAND_EXECUTOR_FAILED"`, "a set optional enum with value 0 stays")
	require.Contains(t, s, `"healthy":false`)
}

// TestJSONDropsOnlyOptionalZeroUnknownEnums: ExecutorInfo.type is optional
// with UNKNOWN=0, so it goes; Value.Type SCALAR=0 is a real value and stays.
func TestJSONDropsOnlyOptionalZeroUnknownEnums(t *testing.T) {
	task := sampleTask("t1")
	task.Executor.Type = mesos.ExecutorInfo_UNKNOWN
	call := &executor.Call{ExecutorID: executorID, FrameworkID: frameworkID, Type: executor.Call_SUBSCRIBE,
		Subscribe: &executor.Call_Subscribe{UnacknowledgedTasks: []mesos.TaskInfo{task}}}
	data, err := JSON.EncodeCall(call)
	require.NoError(t, err)
	require.NotContains(t, string(data), "UNKNOWN")
	require.Contains(t, string(data), `"type":"SCALAR"`)
	require.Contains(t, string(data), `"value":"a \u003e b \u0026 c"`, "ffjson's escapes, which agents read")
	got, err := JSON.DecodeCall(data)
	require.NoError(t, err)
	require.True(t, call.Equal(got))
}

func TestJSONDecodeTolerance(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		check func(t *testing.T, ev *executor.Event)
	}{
		{"unknown fields at every level",
			`{"type":"KILL","new":[1,{"a":null}],"kill":{"task_id":{"value":"t","x":true},"y":"z"}}`,
			func(t *testing.T, ev *executor.Event) { require.Equal(t, "t", ev.Kill.TaskID.Value) }},
		{"null members",
			`{"type":"ACKNOWLEDGED","acknowledged":{"task_id":{"value":"t"},"uuid":"AAEC"},"kill":null}`,
			func(t *testing.T, ev *executor.Event) { require.Equal(t, []byte{0, 1, 2}, ev.Acknowledged.UUID) }},
		{"unknown enum in an optional field with UNKNOWN=0",
			`{"type":"SUBSCRIBED","subscribed":{"executor_info":{"executor_id":{"value":"e"},"type":"WASM"},` +
				`"framework_info":{"user":"u","name":"n","capabilities":[{"type":"FUTURE"},{"type":"PARTITION_AWARE"}]},` +
				`"agent_info":{"hostname":"h"}}}`,
			func(t *testing.T, ev *executor.Event) {
				require.Equal(t, mesos.ExecutorInfo_UNKNOWN, ev.Subscribed.ExecutorInfo.Type)
				caps := ev.Subscribed.FrameworkInfo.Capabilities
				require.Len(t, caps, 2)
				require.Equal(t, mesos.FrameworkInfo_Capability_UNKNOWN, caps[0].Type)
				require.Equal(t, mesos.FrameworkInfo_Capability_PARTITION_AWARE, caps[1].Type)
			}},
		{"unknown enum in a pointer field and in a repeated enum",
			`{"type":"LAUNCH","launch":{"task":{"name":"n","task_id":{"value":"t"},"agent_id":{"value":"a"},` +
				`"container":{"type":"MESOS","docker":{"image":"i","network":"SPACE"},` +
				`"linux_info":{"effective_capabilities":{"capabilities":["CHOWN","TELEPATHY","KILL"]}}}}}}`,
			func(t *testing.T, ev *executor.Event) {
				c := ev.Launch.Task.Container
				require.Nil(t, c.Docker.Network)
				require.Equal(t, []mesos.CapabilityInfo_Capability{mesos.CapabilityInfo_CHOWN, mesos.CapabilityInfo_KILL},
					c.LinuxInfo.EffectiveCapabilities.Capabilities)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := JSON.DecodeEvent([]byte(tt.in))
			require.NoError(t, err)
			tt.check(t, ev)
		})
	}
}

func TestJSONDecodeRejectsUnknownRequiredEnums(t *testing.T) {
	_, err := JSON.DecodeEvent([]byte(`{"type":"LAUNCH","launch":{"task":{"name":"n","task_id":{"value":"t"},` +
		`"agent_id":{"value":"a"},"resources":[{"name":"cpus","type":"VECTOR","scalar":{"value":1}}]}}}`))
	var de *DecodeError
	require.ErrorAs(t, err, &de)
	require.ErrorContains(t, err, "VECTOR")
}

// TestJSONEventsFromZeroSeven: the 0.27 names are the same, and its
// Event.shutdown message is an unknown field to the 0.28 schema.
func TestJSONEventsFromZeroSeven(t *testing.T) {
	codec := JSON.WithNumbering(Numbering027)
	ev, err := codec.DecodeEvent([]byte(`{"type":"SHUTDOWN","shutdown":{"grace_period_seconds":5.0}}`))
	require.NoError(t, err)
	require.Equal(t, executor.Event_SHUTDOWN, ev.Type)
	ev, err = codec.DecodeEvent([]byte(`{"type":"ERROR","error":{"message":"m"}}`))
	require.NoError(t, err)
	require.Equal(t, "m", ev.Error.Message)
}

// TestJSONDropsEnumValuesWithoutNames: mesos-go writes a number it cannot
// name as "7", which no agent reads; an optional field is better left out.
func TestJSONDropsEnumValuesWithoutNames(t *testing.T) {
	call := sampleCalls()["SUBSCRIBE with unacknowledged work"]
	status := &call.Subscribe.UnacknowledgedUpdates[0].Status
	status.Source = ptr(mesos.TaskStatus_Source(7))
	call.Subscribe.UnacknowledgedTasks[0].Executor.Type = mesos.ExecutorInfo_Type(99)
	raw, err := call.MarshalJSON()
	require.NoError(t, err)
	require.Contains(t, string(raw), `"source":"7"`, "mesos-go's own output")
	data, err := JSON.EncodeCall(call)
	require.NoError(t, err)
	require.NotContains(t, string(data), `"source"`)
	var sent struct {
		Subscribe struct {
			Tasks []struct{ Executor map[string]any } `json:"unacknowledged_tasks"`
		}
	}
	require.NoError(t, json.Unmarshal(data, &sent))
	require.NotContains(t, sent.Subscribe.Tasks[0].Executor, "type", "neither \"99\" nor a number: agents read names only")
	got, err := JSON.DecodeCall(data)
	require.NoError(t, err)
	require.Nil(t, got.Subscribe.UnacknowledgedUpdates[0].Status.Source)
	require.Equal(t, mesos.ExecutorInfo_UNKNOWN, got.Subscribe.UnacknowledgedTasks[0].Executor.Type)
}
