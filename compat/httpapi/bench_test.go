package httpapi

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// capturedLaunch is the LAUNCH record of v1-a-finish (protobuf) or
// v1j-a-finish (JSON).
func capturedLaunch(b *testing.B, codec Codec) []byte {
	name := "v1-a-finish"
	if codec == JSON {
		name = "v1j-a-finish"
	}
	rec := subscriptions(b, loadExchanges(b, name))[0].records[1]
	ev, err := codec.DecodeEvent(rec)
	require.NoError(b, err)
	require.Equal(b, evLaunch, ev.Type)
	return rec
}

func benchmarkDecodeLaunch(b *testing.B, codec Codec) {
	rec := capturedLaunch(b, codec)
	b.SetBytes(int64(len(rec)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := codec.DecodeEvent(rec); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeLaunchProtobuf(b *testing.B) { benchmarkDecodeLaunch(b, Protobuf) }
func BenchmarkDecodeLaunchJSON(b *testing.B)     { benchmarkDecodeLaunch(b, JSON) }

func benchmarkEncodeUpdate(b *testing.B, codec Codec) {
	call := sampleCalls()["UPDATE"]
	b.ReportAllocs()
	for b.Loop() {
		if _, err := codec.EncodeCall(call); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeUpdateProtobuf(b *testing.B) { benchmarkEncodeUpdate(b, Protobuf) }
func BenchmarkEncodeUpdateJSON(b *testing.B)     { benchmarkEncodeUpdate(b, JSON) }

// BenchmarkDecodeTolerantJSON measures the fallback path: a LAUNCH whose
// task carries an enum name mesos-go does not know.
func BenchmarkDecodeTolerantJSON(b *testing.B) {
	rec := []byte(`{"type":"LAUNCH","launch":{"task":{"name":"n","task_id":{"value":"t"},"agent_id":{"value":"a"},` +
		`"container":{"type":"MESOS","docker":{"image":"i","network":"SPACE"}}}}}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := JSON.DecodeEvent(rec); err != nil {
			b.Fatal(err)
		}
	}
}
