package messenger

import (
	"bytes"
	"net"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/upid"
)

// A peer frames each message into the room frameSize promises, whatever
// the ids, hosts, framing and body size: the frame never outgrows its
// block (which would copy it), and a large body is referenced, not copied.
func TestFrameSizeBoundsTheFrame(t *testing.T) {
	long := "executor(1)-" + string(make([]byte, 300))
	for _, from := range []upid.UPID{
		{ID: "executor(1)", Host: "127.0.0.1", Port: 40161},
		{ID: long, Host: "agent-17.rack-4.datacenter.example.com", Port: 65535},
		{ID: "executor(1)", Host: "2001:db8::1", Port: 5051},
	} {
		for _, f := range []Framing{FramingHTTP10, FramingHTTP11, FramingHTTP11Host} {
			for _, body := range [][]byte{nil, []byte("body"), make([]byte, inlineBodyBytes), make([]byte, inlineBodyBytes+1)} {
				msg := &Message{From: from, To: upid.UPID{ID: "slave(1)", Host: from.Host, Port: 5051},
					Name: "mesos.internal.StatusUpdateMessage", Body: body}
				block := make([]byte, 0, frameSize(msg))
				segs := appendFrame(net.Buffers{block}, msg, f)
				require.Equal(t, cap(block), cap(segs[0]), "%v %v %d-byte body: the header outgrew its room", from, f, len(body))
				if len(body) > inlineBodyBytes {
					require.Len(t, segs, 3)
					require.Same(t, &body[0], &segs[1][0], "a large body is written from the caller's slice")
					require.Equal(t, cap(block)-len(segs[0]), cap(segs[2]), "the trailer goes in the same block")
				} else {
					require.Len(t, segs, 1, "a small body is copied next to its header")
				}
				require.Equal(t, string(AppendMessage(nil, msg, f)), string(bytes.Join(segs, nil)))
			}
		}
	}
}

func TestAppendUPIDIsString(t *testing.T) {
	for _, u := range []upid.UPID{{}, {ID: "slave(1)", Host: "10.0.0.5", Port: 5051},
		{ID: "executor(1)", Host: "::1", Port: 1}, {Host: "h", Port: 0}} {
		require.Equal(t, u.String(), string(appendUPID([]byte(nil), u)))
		require.Equal(t, len(u.String()), upidLen(u))
		if !u.IsZero() {
			require.Equal(t, u.HostPort(), string(appendHostPort(nil, u)))
			require.Equal(t, len(u.HostPort()), hostPortLen(u))
		}
	}
}
