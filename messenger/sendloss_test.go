package messenger

import (
	"errors"
	"net"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/upid"
)

// writeFails is a connection whose writes all fail, as a socket reset by
// its peer does; reads wait until it is closed.
type writeFails struct{ net.Conn }

var errInjectedWrite = errors.New("injected write failure")

func (writeFails) Write([]byte) (int, error) { return 0, errInjectedWrite }

// dialWriteFails is a Config.Dial whose connections fail every write.
func dialWriteFails(t *testing.T) func(string, string) (net.Conn, error) {
	return func(string, string) (net.Conn, error) {
		ours, theirs := net.Pipe()
		t.Cleanup(func() { theirs.Close() })
		return writeFails{ours}, nil
	}
}

// A message the writer had taken and could not write is lost like one still
// queued, and is logged as lost: on a temporary connection, whose end
// nothing else reports, and on a link, whose report names only its cause.
func TestMessagesLostInAFailedWriteAreLogged(t *testing.T) {
	for _, link := range []bool{false, true} {
		name := map[bool]string{false: "temporary", true: "link"}[link]
		t.Run(name, func(t *testing.T) {
			logs := captureLogs(t)
			in := newInbox()
			cfg := in.config("executor(1)")
			cfg.Dial = dialWriteFails(t)
			m := startMessenger(t, cfg)
			agent := upid.MustParse("slave(1)@127.0.0.1:5051")
			if link {
				require.NoError(t, m.Link(agent))
			}
			require.NoError(t, m.Send(Message{To: agent, Name: "mesos.internal.StatusUpdateMessage", Body: []byte("update")}))
			logs.wait(t, "W messenger: executor(1)@", "dropped 1 message(s) to 127.0.0.1:5051", errInjectedWrite.Error())
			if link {
				require.Equal(t, agent, in.nextExit(t))
			}
		})
	}
}
