package httppipe

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/mesos-shim/executor/internal/httpline"
)

// maxFields bounds the header (and trailer) fields of one response; a line
// is bounded by the reader's buffer size.
const maxFields = 128

// Response is what the caller of a pipelined request needs of its answer.
type Response struct {
	Status      int
	ContentType string
	Body        []byte // nil when empty
	// Close says the connection ends after this response: the peer said
	// so, or the body ran until the connection closed. Requests written
	// after this one were not answered and, by RFC 9112 §9.6, not handled.
	Close bool
}

// ProtocolError is a response that cannot be read: the connection is no
// longer at a response boundary and must be closed.
type ProtocolError struct {
	Reason string
	Err    error // io.ErrUnexpectedEOF for a response cut short; else nil
}

func (e *ProtocolError) Error() string { return "httppipe: bad response: " + e.Reason }

func (e *ProtocolError) Unwrap() error { return e.Err }

func badResponse(format string, args ...any) *ProtocolError {
	return &ProtocolError{Reason: fmt.Sprintf(format, args...)}
}

// ResponseReader reads consecutive responses from one connection.
type ResponseReader struct {
	br      *bufio.Reader
	maxBody int
}

// NewResponseReader reads from br; a body over maxBody bytes is a
// ProtocolError.
func NewResponseReader(br *bufio.Reader, maxBody int) *ResponseReader {
	return &ResponseReader{br: br, maxBody: maxBody}
}

// framing says how a response's body is delimited.
type framing struct {
	chunked       bool
	contentLength int64 // -1 when absent
	close         bool  // Connection: close, or HTTP/1.0 without keep-alive
	keepAlive     bool  // Connection: keep-alive
	reason        string
}

// Read reads the next final response, skipping interim (1xx) ones. It
// returns io.EOF when the connection closed cleanly between responses, a
// *ProtocolError for anything malformed, truncated or over the limits, and
// the transport's error otherwise.
func (r *ResponseReader) Read() (Response, error) {
	resp, f, err := r.readFinalHead(false)
	if err != nil || !hasBody(resp.Status) {
		return resp, err
	}
	resp.Body, err = r.readBody(f)
	return resp, err
}

// readFinalHead reads the head of the next final response, skipping
// interim ones, and sets its Close; keepReason keeps the status line's
// reason phrase in the framing.
func (r *ResponseReader) readFinalHead(keepReason bool) (Response, framing, error) {
	for {
		resp, f, err := r.readHead(keepReason)
		switch {
		case err != nil:
			return Response{}, f, err
		case resp.Status == 101:
			return Response{}, f, badResponse("101 Switching Protocols was never asked for")
		case resp.Status < 200:
			continue // interim: the final response follows
		case !hasBody(resp.Status):
			resp.Close = f.close // no body whatever the headers say
		default:
			resp.Close = f.close || (!f.chunked && f.contentLength < 0)
		}
		return resp, f, nil
	}
}

// hasBody reports whether a final response of status has a body.
func hasBody(status int) bool { return status != 204 && status != 304 }

// readHead reads the status line and the header fields.
func (r *ResponseReader) readHead(keepReason bool) (Response, framing, error) {
	f := framing{contentLength: -1}
	line, err := r.readLine("status line")
	if err != nil {
		return Response{}, f, err
	}
	var resp Response
	var minor int
	if resp.Status, minor, err = parseStatusLine(line); err != nil {
		return Response{}, f, err
	}
	if keepReason && len(line) > len("HTTP/1.1 200 ") {
		f.reason = string(line[len("HTTP/1.1 200 "):])
	}
	for n := 0; ; n++ {
		line, err := r.readLine("header")
		switch {
		case err != nil:
			return Response{}, f, truncated(err, "header")
		case len(line) == 0:
			// Connection is one list however many lines carry it (RFC
			// 9110 §5.3): a close on any of them wins.
			f.close = f.close || (minor == 0 && !f.keepAlive)
			return resp, f, nil
		case n == maxFields:
			return Response{}, f, badResponse("more than %d header fields", maxFields)
		}
		if err := applyField(line, &resp, &f, minor); err != nil {
			return Response{}, f, err
		}
	}
}

// parseStatusLine parses "HTTP/1.x NNN reason"; the reason may be absent.
func parseStatusLine(line []byte) (status, minor int, err error) {
	proto, rest, _ := bytes.Cut(line, []byte(" "))
	switch string(proto) {
	case "HTTP/1.1":
		minor = 1
	case "HTTP/1.0":
		minor = 0
	default:
		return 0, 0, badResponse("status line %q: not HTTP/1.0 or HTTP/1.1", clip(line))
	}
	code, _, _ := bytes.Cut(rest, []byte(" "))
	if len(code) != 3 || code[0] < '1' || code[0] > '9' || !isDigit(code[1]) || !isDigit(code[2]) {
		return 0, 0, badResponse("status line %q: no status code", clip(line))
	}
	return int(code[0]-'0')*100 + int(code[1]-'0')*10 + int(code[2]-'0'), minor, nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// applyField records the fields that matter: the body's framing, whether
// the connection stays open, the Content-Type.
func applyField(line []byte, resp *Response, f *framing, minor int) error {
	name, value, ok := bytes.Cut(line, []byte(":"))
	if !ok || !isToken(string(name)) {
		return badResponse("malformed header line %q", clip(line))
	}
	value = bytes.Trim(value, " \t")
	switch {
	case httpline.EqualFold(name, "content-length"):
		n, err := strconv.ParseUint(string(value), 10, 63) // 1*DIGIT: no sign
		if err != nil || (f.contentLength >= 0 && f.contentLength != int64(n)) {
			return badResponse("invalid Content-Length %q", clip(value))
		}
		f.contentLength = int64(n)
	case httpline.EqualFold(name, "transfer-encoding"):
		if f.chunked || !httpline.EqualFold(value, "chunked") || minor == 0 { // no chunked in 1.0: RFC 9112 §6.1
			return badResponse("unsupported Transfer-Encoding %q", clip(value))
		}
		f.chunked = true
	case httpline.EqualFold(name, "connection"):
		f.close = f.close || hasToken(value, "close")
		f.keepAlive = f.keepAlive || hasToken(value, "keep-alive")
	case httpline.EqualFold(name, "content-type"):
		resp.ContentType = string(value)
	}
	return nil
}

// hasToken reports whether the comma-separated list holds token (RFC 9110
// §7.6.1).
func hasToken(list []byte, token string) bool {
	for len(list) > 0 {
		var t []byte
		t, list, _ = bytes.Cut(list, []byte(","))
		if httpline.EqualFold(bytes.Trim(t, " \t"), token) {
			return true
		}
	}
	return false
}

func (r *ResponseReader) readBody(f framing) ([]byte, error) {
	switch {
	case f.chunked && f.contentLength >= 0:
		// Whichever the reader picked, the peer may have meant the other
		// (RFC 9112 §6.3).
		return nil, badResponse("both Transfer-Encoding and Content-Length")
	case f.chunked:
		return r.readChunked()
	case f.contentLength > int64(r.maxBody):
		return nil, badResponse("body of %d bytes exceeds the limit of %d", f.contentLength, r.maxBody)
	case f.contentLength > 0:
		return r.readN(nil, int(f.contentLength), "body")
	case f.contentLength == 0:
		return nil, nil
	}
	return r.readToEOF()
}

// readN appends exactly n bytes to dst.
func (r *ResponseReader) readN(dst []byte, n int, where string) ([]byte, error) {
	start := len(dst)
	dst = append(dst, make([]byte, n)...)
	if _, err := io.ReadFull(r.br, dst[start:]); err != nil {
		return nil, truncated(err, where)
	}
	return dst, nil
}

// readToEOF reads a body delimited by the end of the connection.
func (r *ResponseReader) readToEOF() ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.br, int64(r.maxBody)+1))
	switch {
	case err != nil:
		return nil, err
	case len(body) > r.maxBody:
		return nil, badResponse("body exceeds the limit of %d bytes", r.maxBody)
	case len(body) == 0:
		return nil, nil
	}
	return body, nil
}

func (r *ResponseReader) readChunked() ([]byte, error) {
	var body []byte
	for {
		line, err := r.readLine("chunk size")
		if err != nil {
			return nil, truncated(err, "chunk size")
		}
		size, err := parseChunkSize(line)
		if err != nil {
			return nil, err
		}
		if size == 0 {
			return body, r.skipTrailers()
		}
		if size > int64(r.maxBody-len(body)) {
			return nil, badResponse("body exceeds the limit of %d bytes", r.maxBody)
		}
		if body, err = r.readN(body, int(size), "chunk"); err != nil {
			return nil, err
		}
		if line, err = r.readLine("chunk"); err != nil || len(line) != 0 {
			return nil, truncatedOr(err, "chunk data longer than its size line says")
		}
	}
}

// parseChunkSize parses a chunk size line, ignoring chunk extensions.
func parseChunkSize(line []byte) (int64, error) {
	hex, _, _ := bytes.Cut(line, []byte(";"))
	hex = bytes.Trim(hex, " \t")
	if len(hex) == 0 || len(hex) > 15 { // 15 hex digits fit in an int64
		return 0, badResponse("invalid chunk size line %q", clip(line))
	}
	var n int64
	for _, c := range hex {
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, badResponse("invalid chunk size line %q", clip(line))
		}
		n = n<<4 | int64(d)
	}
	return n, nil
}

func (r *ResponseReader) skipTrailers() error {
	for n := 0; ; n++ {
		line, err := r.readLine("trailer")
		switch {
		case err != nil:
			return truncated(err, "trailer")
		case len(line) == 0:
			return nil
		case n == maxFields:
			return badResponse("more than %d trailer fields", maxFields)
		}
	}
}

// readLine returns the next line without its CRLF (or bare LF), valid
// until the next read. A clean end of the connection before the line's
// first byte is io.EOF; inside it, a ProtocolError.
func (r *ResponseReader) readLine(where string) ([]byte, error) {
	line, err := httpline.Read(r.br)
	switch {
	case errors.Is(err, bufio.ErrBufferFull):
		return nil, badResponse("%s longer than %d bytes", where, r.br.Size())
	case errors.Is(err, io.ErrUnexpectedEOF):
		return nil, truncated(err, where)
	}
	return line, err
}

// truncated turns an end of the connection inside a response into a
// ProtocolError; other errors pass.
func truncated(err error, where string) error {
	var pe *ProtocolError
	if errors.As(err, &pe) || !(errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)) {
		return err
	}
	return &ProtocolError{Reason: "connection closed inside the " + where, Err: io.ErrUnexpectedEOF}
}

func truncatedOr(err error, reason string) error {
	if err != nil {
		return truncated(err, "chunk")
	}
	return badResponse("%s", reason)
}

func clip(b []byte) string {
	const max = 64
	if len(b) > max {
		return string(b[:max]) + "..."
	}
	return string(b)
}
