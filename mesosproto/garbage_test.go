package mesosproto

import (
	"math/rand"
	"testing"

	"github.com/gogo/protobuf/proto"
	"github.com/stretchr/testify/require"
)

// fieldBoundaries returns the offsets in body at which a top-level field
// starts or the body ends.
func fieldBoundaries(t *testing.T, body []byte) map[int]bool {
	fields, err := dec(body)
	require.NoError(t, err)
	at, off := map[int]bool{0: true}, 0
	for _, f := range fields {
		off += len(enc(f))
		at[off] = true
	}
	require.Equal(t, len(body), off, "golden bodies are canonical")
	return at
}

// A body cut inside a field is an error; a body cut between fields is a
// valid message with fewer fields (every top-level field is optional here).
func TestTruncatedBodies(t *testing.T) {
	for _, g := range goldens {
		t.Run(g.name, func(t *testing.T) {
			boundary := fieldBoundaries(t, g.wire)
			for n := 0; n < len(g.wire); n++ {
				err := Unmarshal(g.wire[:n], g.new())
				if boundary[n] {
					require.NoError(t, err, "cut at field boundary %d", n)
				} else {
					require.Error(t, err, "cut inside a field at %d", n)
				}
			}
		})
	}
}

// overflowBody is a RegisterExecutorMessage whose framework_id holds a string
// of length 2^63-1: mesos-go v0.0.11's decoders overflow on it.
func overflowBody() []byte {
	inner := []byte{0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 'A'}
	return enc(raw(1, inner))
}

// definesTag1 reports whether field 1 of m is known. ExecutorRegisteredMessage
// has no tag 1, so a field 1 there is an unknown field and is kept.
func definesTag1(m proto.Message) bool {
	_, noTag1 := m.(*ExecutorRegisteredMessage)
	return !noTag1
}

func TestGarbageBodiesAreErrors(t *testing.T) {
	cases := []struct {
		name     string
		body     []byte
		inField1 bool // only malformed for types that define field 1
	}{
		{"length past the end", []byte{0x0a, 0x05, 0x0a}, false},
		{"varint longer than 10 bytes", []byte{0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, false},
		{"key varint cut short", []byte{0x80}, false},
		{"wire type 7", []byte{0x0f}, false},
		{"wire type 6", []byte{0x0e}, false},
		{"field number 0", []byte{0x02, 0x00}, false},
		{"end group without start", []byte{0x0c}, false},
		{"start group never ended", []byte{0xfb, 0x06}, false},
		{"fixed64 cut short", []byte{0xa1, 0x06, 0x00}, false},
		{"negative length", []byte{0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, false},
		{"known field 1 with the wrong wire type", enc(vint(1, 1)), true},
		{"garbage inside field 1", enc(raw(1, []byte{0x0f, 0x0f})), true},
		{"length overflow inside field 1", overflowBody(), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, m := range legacyMessages() {
				if c.inField1 && !definesTag1(m) {
					require.NoError(t, Unmarshal(c.body, m), "%s", Name(m))
					require.Equal(t, c.body, m.(*ExecutorRegisteredMessage).XXX_unrecognized)
					continue
				}
				require.Error(t, Unmarshal(c.body, m), "%s", Name(m))
			}
		})
	}
}

// overflowBody panics inside mesos-go v0.0.11 when decoded with
// proto.Unmarshal; this is why Unmarshal exists. If this starts failing,
// mesos-go's decoders were fixed and the doc of Unmarshal can say so.
func TestMesosGoDecoderPanicsOnLengthOverflow(t *testing.T) {
	require.Panics(t, func() { _ = proto.Unmarshal(overflowBody(), &RegisterExecutorMessage{}) })
	require.Error(t, Unmarshal(overflowBody(), &RegisterExecutorMessage{}))
}

// Random bodies and random corruptions of the goldens never panic.
func TestRandomBodiesNeverPanic(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 3000; i++ {
		var body []byte
		if i%2 == 0 {
			body = make([]byte, rng.Intn(64))
			rng.Read(body)
		} else {
			g := goldens[rng.Intn(len(goldens))]
			body = append([]byte(nil), g.wire...)
			for j := 0; j < 1+rng.Intn(4) && len(body) > 0; j++ {
				body[rng.Intn(len(body))] = byte(rng.Intn(256))
			}
		}
		for _, m := range legacyMessages() {
			require.NotPanics(t, func() { _ = Unmarshal(body, m) })
		}
	}
}
