package messenger

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/upid"
)

// readAll reads requests from raw until the first error, which it returns
// (io.EOF after a clean end).
func readAll(raw string, bufSize int, maxBody int64) ([]*Request, error) {
	rr := NewRequestReader(bufio.NewReaderSize(strings.NewReader(raw), bufSize), maxBody)
	var reqs []*Request
	for {
		req, err := rr.Read()
		if err != nil {
			return reqs, err
		}
		reqs = append(reqs, req)
	}
}

// statusOf is the status of a *RequestError, 0 for io.EOF and -1 otherwise.
func statusOf(err error) int {
	var re *RequestError
	switch {
	case errors.As(err, &re):
		return re.Status
	case err == io.EOF:
		return 0
	}
	return -1
}

const (
	agentFrom = "slave(1)@127.0.0.1:5051"
	execTo    = "/executor(1)/mesos.internal.RunTaskMessage"
)

// req11 is the request every libprocess 0.22-1.11 sender makes.
func req11(body string) *Request {
	return &Request{Method: "POST", Target: execTo, Minor: 1, UserAgent: "libprocess/" + agentFrom,
		LibprocessFrom: agentFrom, Connection: "Keep-Alive", Body: []byte(body)}
}

func TestRequestReaderReadsEveryFraming(t *testing.T) {
	const head11 = "POST " + execTo + " HTTP/1.1\r\nUser-Agent: libprocess/" + agentFrom + "\r\nLibprocess-From: " + agentFrom + "\r\nConnection: Keep-Alive\r\n"
	cases := []struct {
		name string
		raw  string
		want []*Request
	}{
		{"pre-0.22 HTTP/1.0 chunked",
			"POST " + execTo + " HTTP/1.0\r\nUser-Agent: libprocess/" + agentFrom + "\r\nConnection: Keep-Alive\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
			[]*Request{{Method: "POST", Target: execTo, Minor: 0, UserAgent: "libprocess/" + agentFrom, Connection: "Keep-Alive", Body: []byte("hello")}}},
		{"0.22-1.11 empty Host",
			head11 + "Host: \r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
			[]*Request{req11("hello")}},
		{"post-1.11 Host",
			head11 + "Host: 127.0.0.1:40161\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
			[]*Request{req11("hello")}},
		{"empty body without length headers",
			head11 + "Host: 127.0.0.1:40161\r\n\r\n",
			[]*Request{req11("")}},
		{"Content-Length as Go's net/http sends it",
			"POST /slave(1)/mesos.internal.StatusUpdateMessage HTTP/1.1\r\nHost: 127.0.0.1:5051\r\nUser-Agent: Go-http-client/1.1\r\nContent-Length: 5\r\nConnection: Keep-Alive\r\nContent-Type: application/x-protobuf\r\nLibprocess-From: executor(1)@127.0.0.1:34559\r\nAccept-Encoding: gzip\r\n\r\nhello",
			[]*Request{{Method: "POST", Target: "/slave(1)/mesos.internal.StatusUpdateMessage", Minor: 1, UserAgent: "Go-http-client/1.1",
				LibprocessFrom: "executor(1)@127.0.0.1:34559", Connection: "Keep-Alive", Body: []byte("hello")}}},
		{"Content-Length 0", head11 + "Content-Length: 0\r\n\r\n", []*Request{req11("")}},
		{"repeated equal Content-Length", head11 + "Content-Length: 2\r\nContent-Length: 2\r\n\r\nab", []*Request{req11("ab")}},
		{"bare LF line endings",
			strings.ReplaceAll(head11+"Host: \r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", "\r\n", "\n"),
			[]*Request{req11("hello")}},
		{"stray CRLF before and between requests",
			"\r\n\n\r\n" + head11 + "\r\n" + "\r\n\r\n" + head11 + "Content-Length: 1\r\n\r\nx" + "\r\n",
			[]*Request{req11(""), req11("x")}},
		{"several chunks, upper-case hex, leading zeros",
			head11 + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nA\r\n0123456789\r\n0001\r\n!\r\n0\r\n\r\n",
			[]*Request{req11("abc0123456789!")}},
		{"chunk extensions are ignored",
			head11 + "Transfer-Encoding: chunked\r\n\r\n5;name=value;x\r\nhello\r\n0;last\r\n\r\n",
			[]*Request{req11("hello")}},
		{"trailers are skipped",
			head11 + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-Checksum: 1\r\nX-Other: 2\r\n\r\n" + head11 + "\r\n",
			[]*Request{req11("hello"), req11("")}},
		{"body bytes that look like framing",
			head11 + "Transfer-Encoding: chunked\r\n\r\nc\r\n\r\n0\r\n\r\nPOST \r\n0\r\n\r\n",
			[]*Request{req11("\r\n0\r\n\r\nPOST ")}},
		{"header names in any case, values trimmed, no space after colon",
			"POST " + execTo + " HTTP/1.1\r\nuser-agent:libprocess/x@1.2.3.4:5\r\nLIBPROCESS-FROM: \t" + agentFrom + " \t\r\nconnection:   close\r\nEXPECT: 100-continue\r\nTRANSFER-ENCODING: Chunked\r\nX-Unknown: ignored\r\n\r\n1\r\nz\r\n0\r\n\r\n",
			[]*Request{{Method: "POST", Target: execTo, Minor: 1, UserAgent: "libprocess/x@1.2.3.4:5", LibprocessFrom: agentFrom,
				Connection: "close", Expect: "100-continue", Body: []byte("z")}}},
		{"other methods and query strings are read as they are",
			"GET /executor(1)/state?x=1 HTTP/1.1\r\nHost: \r\n\r\n",
			[]*Request{{Method: "GET", Target: "/executor(1)/state?x=1", Minor: 1}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := readAll(c.raw, 4096, 0)
			require.Equal(t, io.EOF, err, "the stream must end cleanly after the last request")
			require.Len(t, got, len(c.want))
			for i := range c.want {
				normalise(got[i])
				normalise(c.want[i])
				require.Equal(t, c.want[i], got[i], "request %d", i)
			}
		})
	}
}

// normalise makes an empty body nil so requests compare by content.
func normalise(r *Request) {
	if len(r.Body) == 0 {
		r.Body = nil
	}
}

func TestRequestReaderRefusesBadRequestsWithTheirStatus(t *testing.T) {
	const head = "POST " + execTo + " HTTP/1.1\r\nLibprocess-From: " + agentFrom + "\r\n"
	cases := []struct {
		name    string
		raw     string
		maxBody int64
		status  int
		reason  string
	}{
		{"request line without target", "POST\r\n\r\n", 0, 400, "has no target"},
		{"request line without version", "POST /x\r\n\r\n", 0, 400, "malformed request line"},
		{"empty method", " /x HTTP/1.1\r\n\r\n", 0, 400, "malformed request line"},
		{"double space", "POST  /x HTTP/1.1\r\n\r\n", 0, 400, "malformed request line"},
		{"HTTP/2.0", "POST /x HTTP/2.0\r\n\r\n", 0, 400, "unsupported protocol"},
		{"HTTP/0.9 style", "GET /x\r\n", 0, 400, "malformed request line"},
		{"space in target", "POST /a b HTTP/1.1\r\n\r\n", 0, 400, "unsupported protocol"},
		{"binary garbage", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\n", 0, 400, "has no target"},
		{"header without colon", head + "NoColon\r\n\r\n", 0, 400, "malformed header line"},
		{"empty header name", head + ": v\r\n\r\n", 0, 400, "malformed header line"},
		{"space in header name", head + "Bad Name: v\r\n\r\n", 0, 400, "malformed header line"},
		{"obsolete line folding", head + "X: a\r\n  folded\r\n\r\n", 0, 400, "malformed header line"},
		{"Content-Length not a number", head + "Content-Length: 1x\r\n\r\n", 0, 400, "invalid Content-Length"},
		{"negative Content-Length", head + "Content-Length: -1\r\n\r\n", 0, 400, "invalid Content-Length"},
		{"conflicting Content-Length", head + "Content-Length: 1\r\nContent-Length: 2\r\n\r\nxx", 0, 400, "invalid Content-Length"},
		{"Content-Length and chunked", head + "Content-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n", 0, 400, "both Transfer-Encoding and Content-Length"},
		{"unsupported Transfer-Encoding", head + "Transfer-Encoding: gzip\r\n\r\n", 0, 501, "unsupported Transfer-Encoding"},
		{"Transfer-Encoding list", head + "Transfer-Encoding: gzip, chunked\r\n\r\n", 0, 501, "unsupported Transfer-Encoding"},
		{"invalid chunk size", head + "Transfer-Encoding: chunked\r\n\r\nzz\r\n", 0, 400, "invalid chunk size"},
		{"empty chunk size", head + "Transfer-Encoding: chunked\r\n\r\n\r\n", 0, 400, "invalid chunk size"},
		{"negative chunk size", head + "Transfer-Encoding: chunked\r\n\r\n-1\r\n", 0, 400, "invalid chunk size"},
		{"chunk size with sign", head + "Transfer-Encoding: chunked\r\n\r\n+1\r\nx\r\n0\r\n\r\n", 0, 400, "invalid chunk size"},
		{"chunk size 0x prefix", head + "Transfer-Encoding: chunked\r\n\r\n0x1\r\nx\r\n0\r\n\r\n", 0, 400, "invalid chunk size"},
		{"chunk size over 64 bits", head + "Transfer-Encoding: chunked\r\n\r\n10000000000000000\r\n", 0, 400, "invalid chunk size"},
		{"chunk longer than its size", head + "Transfer-Encoding: chunked\r\n\r\n1\r\nxy\r\n0\r\n\r\n", 0, 400, "longer than its size"},
		{"too many trailers", head + "Transfer-Encoding: chunked\r\n\r\n0\r\n" + strings.Repeat("T: 1\r\n", maxHeaderCount+1) + "\r\n", 0, 400, "too many trailer lines"},
		{"too many headers", head + strings.Repeat("X: 1\r\n", maxHeaderCount) + "\r\n", 0, 431, "more than 128 headers"},
		{"line longer than the buffer", head + "X: " + strings.Repeat("a", 5000) + "\r\n\r\n", 0, 431, "line longer than 4096 bytes"},
		{"request line longer than the buffer", "POST /" + strings.Repeat("a", 5000) + " HTTP/1.1\r\n\r\n", 0, 431, "line longer"},
		{"body over the limit by Content-Length", head + "Content-Length: 11\r\n\r\n", 10, 413, "body of 11 bytes exceeds the limit of 10"},
		{"body over the limit in one chunk", head + "Transfer-Encoding: chunked\r\n\r\nb\r\n", 10, 413, "body of 11 bytes exceeds the limit of 10"},
		{"body over the limit over several chunks", head + "Transfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n5\r\n", 10, 413, "body of 11 bytes exceeds the limit of 10"},
		{"closed inside the request line", "POST /executor(1)/x HT", 0, 400, "inside the request line"},
		{"closed inside the headers", head + "Connection: Ke", 0, 400, "inside the headers"},
		{"closed before the blank line", head, 0, 400, "inside the headers"},
		{"closed inside a fixed body", head + "Content-Length: 10\r\n\r\nabc", 0, 400, "inside the body"},
		{"closed inside a chunk-size line", head + "Transfer-Encoding: chunked\r\n\r\n1", 0, 400, "inside the chunk size"},
		{"closed inside a chunk", head + "Transfer-Encoding: chunked\r\n\r\n5\r\nhel", 0, 400, "inside the chunk"},
		{"closed after chunk data", head + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello", 0, 400, "inside the chunk"},
		{"closed before the last chunk", head + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", 0, 400, "inside the chunk size"},
		{"closed inside the trailers", head + "Transfer-Encoding: chunked\r\n\r\n0\r\nX: 1\r\n", 0, 400, "inside the trailers"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := readAll(c.raw, 4096, c.maxBody)
			require.Empty(t, got)
			var re *RequestError
			require.ErrorAs(t, err, &re)
			require.Equal(t, c.status, re.Status, "reason: %s", re.Reason)
			require.Contains(t, re.Reason, c.reason)
			require.Contains(t, re.Error(), c.reason)
		})
	}
}

func TestRequestReaderEndsCleanlyOnlyBetweenRequests(t *testing.T) {
	for _, raw := range []string{"", "\r\n", "\n\r\n\r\n"} {
		got, err := readAll(raw, 4096, 0)
		require.Empty(t, got)
		require.Equal(t, io.EOF, err, "%q", raw)
	}
}

func TestRequestReaderPassesTransportErrorsThrough(t *testing.T) {
	boom := errors.New("connection reset")
	full := AppendMessage(nil, testMessage("mesos.internal.RunTaskMessage", "hello"), FramingHTTP11)
	for cut := 0; cut < len(full); cut++ {
		r := io.MultiReader(bytes.NewReader(full[:cut]), iotest.ErrReader(boom))
		_, err := NewRequestReader(bufio.NewReaderSize(r, 128), 0).Read()
		require.ErrorIs(t, err, boom, "cut at %d", cut)
	}
}

func TestRequestReaderReadsOneByteAtATime(t *testing.T) {
	var stream []byte
	var want []Message
	for i, f := range []Framing{FramingHTTP10, FramingHTTP11, FramingHTTP11Host, FramingHTTP11} {
		m := testMessage("mesos.internal.M", strings.Repeat("body\r\n0\r\n", i))
		stream = AppendMessage(stream, m, f)
		want = append(want, *m)
	}
	rr := NewRequestReader(bufio.NewReaderSize(iotest.OneByteReader(bytes.NewReader(stream)), 128), 0)
	for i := range want {
		req, err := rr.Read()
		require.NoError(t, err)
		got, err := ParseMessage(req)
		require.NoError(t, err)
		requireSameMessage(t, want[i], got)
	}
	_, err := rr.Read()
	require.Equal(t, io.EOF, err)
}

func TestRequestReaderBodiesOutliveTheNextRead(t *testing.T) {
	raw := string(AppendMessage(nil, testMessage("a", "first body"), FramingHTTP11)) +
		"POST /executor(1)/b HTTP/1.1\r\nLibprocess-From: " + agentFrom + "\r\nContent-Length: 11\r\n\r\nsecond body"
	reqs, err := readAll(raw, 128, 0)
	require.Equal(t, io.EOF, err)
	require.Len(t, reqs, 2)
	require.Equal(t, "first body", string(reqs[0].Body))
	require.Equal(t, "second body", string(reqs[1].Body))
}

func TestRequestReaderReportsBufferedPipelinedRequests(t *testing.T) {
	one := AppendMessage(nil, testMessage("a", "x"), FramingHTTP11)
	rr := NewRequestReader(bufio.NewReaderSize(bytes.NewReader(append(bytes.Clone(one), one...)), 4096), 0)
	_, err := rr.Read()
	require.NoError(t, err)
	require.Equal(t, len(one), rr.Buffered())
	_, err = rr.Read()
	require.NoError(t, err)
	require.Zero(t, rr.Buffered())
}

func TestKeepAliveFollowsTheHTTPVersion(t *testing.T) {
	cases := []struct {
		minor      int
		connection string
		want       bool
	}{
		{0, "", false},
		{0, "Keep-Alive", true},
		{0, "keep-alive", true},
		{0, "KEEP-ALIVE", true},
		{0, "close", false},
		{0, "Upgrade", false},
		{1, "", true},
		{1, "Keep-Alive", true},
		{1, "close", false},
		{1, "Close", false},
		{1, "CLOSE", false},
		{1, "Upgrade", true},
	}
	for _, c := range cases {
		r := &Request{Minor: c.minor, Connection: c.connection}
		require.Equal(t, c.want, r.KeepAlive(), "HTTP/1.%d Connection: %q", c.minor, c.connection)
	}
}

// testMessage is a message from the agent to executor(1).
func testMessage(name, body string) *Message {
	m := &Message{
		From: upid.MustParse("slave(1)@127.0.0.1:5051"),
		To:   upid.MustParse("executor(1)@127.0.0.1:40161"),
		Name: name,
	}
	if body != "" {
		m.Body = []byte(body)
	}
	return m
}

// requireSameMessage compares what ParseMessage can know of a message: the
// receiver's id, not its address, and an empty body as nil.
func requireSameMessage(t *testing.T, want, got Message) {
	t.Helper()
	require.Equal(t, want.From, got.From)
	require.Equal(t, want.To.ID, got.To.ID)
	require.Equal(t, want.Name, got.Name)
	require.Equal(t, string(want.Body), string(got.Body))
}

// FuzzRequestReader feeds arbitrary bytes to RequestReader and ParseMessage.
// They must not panic and must end; every failure must be a RequestError
// with a status the receiver answers with; the input must be read the same
// whether it arrives at once or byte by byte; and every message read must
// re-encode, in each framing, to a request that reads back as the same
// message. The seeds are every request of the real captures, the
// hand-written generations of receive_test.go and the corpus in
// testdata/fuzz/FuzzRequestReader.
func FuzzRequestReader(f *testing.F) {
	for _, raw := range capturedRequestBytes(f) {
		f.Add(raw)
	}
	for _, g := range generations {
		f.Add(g.request(40161, "mesos.internal.RunTaskMessage", []byte("\x0a\x05hello")))
		f.Add(g.request(40161, "mesos.internal.ShutdownExecutorMessage", nil))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const maxBody = 64 << 10
		whole := readForFuzz(t, bytes.NewReader(data), maxBody, len(data))
		oneByOne := readForFuzz(t, iotest.OneByteReader(bytes.NewReader(data)), maxBody, len(data))
		require.Equal(t, whole, oneByOne, "the result must not depend on how the bytes arrive")
		for _, r := range whole {
			if r.req != nil {
				requireReencodes(t, r.req, maxBody)
			}
		}
	})
}

// fuzzResult is one Read: a request or the status of its error (0: io.EOF).
type fuzzResult struct {
	req    *Request
	status int
}

func readForFuzz(t *testing.T, r io.Reader, maxBody int64, n int) []fuzzResult {
	rr := NewRequestReader(bufio.NewReaderSize(r, 512), maxBody)
	var out []fuzzResult
	for i := 0; ; i++ {
		require.LessOrEqual(t, i, n, "more requests than input bytes: the reader does not make progress")
		req, err := rr.Read()
		if err != nil {
			status := statusOf(err)
			require.Contains(t, []int{0, 400, 413, 431, 501}, status, "%v", err)
			return append(out, fuzzResult{status: status})
		}
		require.Contains(t, []int{0, 1}, req.Minor)
		require.NotEmpty(t, req.Method)
		require.NotEmpty(t, req.Target)
		require.LessOrEqual(t, int64(len(req.Body)), maxBody)
		normalise(req)
		out = append(out, fuzzResult{req: req})
	}
}

func requireReencodes(t *testing.T, req *Request, maxBody int64) {
	msg, err := ParseMessage(req)
	if err != nil {
		require.Contains(t, []int{400, 404, 405}, statusOf(err), "%v", err)
		return
	}
	require.False(t, msg.From.IsZero())
	require.NotEmpty(t, msg.Name)
	if !encodable(msg) {
		return
	}
	msg.To.Host, msg.To.Port = "127.0.0.1", 40161
	for _, f := range []Framing{FramingHTTP11, FramingHTTP10, FramingHTTP11Host} {
		enc := AppendMessage(nil, &msg, f)
		rr := NewRequestReader(bufio.NewReader(bytes.NewReader(enc)), maxBody)
		again, err := rr.Read()
		require.NoError(t, err, "%s re-encoding %q", f, enc)
		_, err = rr.Read()
		require.Equal(t, io.EOF, err, "%s re-encoding %q is more than one request", f, enc)
		got, err := ParseMessage(again)
		require.NoError(t, err, "%s re-encoding %q", f, enc)
		requireSameMessage(t, msg, got)
	}
}

// encodable reports whether AppendMessage can write msg as a request that
// names the same process and message: the id is a non-empty path segment
// and neither it nor the name holds bytes that end the target or that the
// receiver would percent-decode.
func encodable(msg Message) bool {
	return msg.To.ID != "" &&
		!strings.ContainsAny(msg.To.ID, " \r\n?%/") &&
		!strings.ContainsAny(msg.Name, " \r\n?%")
}

func TestChunkSizeOverflowIsRefusedNotAPanic(t *testing.T) {
	const head = "POST " + execTo + " HTTP/1.1\r\nLibprocess-From: " + agentFrom + "\r\nTransfer-Encoding: chunked\r\n\r\n"
	var err error
	require.NotPanics(t, func() { _, err = readAll(head+"1\r\nx\r\n7fffffffffffffff\r\n", 4096, 0) })
	require.Equal(t, 413, statusOf(err), "%v", err)
}

func TestContentLengthWithSignIsRefused(t *testing.T) {
	got, err := readAll("POST "+execTo+" HTTP/1.1\r\nLibprocess-From: "+agentFrom+"\r\nContent-Length: +1\r\n\r\nx", 4096, 0)
	require.Empty(t, got)
	require.Equal(t, 400, statusOf(err), "%v", err)
}

func TestKeepAliveReadsConnectionAsATokenList(t *testing.T) {
	for _, c := range []struct {
		minor      int
		connection string
		want       bool
	}{{1, "close, TE", false}, {1, "TE, close", false}, {1, "keep-alive, close", false}, {0, "Keep-Alive, TE", true}, {0, "TE,keep-alive", true}} {
		require.Equal(t, c.want, (&Request{Minor: c.minor, Connection: c.connection}).KeepAlive(), "HTTP/1.%d Connection: %q", c.minor, c.connection)
	}
}

// Connection is one list however many lines carry it (RFC 9110 §5.3).
func TestKeepAliveReadsEveryConnectionLine(t *testing.T) {
	for _, c := range []struct {
		version, lines string
		want           bool
	}{
		{"HTTP/1.0", "Connection: Keep-Alive\r\nConnection: TE\r\n", true},
		{"HTTP/1.1", "Connection: close\r\nConnection: keep-alive\r\n", false},
		{"HTTP/1.1", "Connection: TE\r\nconnection: close\r\n", false},
	} {
		got, err := readAll("POST "+execTo+" "+c.version+"\r\n"+c.lines+"\r\n", 4096, 0)
		require.Equal(t, io.EOF, err)
		require.Len(t, got, 1)
		require.Equal(t, c.want, got[0].KeepAlive(), "%s %q: Connection %q", c.version, c.lines, got[0].Connection)
	}
}

func TestLargeDeclaredBodyIsNotAllocatedBeforeItArrives(t *testing.T) {
	raw := "POST " + execTo + " HTTP/1.1\r\nLibprocess-From: " + agentFrom + "\r\nContent-Length: 60000000\r\n\r\nabc"
	rr := NewRequestReader(bufio.NewReader(strings.NewReader(raw)), 0)
	allocs := testing.AllocsPerRun(1, func() { rr.Read() })
	require.Less(t, allocs, 100.0)
	// TotalAlloc counts every goroutine's allocations: take the least of a
	// few runs, so that other work in the process cannot fail the test.
	least := uint64(1 << 62)
	for i := 0; i < 3; i++ {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		before := ms.TotalAlloc
		rr = NewRequestReader(bufio.NewReader(strings.NewReader(raw)), 0)
		_, err := rr.Read()
		require.Equal(t, 400, statusOf(err))
		runtime.ReadMemStats(&ms)
		least = min(least, ms.TotalAlloc-before)
	}
	require.Less(t, least, uint64(4<<20), "a 60 MB declaration with 3 bytes sent must not reserve 60 MB")
}
