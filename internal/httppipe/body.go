package httppipe

import (
	"bufio"
	"errors"
	"io"
)

// ReadStreaming reads the head of the next final response, as Read does,
// and returns a reader of its body that reads from the connection only as
// it is read: a body of any length, delimited by its Content-Length, its
// chunks or the end of the connection, which arrives as it is sent. The
// response's Body is nil; reason is the status line's reason phrase.
//
// The body reader returns io.EOF at the body's end and io.ErrUnexpectedEOF
// if the connection ends before it, as net/http's does; malformed chunk
// framing is a *ProtocolError. It is valid until the next Read or
// ReadStreaming, which may be called once the body has been read to its end.
func (r *ResponseReader) ReadStreaming() (resp Response, reason string, body io.Reader, err error) {
	resp, f, err := r.readFinalHead(true)
	switch {
	case err != nil:
		return Response{}, "", nil, err
	case !hasBody(resp.Status):
		return resp, f.reason, eofReader{}, nil
	case f.chunked && f.contentLength >= 0: // before the empty body: as Read decides
		return Response{}, "", nil, badResponse("both Transfer-Encoding and Content-Length")
	case f.contentLength == 0:
		return resp, f.reason, eofReader{}, nil
	case f.chunked:
		return resp, f.reason, &chunkedReader{r: r}, nil
	case f.contentLength > 0:
		return resp, f.reason, &lengthReader{br: r.br, left: f.contentLength}, nil
	}
	return resp, f.reason, untilClose{r.br}, nil
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

// untilClose is a body delimited by the end of the connection: its
// io.EOF is the body's end.
type untilClose struct{ br *bufio.Reader }

func (u untilClose) Read(p []byte) (int, error) { return u.br.Read(p) }

// lengthReader is a body of a known length.
type lengthReader struct {
	br   *bufio.Reader
	left int64
}

func (l *lengthReader) Read(p []byte) (int, error) {
	if l.left == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.br.Read(p)
	l.left -= int64(n)
	if errors.Is(err, io.EOF) && l.left > 0 {
		err = io.ErrUnexpectedEOF // the connection ended inside the body
	}
	return n, err
}

// chunkedReader is a chunked body (RFC 9112 §7.1), read one chunk at a
// time: a Read returns what has arrived of the current chunk without
// waiting for the rest, and reads the next chunk's size line only when the
// current one is used up.
type chunkedReader struct {
	r       *ResponseReader
	left    int64 // of the current chunk
	started bool  // a chunk was read: its CRLF comes before the next size line
	err     error // sticky
}

func (c *chunkedReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	if c.left == 0 {
		if c.err = c.nextChunk(); c.err != nil {
			return 0, c.err
		}
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.br.Read(p)
	c.left -= int64(n)
	if err != nil {
		c.err = cutShort(err)
	}
	return n, c.err
}

// nextChunk reads up to the data of the next chunk, or to the end of the
// body: then it reads the trailer section too and returns io.EOF.
func (c *chunkedReader) nextChunk() error {
	if c.started {
		if line, err := c.r.readLine("chunk"); err != nil || len(line) != 0 {
			return cutShort(truncatedOr(err, "chunk data longer than its size line says"))
		}
	}
	c.started = true
	line, err := c.r.readLine("chunk size")
	if err != nil {
		return cutShort(err)
	}
	size, err := parseChunkSize(line)
	if err != nil {
		return err
	}
	if size == 0 {
		if err := c.r.skipTrailers(); err != nil {
			return cutShort(err)
		}
		return io.EOF
	}
	c.left = size
	return nil
}

// cutShort turns the end of the connection inside a body into
// io.ErrUnexpectedEOF, what readers of a body expect (and what net/http
// returns); malformed framing and the transport's errors pass.
func cutShort(err error) error {
	var pe *ProtocolError
	switch {
	case errors.Is(err, io.EOF), errors.As(err, &pe) && errors.Is(pe.Err, io.ErrUnexpectedEOF):
		return io.ErrUnexpectedEOF
	}
	return err
}
