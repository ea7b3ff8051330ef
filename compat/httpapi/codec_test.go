package httpapi

import (
	"errors"
	"testing"

	"github.com/mesos/mesos-go/api/v1/lib/executor"
	"github.com/stretchr/testify/require"
)

var allCodecs = []Codec{Protobuf, JSON, Protobuf.WithNumbering(Numbering027), JSON.WithNumbering(Numbering027)}

func TestCodecBasics(t *testing.T) {
	require.Equal(t, Protobuf, Codec{}, "the zero Codec is protobuf, 0.28 numbering")
	require.Equal(t, "application/x-protobuf", Protobuf.ContentType())
	require.Equal(t, "application/json", JSON.ContentType())
	require.Equal(t, ContentTypeJSON, JSON.WithNumbering(Numbering027).ContentType())
	require.Equal(t, Numbering027, Protobuf.WithNumbering(Numbering027).Numbering())
	require.Equal(t, Numbering028, JSON.Numbering())
	require.Equal(t, "protobuf", Protobuf.String())
	require.Equal(t, "json/0.27", JSON.WithNumbering(Numbering027).String())
	require.Equal(t, "Numbering(7)", Numbering(7).String())
}

func TestCodecForContentType(t *testing.T) {
	for ct, want := range map[string]Codec{"application/x-protobuf": Protobuf, "application/json": JSON} {
		got, ok := CodecForContentType(ct)
		require.True(t, ok, ct)
		require.Equal(t, want, got)
	}
	for _, ct := range []string{"", "application/json; charset=utf-8", "Application/JSON", "application/protobuf", "text/plain; charset=utf-8"} {
		_, ok := CodecForContentType(ct)
		require.False(t, ok, "the agent compares Content-Type exactly: %q", ct)
	}
}

func TestEventRoundTrip(t *testing.T) {
	for _, codec := range []Codec{Protobuf, JSON} {
		for name, ev := range sampleEvents() {
			t.Run(codec.String()+"/"+name, func(t *testing.T) {
				data, err := codec.EncodeEvent(ev)
				require.NoError(t, err)
				got, err := codec.DecodeEvent(data)
				require.NoError(t, err)
				require.Truef(t, ev.Equal(got), "sent %v\ngot  %v", ev, got)
			})
		}
	}
}

func TestCallRoundTrip(t *testing.T) {
	for _, codec := range []Codec{Protobuf, JSON} {
		for name, call := range sampleCalls() {
			t.Run(codec.String()+"/"+name, func(t *testing.T) {
				data, err := codec.EncodeCall(call)
				require.NoError(t, err)
				got, err := codec.DecodeCall(data)
				require.NoError(t, err)
				require.Truef(t, call.Equal(got), "sent %v\ngot  %v", call, got)
			})
		}
	}
}

func TestEncodeNil(t *testing.T) {
	for _, codec := range allCodecs {
		_, err := codec.EncodeCall(nil)
		require.Error(t, err)
		_, err = codec.EncodeEvent(nil)
		require.Error(t, err)
	}
}

func TestEncodeProtobufReportsMissingRequiredFields(t *testing.T) {
	_, err := Protobuf.EncodeCall(&executor.Call{Type: executor.Call_MESSAGE, Message: &executor.Call_Message{}})
	require.ErrorContains(t, err, "data")
	_, err = Protobuf.EncodeEvent(&executor.Event{Type: executor.Event_ACKNOWLEDGED, Acknowledged: &executor.Event_Acknowledged{}})
	require.ErrorContains(t, err, "uuid")
}

func TestDecodeEventWithoutPayload(t *testing.T) {
	for _, typ := range []executor.Event_Type{
		executor.Event_SUBSCRIBED, executor.Event_LAUNCH, executor.Event_LAUNCH_GROUP, executor.Event_KILL,
		executor.Event_ACKNOWLEDGED, executor.Event_MESSAGE, executor.Event_ERROR,
	} {
		for _, codec := range []Codec{Protobuf, JSON} {
			data, err := codec.EncodeEvent(&executor.Event{Type: typ})
			require.NoError(t, err)
			_, err = codec.DecodeEvent(data)
			var de *DecodeError
			require.ErrorAs(t, err, &de, "%s %s", codec, typ)
			require.ErrorIs(t, err, ErrMissingPayload)
			require.Equal(t, "Event", de.Message)
			require.Equal(t, codec, de.Codec)
		}
	}
}

// TestDecodeUnknownEventType: an event type newer than mesos-go decodes,
// for the driver to log and ignore.
func TestDecodeUnknownEventType(t *testing.T) {
	ev, err := Protobuf.DecodeEvent([]byte{0x08, 0x0a, 0x62, 0x02, 0x08, 0x01})
	require.NoError(t, err)
	require.Equal(t, executor.Event_Type(10), ev.Type)

	ev, err = JSON.DecodeEvent([]byte(`{"type":"RECONFIGURE","reconfigure":{"x":1}}`))
	require.NoError(t, err)
	require.Equal(t, executor.Event_UNKNOWN, ev.Type)

	ev, err = JSON.DecodeEvent([]byte(`{"type":10}`))
	require.NoError(t, err)
	require.Equal(t, executor.Event_Type(10), ev.Type)
}

func TestDecodeGarbage(t *testing.T) {
	tests := []struct {
		name string
		json bool
		data []byte
	}{
		{"cut protobuf", false, []byte{0x12, 0x10, 0x0a}},
		{"bad wire type", false, []byte{0x0f}},
		{"huge nested length", false, hugeNestedLength()},
		{"empty", true, []byte{}},
		{"array", true, []byte(`[1]`)},
		{"trailing data", true, []byte(`{"type":"SHUTDOWN"} x`)},
		{"trailing comma", true, []byte(`{"type":"SHUTDOWN",}`)},
		{"invalid UTF-8", true, []byte("{\"launch\":{\"task\":{\"task_id\":{\"value\":\"\xa4\"}}}}")},
		{"lone surrogate", true, []byte(`{"launch":{"task":{"task_id":{"value":"\ud800"}}}}`)},
		{"wrong value type", true, []byte(`{"type":"KILL","kill":{"task_id":"x"},"executor_id":7}`)},
	}
	for _, tt := range tests {
		for _, codec := range allCodecs {
			if codec.json != tt.json {
				continue
			}
			_, err := codec.DecodeEvent(tt.data)
			var de *DecodeError
			require.ErrorAs(t, err, &de, "%s: %s", codec, tt.name)
			_, err = codec.DecodeCall(tt.data)
			require.ErrorAs(t, err, &de, "%s: %s", codec, tt.name)
			require.Equal(t, "Call", de.Message)
		}
	}
}

// hugeNestedLength is a SUBSCRIBED whose executor_info claims a length near
// 2^63: mesos-go v0.0.11's decoder panics on it.
func hugeNestedLength() []byte {
	inner := []byte{0x0a, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x00}
	return append([]byte{0x08, 0x01, 0x12, byte(len(inner))}, inner...)
}

func TestDecodeErrorMessage(t *testing.T) {
	_, err := JSON.DecodeCall([]byte("nope"))
	require.EqualError(t, err, "httpapi: malformed json Call: httpapi: not valid UTF-8 JSON")
	require.True(t, errors.Is(err, errInvalidJSON))
}

func TestHeartbeatCall(t *testing.T) {
	call := HeartbeatCall()
	require.Equal(t, executor.Call_HEARTBEAT, call.Type)
	require.Equal(t, "unused", call.ExecutorID.Value)
	require.Equal(t, "unused", call.FrameworkID.Value)
	data, err := JSON.EncodeCall(call)
	require.NoError(t, err)
	require.JSONEq(t, `{"executor_id":{"value":"unused"},"framework_id":{"value":"unused"},"type":"HEARTBEAT"}`, string(data))
	data, err = Protobuf.EncodeCall(call)
	require.NoError(t, err)
	require.Equal(t, []byte("\n\x08\n\x06unused\x12\x08\n\x06unused\x18\x04"), data)
}
