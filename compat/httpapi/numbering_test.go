package httpapi

import (
	"testing"

	"github.com/mesos/mesos-go/api/v1/lib/executor"
	"github.com/stretchr/testify/require"
)

var pb027 = Protobuf.WithNumbering(Numbering027)

// Hand-built events as a 0.27 agent encodes them.
var (
	shutdown027 = []byte{0x08, 0x06}
	// SHUTDOWN with 0.27's Shutdown{grace_period_seconds: 5.0} in field 7.
	shutdownGrace027 = []byte{0x08, 0x06, 0x3a, 0x09, 0x09, 0, 0, 0, 0, 0, 0, 0x14, 0x40}
	// ERROR with Error{message: "boo"} in field 8.
	error027 = []byte{0x08, 0x07, 0x42, 0x05, 0x0a, 0x03, 'b', 'o', 'o'}
	// The same two events as 0.28 encodes them.
	shutdown028 = []byte{0x08, 0x07}
	error028    = []byte{0x08, 0x06, 0x3a, 0x05, 0x0a, 0x03, 'b', 'o', 'o'}
)

func TestNumbering027Decode(t *testing.T) {
	for _, in := range [][]byte{shutdown027, shutdownGrace027} {
		ev, err := pb027.DecodeEvent(in)
		require.NoError(t, err)
		require.Equal(t, executor.Event_SHUTDOWN, ev.Type)
		require.Nil(t, ev.Error)
	}
	ev, err := pb027.DecodeEvent(error027)
	require.NoError(t, err)
	require.Equal(t, executor.Event_ERROR, ev.Type)
	require.Equal(t, "boo", ev.Error.Message)
}

// TestNumberingsCannotBeMixed: read with the wrong numbering, the same bytes
// mean something else or nothing.
func TestNumberingsCannotBeMixed(t *testing.T) {
	ev, err := Protobuf.DecodeEvent(shutdown027)
	require.ErrorIs(t, err, ErrMissingPayload, "0.27's SHUTDOWN is 0.28's ERROR, without its message: %v", ev)
	_, err = Protobuf.DecodeEvent(shutdownGrace027)
	require.Error(t, err, "0.27's Shutdown message is no 0.28 Error")
	ev, err = Protobuf.DecodeEvent(error027)
	require.Error(t, err, "0.27's ERROR is 0.28's SHUTDOWN, and its field 8 is no LaunchGroup: %v", ev)
	ev, err = pb027.DecodeEvent(shutdown028)
	require.ErrorIs(t, err, ErrMissingPayload, "%v", ev)
}

func TestNumbering027Encode(t *testing.T) {
	data, err := pb027.EncodeEvent(&executor.Event{Type: executor.Event_SHUTDOWN})
	require.NoError(t, err)
	require.Equal(t, shutdown027, data)
	data, err = pb027.EncodeEvent(&executor.Event{Type: executor.Event_ERROR, Error: &executor.Event_Error{Message: "boo"}})
	require.NoError(t, err)
	require.Equal(t, error027, data)

	data, err = Protobuf.EncodeEvent(&executor.Event{Type: executor.Event_SHUTDOWN})
	require.NoError(t, err)
	require.Equal(t, shutdown028, data)
	data, err = Protobuf.EncodeEvent(&executor.Event{Type: executor.Event_ERROR, Error: &executor.Event_Error{Message: "boo"}})
	require.NoError(t, err)
	require.Equal(t, error028, data)
}

func TestNumbering027RoundTrip(t *testing.T) {
	for name, ev := range sampleEvents() {
		for _, codec := range []Codec{pb027, JSON.WithNumbering(Numbering027)} {
			data, err := codec.EncodeEvent(ev)
			switch name {
			case "LAUNCH_GROUP", "HEARTBEAT", "UNKNOWN":
				require.ErrorIs(t, err, ErrNotInNumbering, "%s %s", codec, name)
				continue
			}
			require.NoError(t, err)
			got, err := codec.DecodeEvent(data)
			require.NoError(t, err)
			require.Truef(t, ev.Equal(got), "%s %s\nsent %v\ngot  %v", codec, name, ev, got)
		}
	}
}

func TestNumbering027OnlyMovesTopLevelFields(t *testing.T) {
	ev := sampleEvents()["LAUNCH"]
	data028, err := Protobuf.EncodeEvent(ev)
	require.NoError(t, err)
	data027, err := pb027.EncodeEvent(ev)
	require.NoError(t, err)
	require.Equal(t, data028, data027, "LAUNCH is numbered alike")
}

func TestNumbering027Calls(t *testing.T) {
	for name, call := range sampleCalls() {
		data, err := pb027.EncodeCall(call)
		if name == "HEARTBEAT" {
			require.ErrorIs(t, err, ErrNotInNumbering)
			continue
		}
		require.NoError(t, err)
		plain, err := Protobuf.EncodeCall(call)
		require.NoError(t, err)
		require.Equal(t, plain, data, "calls are numbered alike: %s", name)
	}
	_, err := JSON.WithNumbering(Numbering027).EncodeCall(&executor.Call{Type: executor.Call_UNKNOWN})
	require.ErrorIs(t, err, ErrNotInNumbering)
}

func TestNumbering027EncodeRejectsLaunchGroupField(t *testing.T) {
	ev := sampleEvents()["LAUNCH_GROUP"]
	ev.Type = executor.Event_LAUNCH
	_, err := pb027.EncodeEvent(ev)
	require.ErrorIs(t, err, ErrNotInNumbering)
}

func TestNumbering027MalformedWire(t *testing.T) {
	for _, in := range [][]byte{
		{0x08},                   // varint cut
		{0x42, 0x05, 0x0a},       // length past the end
		{0x00, 0x01},             // field 0
		{0x0b, 0x01},             // group wire type
		{0x09, 1, 2, 3},          // fixed64 cut
		{0x0d, 1, 2, 3, 4, 0x08}, // fixed32, then a cut varint
	} {
		_, err := pb027.DecodeEvent(in)
		var de *DecodeError
		require.ErrorAs(t, err, &de, "% x", in)
	}
}

func TestNumbering027KeepsOtherFields(t *testing.T) {
	// An unknown fixed32 field 9 and fixed64 field 10 pass through.
	in := append([]byte{0x08, 0x06, 0x4d, 1, 2, 3, 4, 0x51}, 1, 2, 3, 4, 5, 6, 7, 8)
	out, err := rewriteEvent(in, from027)
	require.NoError(t, err)
	require.Equal(t, append([]byte{0x08, 0x07}, in[2:]...), out)
}
