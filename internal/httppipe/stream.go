package httppipe

import (
	"bufio"
	"context"
	"io"
	"net"
	"sync"
	"time"

	"github.com/mesos-shim/executor/internal/tlsopt"
)

// Dial connects to addr (host:port) over TCP, with TLS when tlsCfg is not
// nil, within timeout for the connect and the handshake together. TCP
// keep-alive is net.Dialer's default, as for net/http's clients. A failed
// connect is the dialer's *net.OpError (Op "dial").
func Dial(ctx context.Context, addr string, tlsCfg *tlsopt.Config, timeout time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	nc, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil || tlsCfg == nil {
		return nc, err
	}
	tc, err := tlsopt.Client(ctx, nc, tlsCfg)
	if err != nil {
		nc.Close()
		return nil, err
	}
	return tc, nil
}

// Stream is the answer to a request sent alone on its connection, whose
// body is read as it arrives: an event stream that lasts as long as the
// connection.
type Stream struct {
	Status      int
	Reason      string // the status line's reason phrase
	ContentType string
	// Body reads the body from the connection as it is read, with no
	// limit on its length (see ResponseReader.ReadStreaming). Closing it
	// closes the connection.
	Body io.ReadCloser
}

// Do writes one request on nc and reads the head of its response. nc is
// the Stream's from then on: closing the Stream's Body closes it, and Do
// closes it if it fails. Cancelling ctx closes nc as well, so that a Do or
// a read of the Body under way returns at once, with context.Cause(ctx).
func Do(ctx context.Context, nc net.Conn, h RequestHead, body []byte) (*Stream, error) {
	sb := &streamBody{nc: nc, ctx: ctx}
	sb.stop = context.AfterFunc(ctx, sb.closeConn)
	bw := bufio.NewWriter(nc)
	err := WriteRequest(bw, h, body)
	if err == nil {
		err = bw.Flush()
	}
	var resp Response
	if err == nil {
		rr := NewResponseReader(bufio.NewReaderSize(nc, 16<<10), 0)
		resp, sb.reason, sb.body, err = rr.ReadStreaming()
	}
	if err != nil {
		err = sb.why(err)
		sb.Close()
		return nil, err
	}
	return &Stream{Status: resp.Status, Reason: sb.reason, ContentType: resp.ContentType, Body: sb}, nil
}

// streamBody is a Stream's Body: the body reader, and the connection under
// it closed on Close or when the request's context ends.
type streamBody struct {
	nc     net.Conn
	ctx    context.Context
	stop   func() bool // stops closing nc when ctx ends
	body   io.Reader
	reason string
	once   sync.Once
}

func (s *streamBody) Read(p []byte) (int, error) {
	n, err := s.body.Read(p)
	if err != nil {
		err = s.why(err)
	}
	return n, err
}

// why is the cause of a failure: the context's end, which closed the
// connection under the read, if it ended. A body read to its end stays so.
func (s *streamBody) why(err error) error {
	if err != io.EOF && s.ctx.Err() != nil {
		return context.Cause(s.ctx)
	}
	return err
}

// Close closes the connection; it may be called any number of times.
func (s *streamBody) Close() error {
	s.stop()
	s.closeConn()
	return nil
}

// closeConn closes the transport under TLS without a close_notify alert,
// which could block behind a stuck write (as Conn.Close).
func (s *streamBody) closeConn() {
	s.once.Do(func() {
		tlsopt.Transport(s.nc).Close()
	})
}
