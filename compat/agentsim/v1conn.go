package agentsim

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/mesos/mesos-go/api/v1/lib/executor"
)

// The plain loop. net/http's server costs the simulated agent more per
// call than the agent's own logic (a context, a background read, a
// response writer and its buffers per request), which made the v1
// benchmark figures measure net/http rather than the executors. So a v1
// connection is served by a small HTTP/1.1 loop of our own as long as its
// requests are plain calls: HTTP/1.1 POSTs with a Host, a small
// Content-Length body and none of the fields that change how a server
// frames or ends its answer. Their answers are written as net/http writes
// them (the same status line, header fields in the same order, Date), one
// Write each. Anything else (a SUBSCRIBE, whose answer is a stream, or a
// request that is malformed, unusual or short) is handed, with every byte
// of it still to read, to the http.Server, which serves the connection
// from then on exactly as it would have from the start.

// Bounds of the plain loop: a request larger than this is net/http's.
const (
	plainMaxBody    = 32 << 10
	plainMaxRequest = 64 << 10 // what the loop reads ahead of a request's end
)

// errPlainTooLong stops the reader once a request has used its bound.
var errPlainTooLong = errors.New("agentsim: request too long for the plain loop")

// acceptLoop serves each v1 connection the router hands over with the
// plain loop, until the listener closes.
func (s *v1Server) acceptLoop() {
	defer s.connWG.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		if !s.trackConn(c) {
			c.Close()
			continue
		}
		s.connWG.Add(1)
		go s.serveConn(c)
	}
}

// trackConn records c so that close can cut it; it reports false once the
// server is closing.
func (s *v1Server) trackConn(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *v1Server) untrackConn(c net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
}

// recorder keeps what is read through it since reset, up to a bound.
type recorder struct {
	r     io.Reader
	buf   []byte
	limit int
}

func (rec *recorder) Read(p []byte) (int, error) {
	room := rec.limit - len(rec.buf)
	if room <= 0 {
		return 0, errPlainTooLong
	}
	if len(p) > room {
		p = p[:room]
	}
	n, err := rec.r.Read(p)
	rec.buf = append(rec.buf, p[:n]...)
	return n, err
}

// plainConn is a connection served by the plain loop.
type plainConn struct {
	s   *v1Server
	c   net.Conn
	rec *recorder
	br  *bufio.Reader
	// start is what br held when the current request began: with
	// rec.buf, every byte of the request read so far.
	start  []byte
	out    []byte
	served bool // a request was answered here
}

func (s *v1Server) serveConn(c net.Conn) {
	defer s.connWG.Done()
	rec := &recorder{r: c, limit: plainMaxRequest}
	pc := &plainConn{s: s, c: c, rec: rec, br: bufio.NewReaderSize(rec, 4096)}
	for pc.serveOne() {
	}
}

// serveOne serves one request; false once the connection is closed or
// handed on.
func (pc *plainConn) serveOne() bool {
	if pc.served {
		// net/http skips CRs and LFs (up to 4) after a POST, for old
		// clients (RFC 7230 §3); every request served here was one.
		peek, _ := pc.br.Peek(4)
		pc.br.Discard(leadingCRorLF(peek))
	}
	pc.start = append(pc.start[:0], pc.peekBuffered()...)
	pc.rec.buf = pc.rec.buf[:0]
	r, err := http.ReadRequest(pc.br)
	if err != nil {
		if err == io.EOF && len(pc.start) == 0 && len(pc.rec.buf) == 0 {
			pc.close() // closed between requests, as net/http closes it
			return false
		}
		return pc.handOn()
	}
	if !plainRequest(r) {
		return pc.handOn()
	}
	body := make([]byte, r.ContentLength)
	if _, err := io.ReadFull(r.Body, body); err != nil {
		return pc.handOn()
	}
	call := decodeCall(r, body, nil)
	if call != nil && call.Type == executor.Call_SUBSCRIBE {
		return pc.handOn() // its answer is a stream: net/http's
	}
	s := pc.s
	if !s.enter() {
		pc.close()
		return false
	}
	defer s.wg.Done()
	ans, call := s.decideBody(r, body, nil, call)
	if ans.gone || ans.stream != nil { // no stream without a SUBSCRIBE
		<-s.down
		pc.close()
		return false
	}
	if ans.status != http.StatusAccepted {
		s.traceRefusal(call, ans)
	}
	pc.out = appendAnswer(pc.out[:0], ans, time.Now())
	if _, err := pc.c.Write(pc.out); err != nil {
		pc.close()
		return false
	}
	pc.served = true
	return true
}

func leadingCRorLF(b []byte) int {
	n := 0
	for n < len(b) && (b[n] == '\r' || b[n] == '\n') {
		n++
	}
	return n
}

func (pc *plainConn) peekBuffered() []byte {
	b, _ := pc.br.Peek(pc.br.Buffered())
	return b
}

func (pc *plainConn) close() {
	pc.s.untrackConn(pc.c)
	pc.c.Close()
}

// handOn gives the connection to the http.Server, the current request
// unread.
func (pc *plainConn) handOn() bool {
	replay := make([]byte, 0, len(pc.start)+len(pc.rec.buf))
	replay = append(append(replay, pc.start...), pc.rec.buf...)
	rc := &replayConn{Conn: pc.c, r: io.MultiReader(bytes.NewReader(replay), pc.c), s: pc.s}
	pc.s.fallback.deliver(rc, pc.s.down)
	return false
}

// plainRequest says whether the plain loop answers r as net/http would:
// an HTTP/1.1 POST with one well-formed Host, a small Content-Length body
// and no field that changes how the server frames or ends its answer.
func plainRequest(r *http.Request) bool {
	if r.Method != http.MethodPost || r.Proto != "HTTP/1.1" || r.Close ||
		len(r.TransferEncoding) != 0 || r.ContentLength < 0 || r.ContentLength > plainMaxBody {
		return false
	}
	// ReadRequest takes Host out of the header: r.Host is its value for a
	// request in origin form.
	if len(r.RequestURI) == 0 || r.RequestURI[0] != '/' || r.URL.Host != "" || !plainHost(r.Host) {
		return false
	}
	for k, vv := range r.Header {
		switch k {
		case "Connection", "Expect", "Upgrade", "Te", "Trailer", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "Http2-Settings":
			return false
		}
		if !plainToken(k) {
			return false
		}
		for _, v := range vv {
			if !plainValue(v) {
				return false
			}
		}
	}
	return true
}

// plainHost says whether h is a Host value net/http accepts as it is: a
// name or address with an optional port, in plain ASCII.
func plainHost(h string) bool {
	if h == "" {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '.' || c == '-' || c == ':' || c == '[' || c == ']' || c == '_') {
			return false
		}
	}
	return true
}

// plainToken says whether k is a header name of letters, digits and
// hyphens only: narrower than an RFC 9110 token on purpose, so that no
// name net/http treats specially slips through.
func plainToken(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// plainValue says whether v is a header value of visible ASCII, spaces and
// tabs.
func plainValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 && c != '\t' || c > 0x7e {
			return false
		}
	}
	return true
}

// appendAnswer appends ans as net/http writes it for the handler's answer
// (v1Server.answer): the status line, the header sorted by key, then Date,
// then the body.
func appendAnswer(b []byte, ans v1Answer, now time.Time) []byte {
	b = append(b, "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(ans.status), 10)
	b = append(b, ' ')
	if text := http.StatusText(ans.status); text != "" {
		b = append(b, text...)
	} else {
		b = append(b, "status code "...)
		b = strconv.AppendInt(b, int64(ans.status), 10)
	}
	b = append(b, "\r\n"...)
	for _, f := range answerHeader(ans) {
		b = append(append(append(append(b, f.key...), ": "...), f.value...), "\r\n"...)
	}
	b = append(b, "Date: "...)
	b = now.UTC().AppendFormat(b, http.TimeFormat)
	b = append(b, "\r\n\r\n"...)
	return append(b, ans.body...)
}

// replayConn is a connection handed to net/http with bytes already read
// from it to read again first.
type replayConn struct {
	net.Conn
	r io.Reader
	s *v1Server
}

func (c *replayConn) Read(p []byte) (int, error) { return c.r.Read(p) }

func (c *replayConn) Close() error {
	c.s.untrackConn(c.Conn)
	return c.Conn.Close()
}

// CloseWrite half-closes, as peekedConn does.
func (c *replayConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return c.Conn.Close()
}
