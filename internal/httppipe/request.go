package httppipe

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"

	"github.com/mesos-shim/executor/internal/httpline"
)

// Field is one header field of a request.
type Field struct{ Name, Value string }

// RequestHead is the request line and header fields shared by requests
// that differ only in their body, rendered once. WriteRequest adds the
// Content-Length and the body.
type RequestHead struct{ b []byte }

// NewRequestHead renders method, target and fields. It refuses what would
// break the framing: a method or field name that is not a token, a target
// or value holding a control character (CR and LF included). Content-Length
// and Transfer-Encoding are WriteRequest's to write.
func NewRequestHead(method, target string, fields []Field) (RequestHead, error) {
	if !isToken(method) {
		return RequestHead{}, fmt.Errorf("httppipe: method %q is not a token", method)
	}
	if target == "" || strings.ContainsFunc(target, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return RequestHead{}, fmt.Errorf("httppipe: invalid request target %q", target)
	}
	b := []byte(method + " " + target + " HTTP/1.1\r\n")
	for _, f := range fields {
		if !isToken(f.Name) {
			return RequestHead{}, fmt.Errorf("httppipe: field name %q is not a token", f.Name)
		}
		if httpline.EqualFold(f.Name, "content-length") || httpline.EqualFold(f.Name, "transfer-encoding") {
			return RequestHead{}, fmt.Errorf("httppipe: %s is written by WriteRequest", f.Name)
		}
		if strings.ContainsFunc(f.Value, func(r rune) bool { return (r < ' ' && r != '\t') || r == 0x7f }) {
			return RequestHead{}, fmt.Errorf("httppipe: the value of %s holds a control character", f.Name)
		}
		b = append(b, f.Name+": "+f.Value+"\r\n"...)
	}
	return RequestHead{b: b}, nil
}

// String is the rendered head, for tests and logs.
func (h RequestHead) String() string { return string(h.b) }

// WriteRequest writes one request, head and body with its Content-Length,
// into w without flushing it: requests written one after another go out
// together on the next Flush.
func WriteRequest(w *bufio.Writer, h RequestHead, body []byte) error {
	w.Write(h.b)
	var n [20]byte
	w.WriteString("Content-Length: ")
	w.Write(strconv.AppendInt(n[:0], int64(len(body)), 10))
	w.WriteString("\r\n\r\n")
	_, err := w.Write(body)
	return err
}

// isToken reports whether s is an RFC 9110 token (§5.6.2).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}
