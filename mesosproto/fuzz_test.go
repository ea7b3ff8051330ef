package mesosproto

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/gogo/protobuf/proto"
	"github.com/mesos/mesos-go/api/v1/lib/executor"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/internal/fuzzseed"
)

// fuzzTypes are the types FuzzDecodeRoundTrip decodes into, picked by the
// fuzzer's kind byte: every legacy message, ResourceVersionUUID, and
// mesos-go's executor.Event (how ExecutorEventName bodies are decoded).
func fuzzTypes() []proto.Message {
	return append(legacyMessages(), &ResourceVersionUUID{}, &executor.Event{})
}

func fuzzKind(name string) uint8 {
	for i, m := range fuzzTypes() {
		if Name(m) == name {
			return uint8(i)
		}
	}
	panic("no fuzz type " + name)
}

type equaler interface{ Equal(that interface{}) bool }

// FuzzDecodeRoundTrip decodes arbitrary bytes as one of the message types.
// Decoding must never panic, and whatever decodes must encode, decode again
// and give an equal value. (Encodings are not compared: mesos-go writes map
// fields in map order.) The committed corpus holds every golden body and
// every legacy body and protobuf event of the captures, each with
// its kind (see TestFuzzSeeds).
func FuzzDecodeRoundTrip(f *testing.F) {
	for _, g := range goldens {
		f.Add(fuzzKind(Name(g.new())), g.wire)
	}
	for _, c := range readCaptured(f) {
		f.Add(fuzzKind(c.name), c.body)
	}
	types := fuzzTypes()
	f.Fuzz(func(t *testing.T, kind uint8, data []byte) {
		newMsg := func() proto.Message { return proto.Clone(types[int(kind)%len(types)]) }
		m1 := newMsg()
		if Unmarshal(data, m1) != nil {
			return
		}
		b1, err := proto.Marshal(m1)
		require.NoError(t, err)
		require.Len(t, b1, proto.Size(m1), "generated Size agrees with the encoder")

		m2 := newMsg()
		require.NoError(t, Unmarshal(b1, m2), "re-encoding of %x", data)
		if !m1.(equaler).Equal(m2) {
			// Equal is false for a NaN double; the text forms still match.
			require.Equal(t, proto.CompactTextString(m1), proto.CompactTextString(m2))
		}
	})
}

// TestFuzzSeeds checks (with FUZZSEED=write, rewrites) the committed corpus
// of FuzzDecodeRoundTrip (see internal/fuzzseed): every golden body
// (golden-<name>), every legacy message body in the captures, both
// directions (captured-<scenario>-<connection>-<n>-<name>), and every
// protobuf event record of the v1 captures, decoded as executor.Event
// (captured-<scenario>-<connection>-event-<n>).
func TestFuzzSeeds(t *testing.T) {
	var seeds []fuzzseed.Seed
	for _, g := range goldens {
		name := "golden-" + strings.NewReplacer("/", "-", " ", "-").Replace(g.name)
		seeds = append(seeds, fuzzseed.New(name, fuzzKind(Name(g.new())), g.wire))
	}
	event := fuzzKind(ExecutorEventName)
	for _, x := range fuzzseed.Exchanges(t) {
		if x.Libprocess() {
			short := x.Name()[strings.LastIndexByte(x.Name(), '.')+1:]
			name := fmt.Sprintf("captured-%s-%d-%d-%s", x.Scenario, x.Conn, x.Index, short)
			seeds = append(seeds, fuzzseed.New(name, fuzzKind(x.Name()), x.Body))
			continue
		}
		if x.Resp == nil || x.Resp.StatusCode != http.StatusOK || x.Resp.Header.Get("Content-Type") != "application/x-protobuf" {
			continue
		}
		for i, rec := range fuzzseed.Records(x.RespBody) {
			name := fmt.Sprintf("captured-%s-%d-event-%d", x.Scenario, x.Conn, i+1)
			seeds = append(seeds, fuzzseed.New(name, event, rec))
		}
	}
	fuzzseed.Sync(t, "FuzzDecodeRoundTrip", seeds)
}
