package httppipe

import (
	"bufio"
	"net"
	"sync"
	"time"

	"github.com/mesos-shim/executor/internal/tlsopt"
)

// Result is one response read from a Conn, or the error that ended its
// reading (then the last Result the Conn delivers).
type Result struct {
	Response Response
	Err      error
}

// Conn is one client connection carrying pipelined requests. One goroutine
// (the caller's) writes requests and flushes them; the Conn's own goroutine
// reads the responses and delivers them, in order, on Results. Close may be
// called from any goroutine, any number of times.
type Conn struct {
	nc      net.Conn
	bw      *bufio.Writer
	results chan Result
	closing chan struct{}
	once    sync.Once
	done    chan struct{} // closed when the reading goroutine has returned
	wdl     time.Time     // the write deadline set last
}

// NewConn starts reading responses on nc. Results buffers up to window of
// them, so that a caller with at most window requests outstanding never
// holds the reader up; maxBody bounds one response's body.
func NewConn(nc net.Conn, window, maxBody int) *Conn {
	c := &Conn{
		nc:      nc,
		bw:      bufio.NewWriterSize(nc, 32<<10),
		results: make(chan Result, window+1),
		closing: make(chan struct{}),
		done:    make(chan struct{}),
	}
	go c.read(NewResponseReader(bufio.NewReaderSize(nc, 16<<10), maxBody))
	return c
}

// read delivers responses until the first error, which it delivers too.
func (c *Conn) read(rr *ResponseReader) {
	defer close(c.done)
	for {
		resp, err := rr.Read()
		select {
		case c.results <- Result{Response: resp, Err: err}:
		case <-c.closing:
			return
		}
		if err != nil || resp.Close {
			return
		}
	}
}

// Results delivers each response in the order of the requests, then the
// error that ended the reading (io.EOF for a clean close). After a
// response with Close set, nothing more is delivered.
func (c *Conn) Results() <-chan Result { return c.results }

// Write adds one request to the write buffer (Write and Flush belong to
// one goroutine); it may write to the
// connection when the buffer fills. A write that blocks past deadline (the
// peer stopped reading) fails with a timeout error.
func (c *Conn) Write(h RequestHead, body []byte, deadline time.Time) error {
	c.setWriteDeadline(deadline)
	return WriteRequest(c.bw, h, body)
}

// Flush sends what Write buffered.
func (c *Conn) Flush(deadline time.Time) error {
	c.setWriteDeadline(deadline)
	return c.bw.Flush()
}

func (c *Conn) setWriteDeadline(t time.Time) {
	if !t.Equal(c.wdl) {
		c.nc.SetWriteDeadline(t)
		c.wdl = t
	}
}

// Close closes the connection and waits for the reading goroutine to
// return. Over TLS it closes the transport without a close_notify alert,
// which could block behind a stuck write.
func (c *Conn) Close() error {
	var err error
	c.once.Do(func() {
		close(c.closing)
		err = tlsopt.Transport(c.nc).Close()
	})
	<-c.done
	return err
}
