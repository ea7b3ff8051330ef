package messenger

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/mesos-shim/executor/internal/httpline"
)

// DefaultMaxBodyBytes is the default limit on one message body (64 MiB).
const DefaultMaxBodyBytes = 64 << 20

// maxHeaderCount bounds the header (and trailer) lines of one request. One
// line is bounded by the reader's buffer size.
const maxHeaderCount = 128

// Request is one HTTP/1.x request as a libprocess peer sends it. Only the
// headers that matter to libprocess are kept.
type Request struct {
	Method         string
	Target         string // request target as sent, e.g. "/executor(1)/mesos.internal.RunTaskMessage"
	Minor          int    // HTTP/1.<Minor>
	UserAgent      string
	LibprocessFrom string
	Connection     string // every Connection line, joined by ", "
	Expect         string
	Body           []byte
}

// KeepAlive reports whether the sender expects the connection to stay open
// after this request, by the rules of its HTTP version.
func (r *Request) KeepAlive() bool {
	if hasToken(r.Connection, "close") {
		return false
	}
	if r.Minor == 0 {
		return hasToken(r.Connection, "keep-alive")
	}
	return true
}

// hasToken reports whether the comma-separated list holds token (RFC 9110
// §7.6.1: Connection is a list of options).
func hasToken(list, token string) bool {
	for list != "" {
		var t string
		t, list, _ = strings.Cut(list, ",")
		if httpline.EqualFold(strings.TrimSpace(t), token) {
			return true
		}
	}
	return false
}

// RequestError is a request that cannot be read. Status is the HTTP status to
// answer with; the connection must be closed after answering, because the
// stream can no longer be trusted to be at a request boundary.
type RequestError struct {
	Status int
	Reason string
}

func (e *RequestError) Error() string {
	return fmt.Sprintf("messenger: bad request (%d): %s", e.Status, e.Reason)
}

func badRequest(format string, args ...any) *RequestError {
	return &RequestError{Status: 400, Reason: fmt.Sprintf(format, args...)}
}

// RequestReader reads consecutive requests from one connection. It handles
// what Go's net/http does not: HTTP/1.0 requests with a chunked body, as
// libprocess before 0.22 sends them.
type RequestReader struct {
	br      *bufio.Reader
	maxBody int64
	// bodyStarts, when set, is called between a request's headers and
	// its body: the receiver's deadlines change there.
	bodyStarts func()
	// emptyLine, when set, is called after each empty line skipped before
	// a request line: the next request has not started yet. Its error
	// ends the read.
	emptyLine func() error
	// The text of the last requests, reused while the next requests repeat
	// it (a sender writes the same headers and a few targets again and
	// again), so that reading them does not allocate.
	targets                     recent
	userAgent, from, connection last
}

// last is the last value of one header; a string is never changed, so
// handing the same one to many requests is safe.
type last struct{ s string }

func (l *last) of(b []byte) string {
	if l.s != string(b) {
		l.s = string(b)
	}
	return l.s
}

// recent is the last few values of a field that takes a few values in turn,
// such as a target when messages of several kinds alternate.
type recent struct {
	s    [4]string
	next int
}

func (r *recent) of(b []byte) string {
	for _, s := range r.s {
		if s == string(b) {
			return s
		}
	}
	s := string(b)
	r.s[r.next] = s
	r.next = (r.next + 1) % len(r.s)
	return s
}

// NewRequestReader reads from br; bodies over maxBody bytes (0 means
// DefaultMaxBodyBytes) are refused with status 413.
func NewRequestReader(br *bufio.Reader, maxBody int64) *RequestReader {
	if maxBody <= 0 {
		maxBody = DefaultMaxBodyBytes
	}
	return &RequestReader{br: br, maxBody: maxBody}
}

// Buffered reports how many bytes of further requests are already buffered.
func (rr *RequestReader) Buffered() int { return rr.br.Buffered() }

// Read reads the next request. It returns io.EOF when the peer closed the
// connection cleanly between requests, a *RequestError for a malformed or
// oversized request, and other errors for transport failures.
func (rr *RequestReader) Read() (*Request, error) {
	req := &Request{}
	if err := rr.read(req); err != nil {
		return nil, err
	}
	return req, nil
}

// read is Read into req, which it overwrites, so that a connection can
// read every request into one Request. Only the Body of a request is new;
// its strings may be shared with earlier requests.
func (rr *RequestReader) read(req *Request) error {
	*req = Request{}
	line, err := rr.readLine()
	for err == nil && len(line) == 0 {
		if rr.emptyLine != nil {
			if err := rr.emptyLine(); err != nil {
				return err
			}
		}
		line, err = rr.readLine() // tolerate stray CRLF between requests (RFC 9112 §2.2)
	}
	if err != nil {
		return truncatedIfPartial(err, "request line")
	}
	if err := rr.parseRequestLine(line, req); err != nil {
		return err
	}
	framing, err := rr.readHeaders(req)
	if err != nil {
		return err
	}
	if rr.bodyStarts != nil {
		rr.bodyStarts()
	}
	req.Body, err = rr.readBody(framing)
	return err
}

// bodyFraming says how the body is delimited.
type bodyFraming struct {
	chunked       bool
	contentLength int64 // -1 when absent
}

func (rr *RequestReader) parseRequestLine(line []byte, req *Request) error {
	method, rest, ok := bytes.Cut(line, []byte(" "))
	if !ok {
		return badRequest("request line %q has no target", truncate(line))
	}
	target, proto, ok := bytes.Cut(rest, []byte(" "))
	if !ok || len(method) == 0 || len(target) == 0 {
		return badRequest("malformed request line %q", truncate(line))
	}
	switch string(proto) {
	case "HTTP/1.1":
		req.Minor = 1
	case "HTTP/1.0":
		req.Minor = 0
	default:
		return badRequest("unsupported protocol %q", truncate(proto))
	}
	req.Method, req.Target = methodString(method), rr.targets.of(target)
	return nil
}

// methodString is string(method), without allocating for a POST.
func methodString(method []byte) string {
	if string(method) == "POST" {
		return "POST"
	}
	return string(method)
}

func (rr *RequestReader) readHeaders(req *Request) (bodyFraming, error) {
	f := bodyFraming{contentLength: -1}
	for n := 0; ; n++ {
		line, err := rr.readLine()
		if err != nil {
			return f, truncatedIfEOF(err, "headers")
		}
		if len(line) == 0 {
			return f, nil
		}
		if n == maxHeaderCount {
			return f, &RequestError{Status: 431, Reason: fmt.Sprintf("more than %d headers", maxHeaderCount)}
		}
		if err := rr.applyHeader(line, req, &f); err != nil {
			return f, err
		}
	}
}

// applyHeader keeps what matters of one header line. A value is made a
// string only when it is kept.
func (rr *RequestReader) applyHeader(line []byte, req *Request, f *bodyFraming) error {
	name, value, ok := bytes.Cut(line, []byte(":"))
	if !ok || len(name) == 0 || bytes.ContainsAny(name, " \t") {
		return badRequest("malformed header line %q", truncate(line))
	}
	v := bytes.TrimSpace(value)
	switch {
	case httpline.EqualFold(name, "user-agent"):
		req.UserAgent = rr.userAgent.of(v)
	case httpline.EqualFold(name, "libprocess-from"):
		req.LibprocessFrom = rr.from.of(v)
	case httpline.EqualFold(name, "connection"):
		req.Connection = joinList(req.Connection, rr.connection.of(v))
	case httpline.EqualFold(name, "expect"):
		req.Expect = string(v)
	case httpline.EqualFold(name, "transfer-encoding"):
		if !httpline.EqualFold(v, "chunked") {
			return &RequestError{Status: 501, Reason: fmt.Sprintf("unsupported Transfer-Encoding %q", v)}
		}
		f.chunked = true
	case httpline.EqualFold(name, "content-length"):
		return applyContentLength(v, f, rr.maxBody)
	}
	return nil
}

// joinList adds the items of one line of a list field to those of the
// lines before it: a list is one field however many lines carry it (RFC
// 9110 §5.3).
func joinList(before, line string) string {
	if before == "" {
		return line
	}
	return before + ", " + line
}

func applyContentLength(v []byte, f *bodyFraming, maxBody int64) error {
	u, err := strconv.ParseUint(string(v), 10, 63) // 1*DIGIT: no sign (RFC 9110 §8.6)
	n := int64(u)
	if err != nil || (f.contentLength >= 0 && f.contentLength != n) {
		return badRequest("invalid Content-Length %q", v)
	}
	if n > maxBody {
		return tooLarge(n, maxBody)
	}
	f.contentLength = n
	return nil
}

// addSaturating adds two non-negative sizes, stopping at math.MaxInt64.
func addSaturating(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

func tooLarge(n, limit int64) *RequestError {
	return &RequestError{Status: 413, Reason: fmt.Sprintf("body of %d bytes exceeds the limit of %d", n, limit)}
}

func (rr *RequestReader) readBody(f bodyFraming) ([]byte, error) {
	switch {
	case f.chunked && f.contentLength >= 0:
		return nil, badRequest("both Transfer-Encoding and Content-Length")
	case f.chunked:
		return rr.readChunked()
	case f.contentLength > 0:
		return rr.readFixed(f.contentLength)
	}
	return nil, nil // no body headers: an empty body, as libprocess sends it
}

// eagerAllocBytes is the largest body allocated before its bytes arrive;
// larger ones grow as they are read, so a header alone cannot make the
// receiver reserve MaxBodyBytes.
const eagerAllocBytes = 1 << 20

func (rr *RequestReader) readFixed(n int64) ([]byte, error) {
	return rr.readInto(nil, n, "body")
}

// readInto appends exactly n bytes of body to dst; where names the part
// being read for the error when the stream ends early.
func (rr *RequestReader) readInto(dst []byte, n int64, where string) ([]byte, error) {
	for remaining := n; remaining > 0; {
		step := min(remaining, eagerAllocBytes)
		dst = slices.Grow(dst, int(step))[:len(dst)+int(step)]
		if _, err := io.ReadFull(rr.br, dst[len(dst)-int(step):]); err != nil {
			return nil, truncatedIfEOF(err, where)
		}
		remaining -= step
	}
	return dst, nil
}

func (rr *RequestReader) readChunked() ([]byte, error) {
	var body []byte
	for {
		size, err := rr.readChunkSize()
		if err != nil {
			return nil, err
		}
		if size == 0 {
			return body, rr.skipTrailers()
		}
		if size > rr.maxBody-int64(len(body)) { // len(body) <= maxBody: no overflow
			return nil, tooLarge(addSaturating(int64(len(body)), size), rr.maxBody)
		}
		if body, err = rr.appendChunk(body, size); err != nil {
			return nil, err
		}
	}
}

func (rr *RequestReader) readChunkSize() (int64, error) {
	line, err := rr.readLine()
	if err != nil {
		return 0, truncatedIfEOF(err, "chunk size")
	}
	hex, _, _ := bytes.Cut(line, []byte(";")) // chunk extensions are ignored
	hex = bytes.TrimSpace(hex)
	size, err := strconv.ParseInt(string(hex), 16, 64)
	if err != nil || size < 0 || len(hex) == 0 || hex[0] == '+' || hex[0] == '-' {
		return 0, badRequest("invalid chunk size %q", truncate(line))
	}
	return size, nil
}

func (rr *RequestReader) appendChunk(body []byte, size int64) ([]byte, error) {
	body, err := rr.readInto(body, size, "chunk")
	if err != nil {
		return nil, err
	}
	crlf, err := rr.readLine()
	if err != nil {
		return nil, truncatedIfEOF(err, "chunk")
	}
	if len(crlf) != 0 {
		return nil, badRequest("chunk data longer than its size line says")
	}
	return body, nil
}

func (rr *RequestReader) skipTrailers() error {
	for n := 0; ; n++ {
		line, err := rr.readLine()
		if err != nil {
			return truncatedIfEOF(err, "trailers")
		}
		if len(line) == 0 {
			return nil
		}
		if n == maxHeaderCount {
			return badRequest("too many trailer lines")
		}
	}
}

// readLine returns the next line without its CRLF (or bare LF). The slice is
// only valid until the next read. It returns io.EOF when the stream ended
// before the line's first byte and io.ErrUnexpectedEOF inside the line.
func (rr *RequestReader) readLine() ([]byte, error) {
	line, err := httpline.Read(rr.br)
	if errors.Is(err, bufio.ErrBufferFull) {
		return nil, &RequestError{Status: 431, Reason: fmt.Sprintf("line longer than %d bytes", rr.br.Size())}
	}
	return line, err
}

// truncatedIfPartial keeps a clean io.EOF and turns an end of stream inside
// a line into a 400.
func truncatedIfPartial(err error, where string) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return badRequest("connection closed inside the %s", where)
	}
	return err
}

// truncatedIfEOF turns an end of stream inside a request into a 400.
func truncatedIfEOF(err error, where string) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return badRequest("connection closed inside the %s", where)
	}
	return err
}

func truncate(b []byte) string {
	const max = 64
	if len(b) > max {
		return string(b[:max]) + "..."
	}
	return string(b)
}
