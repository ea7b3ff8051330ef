package httppipe

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/require"
)

// Every framing gives the body Read gives, read as a stream.
func TestReadStreamingFramings(t *testing.T) {
	for name, tc := range map[string]struct {
		in           string
		status       int
		reason, body string
		close        bool
	}{
		"chunked stream": {in: "HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\nA\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\n",
			status: 200, reason: "OK", body: "abc0123456789"},
		"Content-Length": {in: "HTTP/1.1 401 Unauthorized\r\nContent-Length: 12\r\n\r\nUnauthorized",
			status: 401, reason: "Unauthorized", body: "Unauthorized"},
		"until the connection closes": {in: "HTTP/1.0 200 OK\r\n\r\nall of it", status: 200, reason: "OK", body: "all of it", close: true},
		"empty":                       {in: "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n", status: 503, reason: "Service Unavailable"},
		"204 ignores its framing":     {in: "HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n", status: 204, reason: "No Content"},
		"no reason phrase":            {in: "HTTP/1.1 202\r\nContent-Length: 2\r\n\r\nok", status: 202, body: "ok"},
		"interim skipped":             {in: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 Fine by me\r\nContent-Length: 1\r\n\r\nx", status: 200, reason: "Fine by me", body: "x"},
	} {
		t.Run(name, func(t *testing.T) {
			rr := NewResponseReader(bufio.NewReaderSize(strings.NewReader(tc.in), 256), 0)
			resp, reason, body, err := rr.ReadStreaming()
			require.NoError(t, err)
			require.Equal(t, tc.status, resp.Status)
			require.Equal(t, tc.reason, reason)
			require.Equal(t, tc.close, resp.Close)
			require.Nil(t, resp.Body)
			got, err := io.ReadAll(iotest.OneByteReader(body))
			require.NoError(t, err)
			require.Equal(t, tc.body, string(got))
		})
	}
}

// A body cut short by the end of the connection reads
// io.ErrUnexpectedEOF, as net/http's does, wherever it is cut; bad chunk
// framing is a ProtocolError.
func TestReadStreamingCutOrMalformed(t *testing.T) {
	const chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	for name, tc := range map[string]struct {
		in, body string
		err      error
	}{
		"between chunks":       {in: chunked + "3\r\nabc\r\n", body: "abc", err: io.ErrUnexpectedEOF},
		"inside a chunk":       {in: chunked + "5\r\nab", body: "ab", err: io.ErrUnexpectedEOF},
		"inside a size line":   {in: chunked + "3\r\nabc\r\n1", body: "abc", err: io.ErrUnexpectedEOF},
		"before a chunk's end": {in: chunked + "3\r\nabc", body: "abc", err: io.ErrUnexpectedEOF},
		"inside the trailers":  {in: chunked + "0\r\nX: y\r\n", err: io.ErrUnexpectedEOF},
		"inside a known length": {in: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
			body: "abc", err: io.ErrUnexpectedEOF},
		"a chunk longer than its size": {in: chunked + "3\r\nabcd\r\n", body: "abc", err: &ProtocolError{}},
		"a bad size line":              {in: chunked + "zz\r\n", err: &ProtocolError{}},
	} {
		t.Run(name, func(t *testing.T) {
			rr := NewResponseReader(bufio.NewReaderSize(strings.NewReader(tc.in), 256), 0)
			_, _, body, err := rr.ReadStreaming()
			require.NoError(t, err)
			got, err := io.ReadAll(body)
			require.Equal(t, tc.body, string(got))
			var pe *ProtocolError
			if errors.As(tc.err, &pe) {
				require.ErrorAs(t, err, &pe)
			} else {
				require.Equal(t, tc.err, err)
			}
			_, err = body.Read(make([]byte, 1))
			require.Error(t, err, "the error sticks")
		})
	}
	rr := NewResponseReader(bufio.NewReader(strings.NewReader("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n")), 0)
	_, _, _, err := rr.ReadStreaming()
	var pe *ProtocolError
	require.ErrorAs(t, err, &pe, "both framings")
}

// streamPeer is the server end of a connection, scripted by the test.
type streamPeer struct {
	t  *testing.T
	nc net.Conn
	br *bufio.Reader
}

func (p *streamPeer) write(s string) {
	_, err := io.WriteString(p.nc, s)
	require.NoError(p.t, err)
}

// request reads one request and returns its head and body.
func (p *streamPeer) request() (head, body string) {
	req, err := http.ReadRequest(p.br)
	require.NoError(p.t, err)
	b, err := io.ReadAll(req.Body)
	require.NoError(p.t, err)
	var sb strings.Builder
	sb.WriteString(req.Method + " " + req.RequestURI + " Host=" + req.Host)
	for _, k := range []string{"Content-Type", "Authorization", "Content-Length"} {
		sb.WriteString(" " + k + "=" + req.Header.Get(k))
	}
	return sb.String(), string(b)
}

// doOnPipe starts Do on one end of a TCP connection and gives the test the
// other end.
func doOnPipe(t *testing.T, ctx context.Context) (*streamPeer, <-chan *Stream, <-chan error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	nc, err := Dial(context.Background(), ln.Addr().String(), nil, 5*time.Second)
	require.NoError(t, err)
	sc, err := ln.Accept()
	require.NoError(t, err)
	t.Cleanup(func() { sc.Close() })
	h, err := NewRequestHead("POST", "/api/v1/executor", []Field{{"Host", "agent:5051"},
		{"Content-Type", "application/x-protobuf"}, {"Authorization", "Bearer tok"}})
	require.NoError(t, err)
	streams, errs := make(chan *Stream, 1), make(chan error, 1)
	go func() {
		s, err := Do(ctx, nc, h, []byte("subscribe"))
		if err != nil {
			errs <- err
			return
		}
		streams <- s
	}()
	return &streamPeer{t: t, nc: sc, br: bufio.NewReader(sc)}, streams, errs
}

// readSome reads what has arrived, failing if nothing comes in time.
func readSome(t *testing.T, r io.Reader) string {
	t.Helper()
	type result struct {
		s   string
		err error
	}
	got := make(chan result, 1)
	go func() {
		b := make([]byte, 64)
		n, err := r.Read(b)
		got <- result{string(b[:n]), err}
	}()
	select {
	case r := <-got:
		require.NoError(t, r.err)
		return r.s
	case <-time.After(5 * time.Second):
		t.Fatal("a read waited for more than had arrived")
		return ""
	}
}

// Do sends the request as the calls are sent, and its body hands over each
// piece of a chunked stream as it arrives, without waiting for the chunk's
// end or the next chunk; the stream ends cleanly with its last chunk.
func TestDoReadsAChunkedStreamIncrementally(t *testing.T) {
	peer, streams, _ := doOnPipe(t, context.Background())
	head, body := peer.request()
	require.Equal(t, "POST /api/v1/executor Host=agent:5051 Content-Type=application/x-protobuf Authorization=Bearer tok Content-Length=9", head)
	require.Equal(t, "subscribe", body)
	peer.write("HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nTransfer-Encoding: chunked\r\n\r\n")
	s := <-streams
	defer s.Body.Close()
	require.Equal(t, 200, s.Status)
	require.Equal(t, "OK", s.Reason)
	require.Equal(t, "application/x-protobuf", s.ContentType)

	peer.write("3\r\nabc\r\n")
	require.Equal(t, "abc", readSome(t, s.Body))
	peer.write("b\r\nhello")
	require.Equal(t, "hello", readSome(t, s.Body), "part of a chunk")
	peer.write(" world\r\n")
	require.Equal(t, " world", readSome(t, s.Body))
	peer.write("1\r\n!\r\n0\r\n\r\n")
	require.Equal(t, "!", readSome(t, s.Body))
	n, err := s.Body.Read(make([]byte, 8))
	require.Equal(t, 0, n)
	require.Equal(t, io.EOF, err)
}

// The peer closing the connection inside a chunk ends the stream with
// io.ErrUnexpectedEOF after what arrived of the chunk.
func TestDoStreamClosedMidChunk(t *testing.T) {
	peer, streams, _ := doOnPipe(t, context.Background())
	peer.request()
	peer.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8\r\nhalf")
	s := <-streams
	defer s.Body.Close()
	require.Equal(t, "half", readSome(t, s.Body))
	peer.nc.Close()
	_, err := s.Body.Read(make([]byte, 8))
	require.Equal(t, io.ErrUnexpectedEOF, err)
}

// Cancelling the request's context closes the connection: a read on a
// silent peer (blocked, or about to be: either must end) returns at once
// with the cause, and so does a Do still waiting for the response's head.
func TestDoCancel(t *testing.T) {
	cause := errors.New("replaced")
	ctx, cancel := context.WithCancelCause(context.Background())
	peer, streams, _ := doOnPipe(t, ctx)
	peer.request()
	peer.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
	s := <-streams
	defer s.Body.Close()
	read := make(chan error, 1)
	go func() {
		_, err := s.Body.Read(make([]byte, 8))
		read <- err
	}()
	cancel(cause)
	select {
	case err := <-read:
		require.Equal(t, cause, err)
	case <-time.After(5 * time.Second):
		t.Fatal("the read went on after the cancel")
	}
	_, err := peer.br.ReadByte()
	require.Error(t, err, "the connection is closed")

	ctx, cancel = context.WithCancelCause(context.Background())
	peer, _, errs := doOnPipe(t, ctx)
	peer.request() // and no answer
	cancel(cause)
	select {
	case err := <-errs:
		require.Equal(t, cause, err)
	case <-time.After(5 * time.Second):
		t.Fatal("Do went on after the cancel")
	}
}

// Closing the Body ends a read on a silent peer (blocked, or about to
// be), and the connection; closing it again is harmless.
func TestDoCloseEndsTheRead(t *testing.T) {
	peer, streams, _ := doOnPipe(t, context.Background())
	peer.request()
	peer.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
	s := <-streams
	read := make(chan error, 1)
	go func() {
		_, err := s.Body.Read(make([]byte, 8))
		read <- err
	}()
	require.NoError(t, s.Body.Close())
	select {
	case err := <-read:
		require.ErrorIs(t, err, net.ErrClosed)
	case <-time.After(5 * time.Second):
		t.Fatal("the read went on after Close")
	}
	require.NoError(t, s.Body.Close())
}

// A peer that closes before answering fails Do with io.EOF, and a
// refusal's body is read like a stream's.
func TestDoPeerGone(t *testing.T) {
	peer, _, errs := doOnPipe(t, context.Background())
	peer.request()
	peer.nc.Close()
	require.Equal(t, io.EOF, <-errs)

	peer, streams, _ := doOnPipe(t, context.Background())
	peer.request()
	peer.write("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 31\r\n\r\nAgent has not finished recovery")
	s := <-streams
	defer s.Body.Close()
	require.Equal(t, 503, s.Status)
	b, err := io.ReadAll(s.Body)
	require.NoError(t, err)
	require.Equal(t, "Agent has not finished recovery", string(b))
}

// A refused connect is the dialer's error, which callers tell apart
// (the v1 wire falls back to the legacy one on it).
func TestDialRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	_, err = Dial(context.Background(), addr, nil, 5*time.Second)
	var op *net.OpError
	require.ErrorAs(t, err, &op)
	require.Equal(t, "dial", op.Op)
}
