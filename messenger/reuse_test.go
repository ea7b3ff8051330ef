package messenger

import (
	"bufio"
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/upid"
)

// The receiver reuses what it can: a connection's Request, the text of its
// repeated headers and its last sender. These tests pin down that reuse
// never changes a message delivered or lets a bad one through.

// repeated is n copies of the request a 0.22-1.11 agent sends.
func repeated(n int, body string) []byte {
	one := generations[1].request(40161, "mesos.internal.StatusUpdateAcknowledgementMessage", []byte(body))
	return bytes.Repeat(one, n)
}

func TestReadingRepeatedRequestsAllocatesOnlyTheirBodies(t *testing.T) {
	const runs = 100
	rr := NewRequestReader(bufio.NewReader(bytes.NewReader(repeated(runs+2, "body"))), 0)
	var req Request
	require.NoError(t, rr.read(&req))
	allocs := testing.AllocsPerRun(runs, func() {
		if err := rr.read(&req); err != nil {
			t.Fatal(err)
		}
	})
	require.LessOrEqual(t, allocs, 1.0)
	require.Equal(t, Request{Method: "POST", Target: "/executor(1)/mesos.internal.StatusUpdateAcknowledgementMessage",
		Minor: 1, UserAgent: "libprocess/" + agentFrom, LibprocessFrom: agentFrom, Connection: "Keep-Alive",
		Body: []byte("body")}, req)
}

func TestReusedTextNeverLeaksIntoTheNextRequest(t *testing.T) {
	stream := "POST /a/x HTTP/1.1\r\nLibprocess-From: s(1)@10.0.0.1:1\r\nConnection: Keep-Alive\r\nContent-Length: 1\r\n\r\n1" +
		"POST /a/y HTTP/1.1\r\nLibprocess-From: s(2)@10.0.0.1:1\r\nContent-Length: 1\r\n\r\n2" +
		"POST /a/x HTTP/1.1\r\nUser-Agent: libprocess/s(3)@10.0.0.1:1\r\nConnection: close\r\n\r\n"
	reqs, err := readAll(stream, 4096, 0)
	require.Equal(t, 0, statusOf(err), "%v", err)
	require.Equal(t, []*Request{
		{Method: "POST", Target: "/a/x", Minor: 1, LibprocessFrom: "s(1)@10.0.0.1:1", Connection: "Keep-Alive", Body: []byte("1")},
		{Method: "POST", Target: "/a/y", Minor: 1, LibprocessFrom: "s(2)@10.0.0.1:1", Body: []byte("2")},
		{Method: "POST", Target: "/a/x", Minor: 1, UserAgent: "libprocess/s(3)@10.0.0.1:1", Connection: "close"},
	}, reqs)
}

func TestBodiesDeliveredFromOneConnectionAreNeverReused(t *testing.T) {
	in := newInbox()
	m := startMessenger(t, in.config("executor(1)"))
	c := dial(t, m)
	var stream []byte
	const n = 50
	for i := 0; i < n; i++ {
		stream = append(stream, generations[i%3].request(m.UPID().Port, "mesos.internal.M", bytes.Repeat([]byte{byte(i)}, 100+i))...)
	}
	write(t, c, stream)
	var got []Message
	for i := 0; i < n; i++ {
		got = append(got, in.next(t))
	}
	for i, msg := range got {
		require.Equal(t, bytes.Repeat([]byte{byte(i)}, 100+i), msg.Body, "message %d", i)
	}
}

// Every sender on a connection is parsed and checked, however many messages
// the one before it sent: a connection remembers only a sender that parsed.
func TestEverySenderOnAConnectionIsChecked(t *testing.T) {
	in := newInbox()
	m := startMessenger(t, in.config("executor(1)"))
	from := func(pid string) []byte {
		return withChunkedBody("POST /executor(1)/mesos.internal.M HTTP/1.1\r\nLibprocess-From: "+pid+"\r\n", []byte(pid))
	}
	const a, b = "slave(1)@127.0.0.1:5051", "slave(2)@10.0.0.5:5051"
	sends := []struct {
		pid    string
		status int
	}{{a, 202}, {a, 202}, {"slave(1)@127.0.0.1", 400}, {a, 202}, {b, 202}, {"slave(1)@127.0.0.1:5051x", 400}, {"slave(1)@127.0.0.1:5051", 202}}
	c := dial(t, m)
	for _, s := range sends {
		write(t, c, from(s.pid))
	}
	br := bufio.NewReader(c)
	for _, s := range sends {
		status, reason := readResponse(t, br)
		require.Equal(t, s.status, status, "sender %q: %s", s.pid, reason)
		if s.status == 202 {
			got := in.next(t)
			require.Equal(t, upid.MustParse(s.pid), got.From)
			require.Equal(t, s.pid, string(got.Body))
		} else {
			require.Contains(t, in.nextRejection(t).Reason, "sender: upid: cannot parse")
		}
	}
	requireNoMessage(t, in)
}
