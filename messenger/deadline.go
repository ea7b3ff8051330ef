package messenger

import (
	"fmt"
	"math"
	"net"
	"time"
)

// readPhase is where a connection is in its current request.
type readPhase int

const (
	waiting readPhase = iota // between requests: no deadline
	head                     // request line and headers
	body
)

// timedConn puts the receiver's bounds on one accepted connection as read
// and write deadlines: none while it waits for a request's first byte,
// RequestHeaderTimeout from that byte to the end of the headers, and for
// the body RequestBodyTimeout plus one second per MinBodyRate bytes read.
// Every write must be taken by the peer within WriteTimeout. A deadline is
// set only when the connection is read (or written), so a request already
// buffered costs nothing. It belongs to the connection's goroutine.
type timedConn struct {
	net.Conn
	cfg *Config

	phase     readPhase
	start     time.Time // of the phase; zero until its first read
	bodyBytes int64     // read from the socket since the body started
	deadline  time.Time // the read deadline set on Conn
}

// startRequest begins the next request: already under way when some of it
// is buffered, otherwise not until its first byte arrives.
func (c *timedConn) startRequest(buffered bool) {
	c.phase, c.start = waiting, time.Time{}
	if buffered {
		c.phase = head
	}
}

// startBody ends the headers of the current request.
func (c *timedConn) startBody() {
	c.phase, c.start, c.bodyBytes = body, time.Time{}, 0
}

func (c *timedConn) Read(p []byte) (int, error) {
	if err := c.arm(); err != nil {
		return 0, err
	}
	n, err := c.Conn.Read(p)
	switch {
	case c.phase == waiting && n > 0:
		c.phase, c.start = head, time.Now()
	case c.phase == body:
		c.bodyBytes += int64(n)
	}
	return n, err
}

func (c *timedConn) Write(p []byte) (int, error) {
	if err := c.Conn.SetWriteDeadline(time.Now().Add(c.cfg.WriteTimeout)); err != nil {
		return 0, err
	}
	return c.Conn.Write(p)
}

// arm sets the read deadline of the current phase, if it changed.
func (c *timedConn) arm() error {
	var d time.Time
	if c.phase != waiting {
		if c.start.IsZero() {
			c.start = time.Now()
		}
		d = c.start.Add(c.allowed())
	}
	if d.Equal(c.deadline) {
		return nil
	}
	c.deadline = d
	return c.Conn.SetReadDeadline(d)
}

// allowed is how long the current phase may take so far.
func (c *timedConn) allowed() time.Duration {
	if c.phase == head {
		return c.cfg.RequestHeaderTimeout
	}
	secs := float64(c.bodyBytes) / float64(c.cfg.MinBodyRate)
	if secs > float64(math.MaxInt64/2)/float64(time.Second) {
		return math.MaxInt64 / 2
	}
	return c.cfg.RequestBodyTimeout + time.Duration(secs*float64(time.Second))
}

// timedOut explains a read deadline that expired.
func (c *timedConn) timedOut() *RequestError {
	if c.phase == body {
		return &RequestError{Status: 408, Reason: fmt.Sprintf(
			"body arriving too slowly: %d bytes in %v, allowed %v (Config.RequestBodyTimeout) plus 1s per %d bytes (Config.MinBodyRate)",
			c.bodyBytes, time.Since(c.start).Round(time.Millisecond), c.cfg.RequestBodyTimeout, c.cfg.MinBodyRate)}
	}
	return &RequestError{Status: 408, Reason: fmt.Sprintf(
		"request line and headers not complete %v after the request's first byte (Config.RequestHeaderTimeout)",
		c.cfg.RequestHeaderTimeout)}
}
