package messenger

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/upid"
)

// The header is written into a buffer sized once: sending a message costs
// two allocations whatever the ids, hosts and framing.
func TestEncodeAllocatesTheHeaderOnce(t *testing.T) {
	long := "executor(1)-" + string(make([]byte, 300))
	for _, from := range []upid.UPID{
		{ID: "executor(1)", Host: "127.0.0.1", Port: 40161},
		{ID: long, Host: "agent-17.rack-4.datacenter.example.com", Port: 65535},
		{ID: "executor(1)", Host: "2001:db8::1", Port: 5051},
	} {
		for _, f := range []Framing{FramingHTTP10, FramingHTTP11, FramingHTTP11Host} {
			msg := &Message{From: from, To: upid.UPID{ID: "slave(1)", Host: from.Host, Port: 5051},
				Name: "mesos.internal.StatusUpdateMessage", Body: []byte("body")}
			header := AppendHeader(nil, msg, f)
			require.LessOrEqual(t, len(header), headerSize(msg), "%v %v", from, f)
			m := &Messenger{cfg: Config{Framing: f}}
			allocs := testing.AllocsPerRun(100, func() { m.encode(msg) })
			require.LessOrEqual(t, allocs, 2.0, "%v %v", from, f)
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
