package agentsim

import (
	"bufio"
	"net"
	"net/textproto"
	"testing"
	"time"

	"github.com/gogo/protobuf/proto"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/mesosproto"
	"github.com/mesos-shim/executor/messenger"
	"github.com/mesos-shim/executor/upid"
)

// Each profile writes its generation's libprocess framing (MessageEncoder in
// libprocess's encoder.hpp at each release tag; 1.12 as in the captures):
// read off the wire by a raw listener posing as the executor.
func TestProfilesFrameMessagesAsTheirGeneration(t *testing.T) {
	for _, tc := range []struct {
		profile     Profile
		requestLine string
		from        bool   // Libprocess-From present
		host        string // "-": no Host header, "": empty, "addr": the receiver's ip:port
	}{
		{Mesos020, "HTTP/1.0", false, "-"},
		{Mesos022, "HTTP/1.1", true, ""},
		{Mesos14, "HTTP/1.1", true, ""},
		{Mesos112, "HTTP/1.1", true, "addr"},
	} {
		t.Run(tc.profile.Name, func(t *testing.T) {
			a := startAgent(t, AgentConfig{Profile: tc.profile})
			if tc.profile.ShutdownTasklessExecutor { // it links: one connection
				require.NoError(t, a.Launch(CommandTask("t1", "true")))
			}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			t.Cleanup(func() { ln.Close() })
			raw, err := upid.Parse("executor(1)@" + ln.Addr().String())
			require.NoError(t, err)
			registerAs(t, a, raw)

			line, head := readRequestHead(t, ln)
			require.Equal(t, "POST /executor(1)/mesos.internal.ExecutorRegisteredMessage "+tc.requestLine, line)
			require.Equal(t, "libprocess/"+a.UPID().String(), head.Get("User-Agent"))
			require.Equal(t, tc.from, head.Get("Libprocess-From") != "")
			host, hasHost := head["Host"]
			switch tc.host {
			case "-":
				require.False(t, hasHost)
			case "addr":
				require.Equal(t, []string{raw.HostPort()}, host)
			default:
				require.Equal(t, []string{""}, host)
			}
		})
	}
}

// registerAs sends a RegisterExecutorMessage claiming to come from pid.
func registerAs(t *testing.T, a *Agent, pid upid.UPID) {
	m, err := messenger.New(messenger.Config{ProcessID: "sender", Handler: func(messenger.Message) {}})
	require.NoError(t, err)
	t.Cleanup(func() { m.Close() })
	f := &fakeExecutor{env: a.Getenv}
	fw, ex, _ := f.ids()
	body, err := proto.Marshal(&mesosproto.RegisterExecutorMessage{FrameworkID: fw, ExecutorID: ex})
	require.NoError(t, err)
	require.NoError(t, m.Send(messenger.Message{From: pid, To: a.UPID(),
		Name: "mesos.internal.RegisterExecutorMessage", Body: body}))
}

func readRequestHead(t *testing.T, ln net.Listener) (string, textproto.MIMEHeader) {
	require.NoError(t, ln.(*net.TCPListener).SetDeadline(time.Now().Add(testTimeout)))
	conn, err := ln.Accept()
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(testTimeout)))
	r := textproto.NewReader(bufio.NewReader(conn))
	line, err := r.ReadLine()
	require.NoError(t, err)
	head, err := r.ReadMIMEHeader()
	require.NoError(t, err)
	return line, head
}
