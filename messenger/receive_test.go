package messenger

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/upid"
)

// The receiver tests talk to a live Messenger over TCP with hand-written
// bytes, one libprocess sender generation at a time (MessageEncoder in
// libprocess's encoder.hpp, at each generation's release tag).

var agentPID = upid.MustParse("slave(1)@127.0.0.1:5051")

// binaryBody holds every byte value, CRLF and what looks like a last chunk,
// so a receiver that parses inside the body cannot pass.
var binaryBody = func() []byte {
	b := []byte("\r\n0\r\n\r\nPOST / HTTP/1.1\r\n")
	for i := 0; i < 256; i++ {
		b = append(b, byte(i))
	}
	return b
}()

// generation is one libprocess sender generation, written out by hand.
type generation struct {
	name    string
	framing Framing
	// request is the exact request this generation sends for a message from
	// the agent to executor(1) at port; body is sent as one chunk.
	request func(port uint16, name string, body []byte) []byte
}

var generations = []generation{
	{"pre-0.22", FramingHTTP10, func(port uint16, name string, body []byte) []byte {
		return withChunkedBody("POST /executor(1)/"+name+" HTTP/1.0\r\n"+
			"User-Agent: libprocess/slave(1)@127.0.0.1:5051\r\n"+
			"Connection: Keep-Alive\r\n", body)
	}},
	{"0.22-1.11", FramingHTTP11, func(port uint16, name string, body []byte) []byte {
		return withChunkedBody("POST /executor(1)/"+name+" HTTP/1.1\r\n"+
			"User-Agent: libprocess/slave(1)@127.0.0.1:5051\r\n"+
			"Libprocess-From: slave(1)@127.0.0.1:5051\r\n"+
			"Connection: Keep-Alive\r\n"+
			"Host: \r\n", body)
	}},
	{"post-1.11", FramingHTTP11Host, func(port uint16, name string, body []byte) []byte {
		return withChunkedBody("POST /executor(1)/"+name+" HTTP/1.1\r\n"+
			"User-Agent: libprocess/slave(1)@127.0.0.1:5051\r\n"+
			"Libprocess-From: slave(1)@127.0.0.1:5051\r\n"+
			"Connection: Keep-Alive\r\n"+
			fmt.Sprintf("Host: 127.0.0.1:%d\r\n", port), body)
	}},
}

// withChunkedBody ends a libprocess header block: no body headers for an
// empty body, otherwise one chunk and the last chunk.
func withChunkedBody(head string, body []byte) []byte {
	if len(body) == 0 {
		return []byte(head + "\r\n")
	}
	return []byte(fmt.Sprintf("%sTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n", head, len(body), body))
}

// dial opens a raw connection to m. The deadline only bounds a test that
// would otherwise hang; nothing waits for it.
func dial(t *testing.T, m *Messenger) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", m.Addr().String())
	require.NoError(t, err)
	require.NoError(t, c.SetDeadline(time.Now().Add(2*waitFor)))
	t.Cleanup(func() { c.Close() })
	return c
}

func write(t *testing.T, c net.Conn, b []byte) {
	t.Helper()
	_, err := c.Write(b)
	require.NoError(t, err)
}

// readResponse reads one response and its body.
func readResponse(t *testing.T, br *bufio.Reader) (int, string) {
	t.Helper()
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

// requireClosed reads until the receiver closes the connection and fails if
// anything more arrives.
func requireClosed(t *testing.T, br *bufio.Reader) {
	t.Helper()
	rest, err := io.ReadAll(br)
	require.NoError(t, err, "the receiver must close the connection")
	require.Empty(t, string(rest))
}

// requireClosedOrReset is requireClosed for a receiver that stopped reading
// with input left over: its kernel may answer that input with a reset.
func requireClosedOrReset(t *testing.T, br *bufio.Reader) {
	t.Helper()
	rest, err := io.ReadAll(br)
	if err != nil {
		require.ErrorIs(t, err, syscall.ECONNRESET, "the receiver must close the connection")
	}
	require.Empty(t, string(rest))
}

func requireNoMessage(t *testing.T, in *inbox) {
	t.Helper()
	select {
	case m := <-in.msgs:
		t.Fatalf("unexpected delivery of %s from %s", m.Name, m.From)
	default:
	}
}

// requireStillServing checks that a good message on a new connection is
// delivered, and that it is the first delivery since the bad input.
func requireStillServing(t *testing.T, m *Messenger, in *inbox) {
	t.Helper()
	c := dial(t, m)
	write(t, c, generations[2].request(m.UPID().Port, "mesos.internal.StillServing", []byte("ok")))
	got := in.next(t)
	require.Equal(t, "mesos.internal.StillServing", got.Name)
	require.Equal(t, "ok", string(got.Body))
	status, _ := readResponse(t, bufio.NewReader(c))
	require.Equal(t, 202, status)
}

func TestAppendMessageWritesEachGenerationByteExactly(t *testing.T) {
	m := &Message{
		From: agentPID,
		To:   upid.MustParse("executor(1)@127.0.0.1:40161"),
		Name: "mesos.internal.RunTaskMessage",
		Body: []byte("\x0a\x05hello\x12\x13ABCDEFGHIJKLMNOPQRS"), // 28 bytes: lower-case hex "1c"
	}
	empty := &Message{From: m.From, To: m.To, Name: "mesos.internal.ShutdownExecutorMessage"}
	cases := []struct {
		framing Framing
		msg     *Message
		want    string
	}{
		{FramingHTTP10, m, "POST /executor(1)/mesos.internal.RunTaskMessage HTTP/1.0\r\n" +
			"User-Agent: libprocess/slave(1)@127.0.0.1:5051\r\n" +
			"Connection: Keep-Alive\r\n" +
			"Transfer-Encoding: chunked\r\n" +
			"\r\n" +
			"1c\r\n\x0a\x05hello\x12\x13ABCDEFGHIJKLMNOPQRS\r\n0\r\n\r\n"},
		{FramingHTTP11, m, "POST /executor(1)/mesos.internal.RunTaskMessage HTTP/1.1\r\n" +
			"User-Agent: libprocess/slave(1)@127.0.0.1:5051\r\n" +
			"Libprocess-From: slave(1)@127.0.0.1:5051\r\n" +
			"Connection: Keep-Alive\r\n" +
			"Host: \r\n" +
			"Transfer-Encoding: chunked\r\n" +
			"\r\n" +
			"1c\r\n\x0a\x05hello\x12\x13ABCDEFGHIJKLMNOPQRS\r\n0\r\n\r\n"},
		{FramingHTTP11Host, m, "POST /executor(1)/mesos.internal.RunTaskMessage HTTP/1.1\r\n" +
			"User-Agent: libprocess/slave(1)@127.0.0.1:5051\r\n" +
			"Libprocess-From: slave(1)@127.0.0.1:5051\r\n" +
			"Connection: Keep-Alive\r\n" +
			"Host: 127.0.0.1:40161\r\n" +
			"Transfer-Encoding: chunked\r\n" +
			"\r\n" +
			"1c\r\n\x0a\x05hello\x12\x13ABCDEFGHIJKLMNOPQRS\r\n0\r\n\r\n"},
		{FramingHTTP10, empty, "POST /executor(1)/mesos.internal.ShutdownExecutorMessage HTTP/1.0\r\n" +
			"User-Agent: libprocess/slave(1)@127.0.0.1:5051\r\n" +
			"Connection: Keep-Alive\r\n" +
			"\r\n"},
		{FramingHTTP11, empty, "POST /executor(1)/mesos.internal.ShutdownExecutorMessage HTTP/1.1\r\n" +
			"User-Agent: libprocess/slave(1)@127.0.0.1:5051\r\n" +
			"Libprocess-From: slave(1)@127.0.0.1:5051\r\n" +
			"Connection: Keep-Alive\r\n" +
			"Host: \r\n" +
			"\r\n"},
		{FramingHTTP11Host, empty, "POST /executor(1)/mesos.internal.ShutdownExecutorMessage HTTP/1.1\r\n" +
			"User-Agent: libprocess/slave(1)@127.0.0.1:5051\r\n" +
			"Libprocess-From: slave(1)@127.0.0.1:5051\r\n" +
			"Connection: Keep-Alive\r\n" +
			"Host: 127.0.0.1:40161\r\n" +
			"\r\n"},
		{FramingHTTP11, &Message{From: m.From, To: upid.UPID{Host: "127.0.0.1", Port: 1}, Name: "hello"},
			"POST /hello HTTP/1.1\r\n" +
				"User-Agent: libprocess/slave(1)@127.0.0.1:5051\r\n" +
				"Libprocess-From: slave(1)@127.0.0.1:5051\r\n" +
				"Connection: Keep-Alive\r\n" +
				"Host: \r\n" +
				"\r\n"},
	}
	for _, c := range cases {
		t.Run(c.framing.String()+" "+c.msg.Name, func(t *testing.T) {
			prefix := []byte("kept|")
			got := AppendMessage(bytes.Clone(prefix), c.msg, c.framing)
			require.Equal(t, string(prefix)+c.want, string(got))

			split := AppendHeader(nil, c.msg, c.framing)
			if len(c.msg.Body) > 0 {
				split = append(append(split, c.msg.Body...), ChunkTrailer()...)
			}
			require.Equal(t, c.want, string(split), "AppendHeader + body + ChunkTrailer must equal AppendMessage")
		})
	}
	for _, g := range generations {
		require.Equal(t, string(g.request(40161, m.Name, m.Body)), string(AppendMessage(nil, m, g.framing)), g.name)
		require.Equal(t, string(g.request(40161, empty.Name, nil)), string(AppendMessage(nil, empty, g.framing)), g.name)
	}
}

// TestAppendMessageMatchesTheCapturedCppFraming compares with requests of
// transcripts/cpp-b-kill.txt, copied by hand: the 1.12-dev agent (#2, #25)
// and the C++ executor (#1) write FramingHTTP11Host.
func TestAppendMessageMatchesTheCapturedCppFraming(t *testing.T) {
	executor := upid.MustParse("executor(1)@127.0.0.1:40161")
	cases := []struct {
		msg  Message
		want string
	}{
		{Message{From: agentPID, To: executor, Name: "mesos.internal.ExecutorRegisteredMessage", Body: make([]byte, 613)},
			"POST /executor(1)/mesos.internal.ExecutorRegisteredMessage HTTP/1.1\r\n" +
				"User-Agent: libprocess/slave(1)@127.0.0.1:5051\r\n" +
				"Libprocess-From: slave(1)@127.0.0.1:5051\r\n" +
				"Connection: Keep-Alive\r\n" +
				"Host: 127.0.0.1:40161\r\n" +
				"Transfer-Encoding: chunked\r\n" +
				"\r\n" +
				"265\r\n"},
		{Message{From: agentPID, To: executor, Name: "mesos.internal.ShutdownExecutorMessage"},
			"POST /executor(1)/mesos.internal.ShutdownExecutorMessage HTTP/1.1\r\n" +
				"User-Agent: libprocess/slave(1)@127.0.0.1:5051\r\n" +
				"Libprocess-From: slave(1)@127.0.0.1:5051\r\n" +
				"Connection: Keep-Alive\r\n" +
				"Host: 127.0.0.1:40161\r\n" +
				"\r\n"},
		{Message{From: executor, To: agentPID, Name: "mesos.internal.RegisterExecutorMessage", Body: make([]byte, 59)},
			"POST /slave(1)/mesos.internal.RegisterExecutorMessage HTTP/1.1\r\n" +
				"User-Agent: libprocess/executor(1)@127.0.0.1:40161\r\n" +
				"Libprocess-From: executor(1)@127.0.0.1:40161\r\n" +
				"Connection: Keep-Alive\r\n" +
				"Host: 127.0.0.1:5051\r\n" +
				"Transfer-Encoding: chunked\r\n" +
				"\r\n" +
				"3b\r\n"},
	}
	for _, c := range cases {
		require.Equal(t, c.want, string(AppendHeader(nil, &c.msg, FramingHTTP11Host)), c.msg.Name)
	}
}

func TestReceiveDeliversEveryGenerationByteExactly(t *testing.T) {
	for _, g := range generations {
		t.Run(g.name, func(t *testing.T) {
			in := newInbox()
			m := startMessenger(t, in.config("executor(1)"))
			c := dial(t, m)
			br := bufio.NewReader(c)

			write(t, c, g.request(m.UPID().Port, "mesos.internal.RunTaskMessage", binaryBody))
			got := in.next(t)
			require.Equal(t, agentPID, got.From)
			require.Equal(t, m.UPID(), got.To)
			require.Equal(t, "mesos.internal.RunTaskMessage", got.Name)
			require.Equal(t, binaryBody, got.Body)
			status, _ := readResponse(t, br)
			require.Equal(t, 202, status)

			// The connection persists: the next message, with an empty body, follows on it.
			write(t, c, g.request(m.UPID().Port, "mesos.internal.ShutdownExecutorMessage", nil))
			got = in.next(t)
			require.Equal(t, "mesos.internal.ShutdownExecutorMessage", got.Name)
			require.Equal(t, agentPID, got.From)
			require.Empty(t, got.Body)
			status, _ = readResponse(t, br)
			require.Equal(t, 202, status)
			requireNoMessage(t, in)
		})
	}
}

func TestReceiveJoinsAMultiChunkHTTP10Body(t *testing.T) {
	in := newInbox()
	m := startMessenger(t, in.config("executor(1)"))
	c := dial(t, m)
	chunks := [][]byte{binaryBody[:1], binaryBody[1:17], []byte("\r\n"), binaryBody[17:]}
	var want []byte
	req := "POST /executor(1)/mesos.internal.RunTaskMessage HTTP/1.0\r\n" +
		"User-Agent: libprocess/slave(1)@127.0.0.1:5051\r\n" +
		"Connection: Keep-Alive\r\n" +
		"Transfer-Encoding: chunked\r\n\r\n"
	for _, ch := range chunks {
		req += fmt.Sprintf("%x\r\n%s\r\n", len(ch), ch)
		want = append(want, ch...)
	}
	req += "0\r\n\r\n"
	// Written in small pieces so chunks straddle reads.
	for b := []byte(req); len(b) > 0; {
		n := min(7, len(b))
		write(t, c, b[:n])
		b = b[n:]
	}
	got := in.next(t)
	require.Equal(t, want, got.Body)
	require.Equal(t, agentPID, got.From)
	status, _ := readResponse(t, bufio.NewReader(c))
	require.Equal(t, 202, status)
}

// TestReceiveEmptyBodyWithoutLengthHeaders sends ShutdownExecutorMessage as
// the 1.12 agent does (transcripts/cpp-b-kill.txt #25): the request ends at
// the blank line. The next request on the connection must not be taken for
// its body.
func TestReceiveEmptyBodyWithoutLengthHeaders(t *testing.T) {
	in := newInbox()
	m := startMessenger(t, in.config("executor(1)"))
	c := dial(t, m)
	port := m.UPID().Port
	shutdown := fmt.Sprintf("POST /executor(1)/mesos.internal.ShutdownExecutorMessage HTTP/1.1\r\n"+
		"User-Agent: libprocess/slave(1)@127.0.0.1:5051\r\n"+
		"Libprocess-From: slave(1)@127.0.0.1:5051\r\n"+
		"Connection: Keep-Alive\r\n"+
		"Host: 127.0.0.1:%d\r\n"+
		"\r\n", port)
	write(t, c, append([]byte(shutdown), generations[2].request(port, "mesos.internal.After", []byte("after"))...))

	got := in.next(t)
	require.Equal(t, "mesos.internal.ShutdownExecutorMessage", got.Name)
	require.Empty(t, got.Body)
	after := in.next(t)
	require.Equal(t, "mesos.internal.After", after.Name)
	require.Equal(t, "after", string(after.Body))
	br := bufio.NewReader(c)
	for i := 0; i < 2; i++ {
		status, body := readResponse(t, br)
		require.Equal(t, 202, status)
		require.Empty(t, body)
	}
}

// TestReceivePipelinedFromASenderThatNeverReads writes 500 messages of mixed
// sizes and generations on one connection without reading a single
// response, as a C++ sender on a persistent link may, and only then reads
// the answers.
func TestReceivePipelinedFromASenderThatNeverReads(t *testing.T) {
	const n = 500
	in := newInbox()
	m := startMessenger(t, in.config("executor(1)"))
	c := dial(t, m)

	rng := rand.New(rand.NewPCG(1, 2))
	bodies := make([][]byte, n)
	for i := range bodies {
		switch i % 5 {
		case 0: // empty, no body headers
		case 1:
			bodies[i] = binaryBody
		default:
			bodies[i] = make([]byte, rng.IntN(8<<10))
			for j := range bodies[i] {
				bodies[i][j] = byte(rng.Uint32())
			}
		}
	}
	written := make(chan error, 1)
	go func() {
		bw := bufio.NewWriter(c)
		for i, body := range bodies {
			if _, err := bw.Write(generations[i%3].request(m.UPID().Port, fmt.Sprintf("mesos.internal.M%d", i), body)); err != nil {
				written <- err
				return
			}
		}
		written <- bw.Flush()
	}()

	for i := range bodies {
		got := in.next(t)
		require.Equal(t, fmt.Sprintf("mesos.internal.M%d", i), got.Name)
		require.Equal(t, string(bodies[i]), string(got.Body), "body of message %d", i)
		require.Equal(t, agentPID, got.From)
	}
	select {
	case err := <-written:
		require.NoError(t, err)
	case <-time.After(waitFor):
		t.Fatal("the sender is still blocked writing")
	}
	br := bufio.NewReader(c)
	for i := 0; i < n; i++ {
		status, _ := readResponse(t, br)
		require.Equal(t, 202, status, "response %d", i)
	}
	require.NoError(t, c.(*net.TCPConn).CloseWrite())
	requireClosed(t, br)
	requireNoMessage(t, in)
}

// httpClient is a net/http client whose connections are closed at the end
// of the test, and which records the local address of each request.
func httpClient(t *testing.T) (*http.Client, func(*http.Request) (*http.Request, *connInfo)) {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	trace := func(r *http.Request) (*http.Request, *connInfo) {
		info := &connInfo{}
		ctx := httptrace.WithClientTrace(r.Context(), &httptrace.ClientTrace{
			GotConn: func(g httptrace.GotConnInfo) {
				info.local, info.reused = g.Conn.LocalAddr().String(), g.Reused
			},
		})
		return r.WithContext(ctx), info
	}
	return &http.Client{Transport: tr, Timeout: 2 * waitFor}, trace
}

type connInfo struct {
	local  string
	reused bool
}

// TestReceiveAnswersOrdinaryHTTPClients drives the receiver with Go's
// net/http client, which sends Content-Length and waits for every answer, as
// the mesos-go v0 messenger does.
func TestReceiveAnswersOrdinaryHTTPClients(t *testing.T) {
	in := newInbox()
	m := startMessenger(t, in.config("executor(1)"))
	client, trace := httpClient(t)
	base := "http://" + m.Addr().String()
	from := map[string]string{"Libprocess-From": agentPID.String(), "Content-Type": "application/x-protobuf"}

	do := func(path string, headers map[string]string, body []byte) (*http.Response, string, *connInfo) {
		req, err := http.NewRequest("POST", base+path, bytes.NewReader(body))
		require.NoError(t, err)
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		req, info := trace(req)
		resp, err := client.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp, string(b), info
	}

	t.Run("a message gets 202 and is delivered", func(t *testing.T) {
		resp, body, _ := do("/executor(1)/mesos.internal.RunTaskMessage", from, binaryBody)
		require.Equal(t, 202, resp.StatusCode)
		require.Empty(t, body)
		require.EqualValues(t, 0, resp.ContentLength)
		got := in.next(t)
		require.Equal(t, agentPID, got.From)
		require.Equal(t, m.UPID(), got.To)
		require.Equal(t, "mesos.internal.RunTaskMessage", got.Name)
		require.Equal(t, binaryBody, got.Body)

		resp, _, info := do("/executor(1)/mesos.internal.Second", from, nil)
		require.Equal(t, 202, resp.StatusCode)
		require.True(t, info.reused, "the 202 must leave the connection reusable")
		require.Equal(t, "mesos.internal.Second", in.next(t).Name)
	})
	t.Run("another process id gets 404", func(t *testing.T) {
		resp, body, info := do("/slave(1)/mesos.internal.RunTaskMessage", from, []byte("x"))
		require.Equal(t, 404, resp.StatusCode)
		require.Contains(t, body, `no process "slave(1)"`)
		r := in.nextRejection(t)
		require.Equal(t, Rejection{Peer: info.local, Status: 404, Reason: strings.TrimSuffix(body, "\n")}, r)
		requireNoMessage(t, in)
	})
	t.Run("a POST without libprocess headers gets 404", func(t *testing.T) {
		resp, body, info := do("/executor(1)/mesos.internal.RunTaskMessage", nil, []byte("x"))
		require.Equal(t, 404, resp.StatusCode)
		require.Contains(t, body, "not a libprocess message")
		r := in.nextRejection(t)
		require.Equal(t, info.local, r.Peer)
		require.Equal(t, 404, r.Status)
		requireNoMessage(t, in)
	})
	t.Run("a User-Agent alone makes a message", func(t *testing.T) {
		resp, _, _ := do("/executor(1)/mesos.internal.Old", map[string]string{"User-Agent": "libprocess/" + agentPID.String()}, []byte("y"))
		require.Equal(t, 202, resp.StatusCode)
		got := in.next(t)
		require.Equal(t, agentPID, got.From)
		require.Equal(t, "y", string(got.Body))
	})
	t.Run("percent-encoded process id", func(t *testing.T) {
		resp, _, _ := do("/executor%281%29/mesos.internal.Encoded", from, nil)
		require.Equal(t, 202, resp.StatusCode)
		require.Equal(t, "mesos.internal.Encoded", in.next(t).Name)
	})
}

func TestReceiveAnswersMalformedRequestWith400AndCloses(t *testing.T) {
	in := newInbox()
	m := startMessenger(t, in.config("executor(1)"))
	c := dial(t, m)
	write(t, c, []byte("NONSENSE\r\n\r\n"))
	br := bufio.NewReader(c)
	status, body := readResponse(t, br)
	require.Equal(t, 400, status)
	require.Contains(t, body, "has no target")
	requireClosed(t, br)
	r := in.nextRejection(t)
	require.Equal(t, c.LocalAddr().String(), r.Peer)
	require.Equal(t, 400, r.Status)
	requireStillServing(t, m, in)
}

func TestReceiveRefusesBodiesOverMaxBodyBytes(t *testing.T) {
	const limit = 1 << 10
	head := "POST /executor(1)/mesos.internal.Big HTTP/1.1\r\nLibprocess-From: slave(1)@127.0.0.1:5051\r\n"
	big := bytes.Repeat([]byte("b"), limit+1)
	cases := []struct {
		name string
		req  string
	}{
		{"by Content-Length", fmt.Sprintf("%sContent-Length: %d\r\n\r\n%s", head, len(big), big)},
		{"by chunk size", fmt.Sprintf("%sTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n", head, len(big), big)},
		{"by the sum of chunks", fmt.Sprintf("%sTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n1\r\nb\r\n0\r\n\r\n", head, limit, big[:limit])},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := newInbox()
			cfg := in.config("executor(1)")
			cfg.MaxBodyBytes = limit
			m := startMessenger(t, cfg)

			// Exactly the limit is accepted.
			ok := dial(t, m)
			write(t, ok, AppendMessage(nil, &Message{From: agentPID, To: m.UPID(), Name: "mesos.internal.Fits", Body: big[:limit]}, FramingHTTP11))
			require.Len(t, in.next(t).Body, limit)

			conn := dial(t, m)
			write(t, conn, []byte(c.req))
			br := bufio.NewReader(conn)
			status, body := readResponse(t, br)
			require.Equal(t, 413, status)
			require.Contains(t, body, fmt.Sprintf("exceeds the limit of %d", limit))
			requireClosed(t, br)
			r := in.nextRejection(t)
			require.Equal(t, conn.LocalAddr().String(), r.Peer)
			require.Equal(t, 413, r.Status)
			requireNoMessage(t, in)
			requireStillServing(t, m, in)
		})
	}
}

// TestReceiveRefusesBadInputAndKeepsServing sends each kind of bad request on
// its own connection. Each gets its status, is reported through
// Config.Rejected with the peer's address, and a good message on a new
// connection is delivered afterwards. A request that could not be read to
// its end closes the connection; one that was read but refused leaves it
// usable.
func TestReceiveRefusesBadInputAndKeepsServing(t *testing.T) {
	const (
		stays = iota
		closed
		closedOrReset
	)
	const from = "Libprocess-From: slave(1)@127.0.0.1:5051\r\n"
	const head = "POST /executor(1)/mesos.internal.X HTTP/1.1\r\n" + from
	cases := []struct {
		name      string
		raw       string
		halfClose bool // the sender shuts its side down after writing
		status    int
		reason    string
		closes    int // stays (open), closed (EOF) or closedOrReset (EOF or reset: input left unread)
	}{
		{"garbage line", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n", false, 400, "has no target", closed},
		{"garbage then end of stream", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", true, 400, "closed inside the request line", closed},
		{"truncated inside the headers", head + "Connection: Keep", true, 400, "closed inside the headers", closed},
		{"truncated inside a fixed body", head + "Content-Length: 10\r\n\r\nabc", true, 400, "closed inside the body", closed},
		{"truncated inside a chunk", head + "Transfer-Encoding: chunked\r\n\r\na\r\nabc", true, 400, "closed inside the chunk", closed},
		{"truncated before the last chunk", head + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n", true, 400, "closed inside the chunk size", closed},
		{"invalid chunk size", head + "Transfer-Encoding: chunked\r\n\r\nxyz\r\nabc\r\n0\r\n\r\n", false, 400, "invalid chunk size", closed},
		{"header line longer than the buffer", head + "X-Long: " + strings.Repeat("l", readBufferBytes) + "\r\n\r\n", false, 431, "line longer than", closedOrReset},
		{"too many headers", head + strings.Repeat("X-Many: 1\r\n", maxHeaderCount+1) + "\r\n", false, 431, "more than 128 headers", closed},
		{"unsupported Transfer-Encoding", head + "Transfer-Encoding: gzip\r\n\r\n", false, 501, "unsupported Transfer-Encoding", closed},
		{"invalid sender UPID", "POST /executor(1)/mesos.internal.X HTTP/1.1\r\nLibprocess-From: slave(1)\r\n\r\n", false, 400, "sender", stays},
		{"invalid sender in User-Agent", "POST /executor(1)/mesos.internal.X HTTP/1.0\r\nUser-Agent: libprocess/nobody\r\nConnection: Keep-Alive\r\n\r\n", false, 400, "sender", stays},
		{"target without message name", "POST /executor(1) HTTP/1.1\r\n" + from + "\r\n", false, 400, "names no message", stays},
		{"target with empty message name", "POST /executor(1)/ HTTP/1.1\r\n" + from + "\r\n", false, 400, "names no message", stays},
		{"target not a path", "POST executor(1)/x HTTP/1.1\r\n" + from + "\r\n", false, 400, "not an absolute path", stays},
		{"bad percent-encoding", "POST /executor%zz/x HTTP/1.1\r\n" + from + "\r\n", false, 400, "invalid URL escape", stays},
		{"GET", "GET /executor(1)/mesos.internal.X HTTP/1.1\r\n" + from + "\r\n", false, 405, "method GET", stays},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := newInbox()
			m := startMessenger(t, in.config("executor(1)"))
			conn := dial(t, m)
			if c.closes == closedOrReset {
				// The receiver stops reading part way: the write may fail.
				go conn.Write([]byte(c.raw))
			} else {
				write(t, conn, []byte(c.raw))
			}
			if c.halfClose {
				require.NoError(t, conn.(*net.TCPConn).CloseWrite())
			}
			br := bufio.NewReader(conn)
			status, body := readResponse(t, br)
			require.Equal(t, c.status, status, "body: %s", body)
			require.Contains(t, body, c.reason)

			r := in.nextRejection(t)
			require.Equal(t, conn.LocalAddr().String(), r.Peer)
			require.Equal(t, c.status, r.Status)
			require.Contains(t, r.Reason, c.reason)
			require.Equal(t, r.Reason+"\n", body, "the answer carries the reason")
			requireNoMessage(t, in)

			switch c.closes {
			case closed:
				requireClosed(t, br)
			case closedOrReset:
				requireClosedOrReset(t, br)
			default:
				write(t, conn, generations[1].request(m.UPID().Port, "mesos.internal.SameConnection", nil))
				require.Equal(t, "mesos.internal.SameConnection", in.next(t).Name)
				status, _ := readResponse(t, br)
				require.Equal(t, 202, status)
			}
			requireStillServing(t, m, in)
		})
	}
}

// TestReceiveReportsRequestCutOffWithoutAnswer closes the connection
// completely in the middle of a request: nobody is left to answer, but the
// refusal is still reported.
func TestReceiveReportsRequestCutOffWithoutAnswer(t *testing.T) {
	in := newInbox()
	m := startMessenger(t, in.config("executor(1)"))
	conn := dial(t, m)
	local := conn.LocalAddr().String()
	write(t, conn, []byte("POST /executor(1)/mesos.internal.X HTTP/1.1\r\nLibprocess-From: slave(1)@127.0.0.1:5051\r\nContent-Length: 100\r\n\r\nabc"))
	require.NoError(t, conn.Close())
	r := in.nextRejection(t)
	require.Equal(t, local, r.Peer)
	require.Contains(t, r.Reason, "closed inside the body")
	requireNoMessage(t, in)
	requireStillServing(t, m, in)
}

func TestReceiveClosesWhenTheSenderAsksTo(t *testing.T) {
	for _, c := range []struct {
		name, request string
	}{
		{"HTTP/1.0 without Keep-Alive", "POST /executor(1)/mesos.internal.X HTTP/1.0\r\nUser-Agent: libprocess/slave(1)@127.0.0.1:5051\r\nContent-Length: 1\r\n\r\nx"},
		{"HTTP/1.1 Connection: close", "POST /executor(1)/mesos.internal.X HTTP/1.1\r\nLibprocess-From: slave(1)@127.0.0.1:5051\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx"},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := newInbox()
			m := startMessenger(t, in.config("executor(1)"))
			conn := dial(t, m)
			// A second request after the first is never read.
			write(t, conn, append([]byte(c.request), generations[1].request(m.UPID().Port, "mesos.internal.Ignored", nil)...))
			require.Equal(t, "x", string(in.next(t).Body))
			br := bufio.NewReader(conn)
			status, _ := readResponse(t, br)
			require.Equal(t, 202, status)
			requireClosed(t, br)
			requireNoMessage(t, in)
		})
	}
}

func TestReceiveRequiresPeerAddressMatchWhenConfigured(t *testing.T) {
	in := newInbox()
	cfg := in.config("executor(1)")
	cfg.RequirePeerAddressMatch = true
	m := startMessenger(t, cfg)

	conn := dial(t, m)
	br := bufio.NewReader(conn)
	write(t, conn, []byte("POST /executor(1)/mesos.internal.X HTTP/1.1\r\nLibprocess-From: slave(1)@10.1.2.3:5051\r\n\r\n"))
	status, body := readResponse(t, br)
	require.Equal(t, 400, status)
	require.Contains(t, body, "slave(1)@10.1.2.3:5051")
	r := in.nextRejection(t)
	require.Equal(t, conn.LocalAddr().String(), r.Peer)
	require.Equal(t, 400, r.Status)
	requireNoMessage(t, in)

	// The same sender with its true address is accepted on the same connection.
	write(t, conn, []byte("POST /executor(1)/mesos.internal.X HTTP/1.1\r\nLibprocess-From: slave(1)@127.0.0.1:5051\r\n\r\n"))
	require.Equal(t, agentPID, in.next(t).From)
	status, _ = readResponse(t, br)
	require.Equal(t, 202, status)
}

func TestReceiveIgnoresPeerAddressByDefault(t *testing.T) {
	in := newInbox()
	m := startMessenger(t, in.config("executor(1)"))
	conn := dial(t, m)
	write(t, conn, []byte("POST /executor(1)/mesos.internal.X HTTP/1.1\r\nLibprocess-From: slave(1)@10.1.2.3:5051\r\n\r\n"))
	require.Equal(t, upid.MustParse("slave(1)@10.1.2.3:5051"), in.next(t).From)
}

func TestRefusalWithUnreadInputIsAnsweredNotReset(t *testing.T) {
	in := newInbox()
	cfg := in.config("executor(1)")
	cfg.MaxBodyBytes = 1 << 10
	m := startMessenger(t, cfg)
	for i := 0; i < 20; i++ {
		client := &http.Client{Transport: &http.Transport{}}
		req, err := http.NewRequest("POST", "http://"+m.Addr().String()+"/executor(1)/mesos.internal.Big", bytes.NewReader(make([]byte, 512<<10)))
		require.NoError(t, err)
		req.Header.Set("Libprocess-From", agentFrom)
		resp, err := client.Do(req)
		require.NoError(t, err, "attempt %d", i)
		resp.Body.Close()
		client.CloseIdleConnections()
		require.Equal(t, 413, resp.StatusCode)
		require.Equal(t, 413, in.nextRejection(t).Status)
	}
}

func TestOverlongLineIsFollowedByEOFNotReset(t *testing.T) {
	in := newInbox()
	m := startMessenger(t, in.config("executor(1)"))
	for i := 0; i < 20; i++ {
		conn := dial(t, m)
		write(t, conn, []byte("POST /executor(1)/x HTTP/1.1\r\nX-Long: "+strings.Repeat("l", 2*readBufferBytes)+"\r\n\r\n"))
		br := bufio.NewReader(conn)
		status, _ := readResponse(t, br)
		require.Equal(t, 431, status)
		requireClosed(t, br)
	}
}

func TestChunkSizeOverflowIsAnswered413(t *testing.T) {
	in := newInbox()
	m := startMessenger(t, in.config("executor(1)"))
	conn := dial(t, m)
	write(t, conn, []byte("POST /executor(1)/x HTTP/1.1\r\nLibprocess-From: "+agentFrom+"\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n7fffffffffffffff\r\n"))
	status, _ := readResponse(t, bufio.NewReader(conn))
	require.Equal(t, 413, status)
	require.Equal(t, 413, in.nextRejection(t).Status)
}

// sameIP compares a UPID's host with a connection's peer, whatever form
// the peer's address takes.
func TestSameIPComparesUnmappedAddresses(t *testing.T) {
	mapped := &net.TCPAddr{IP: net.ParseIP("::ffff:10.1.2.3"), Port: 5051}
	for _, c := range []struct {
		host string
		peer net.Addr
		same bool
	}{
		{"10.1.2.3", &net.TCPAddr{IP: net.IPv4(10, 1, 2, 3), Port: 5051}, true},
		{"10.1.2.3", mapped, true},
		{"10.1.2.4", mapped, false},
		{"::1", &net.TCPAddr{IP: net.IPv6loopback, Port: 1}, true},
		{"10.1.2.3", &net.UnixAddr{Name: "10.1.2.3:5051", Net: "unix"}, true}, // parsed from its text
		{"10.1.2.3", &net.UnixAddr{Name: "/run/agent.sock", Net: "unix"}, false},
		{"agent.example", mapped, false},
	} {
		require.Equal(t, c.same, sameIP(c.host, c.peer), "%s against %v", c.host, c.peer)
	}
}
