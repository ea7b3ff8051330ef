// Package httpline holds the line-level pieces of HTTP/1.x shared by this
// module's two readers: the libprocess request reader (messenger) and the
// v1 API's response reader (internal/httppipe). Each maps the errors here
// to its own answer (a 431 for a request, a protocol error for a response).
package httpline

import (
	"bufio"
	"errors"
	"io"
)

// Read returns the next line from br without its CRLF (or bare LF). The
// slice is valid only until the next read of br. It returns io.EOF when the
// stream ended before the line's first byte, io.ErrUnexpectedEOF when it
// ended inside the line, and bufio.ErrBufferFull when the line is longer
// than br's buffer.
func Read(br *bufio.Reader) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	switch {
	case errors.Is(err, io.EOF) && len(line) == 0:
		return nil, io.EOF
	case errors.Is(err, io.EOF):
		return nil, io.ErrUnexpectedEOF
	case err != nil:
		return nil, err
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

// EqualFold reports whether s equals lower, an ASCII lower-case string,
// ignoring ASCII case (header names and tokens are ASCII; strings.EqualFold
// would also fold Unicode look-alikes such as the Kelvin sign).
func EqualFold[T string | []byte](s T, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}
