package messenger

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/netip"
	"strconv"
	"time"

	"github.com/mesos-shim/executor/logging"
)

const (
	readBufferBytes  = 64 << 10
	writeBufferBytes = 4 << 10
)

func (m *Messenger) acceptLoop() {
	defer m.wg.Done()
	for {
		c, err := m.ln.Accept()
		if err != nil {
			if m.isClosed() {
				return
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			logging.Errorf("messenger: %s: accept failed, no longer receiving: %v", m.self, err)
			return
		}
		if !m.track(c) {
			c.Close()
			return
		}
		go m.serve(c)
	}
}

func (m *Messenger) isClosed() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.closed
}

// track registers an accepted connection so Close can end it.
func (m *Messenger) track(c net.Conn) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return false
	}
	m.conns[c] = struct{}{}
	m.wg.Add(1)
	return true
}

func (m *Messenger) untrack(c net.Conn) {
	m.mu.Lock()
	delete(m.conns, c)
	m.mu.Unlock()
	c.Close()
	m.wg.Done()
}

// serve reads requests from one connection until it ends or misbehaves.
// Every request is answered, in order; answers are flushed when no further
// request is already buffered, so a pipelining sender gets them in batches.
// With Config.TLS the handshake (and downgrade detection) happens here, on
// the connection's own goroutine, so a silent client blocks nothing else.
func (m *Messenger) serve(raw net.Conn) {
	defer m.untrack(raw)
	defer func() {
		if r := recover(); r != nil {
			logging.Errorf("messenger: %s: panic serving %s: %v", m.self, raw.RemoteAddr(), r)
		}
	}()
	c, err := m.secureAccepted(raw)
	if err != nil {
		if !m.isClosed() {
			m.reject(raw, &RequestError{Reason: err.Error()})
		}
		return
	}
	rr := NewRequestReader(bufio.NewReaderSize(c, readBufferBytes), m.cfg.MaxBodyBytes)
	bw := bufio.NewWriterSize(c, writeBufferBytes)
	defer bw.Flush()
	for {
		req, err := rr.Read()
		if err != nil {
			m.readFailed(c, bw, err)
			return
		}
		m.answer(bw, m.receive(c, req))
		if !req.KeepAlive() {
			return
		}
		if rr.Buffered() == 0 && bw.Flush() != nil {
			return
		}
	}
}

func (m *Messenger) readFailed(c net.Conn, bw *bufio.Writer, err error) {
	var re *RequestError
	switch {
	case errors.As(err, &re):
		m.reject(c, re)
		m.answer(bw, re)
		if bw.Flush() == nil {
			lingerClose(c)
		}
	case errors.Is(err, io.EOF), m.isClosed():
	default:
		logging.V(1).Infof("messenger: %s: connection from %s ended: %v", m.self, c.RemoteAddr(), err)
	}
}

// receive checks and delivers one request; it returns the error to answer
// with, or nil for 202.
func (m *Messenger) receive(c net.Conn, req *Request) *RequestError {
	msg, err := ParseMessage(req)
	if err != nil {
		var re *RequestError
		errors.As(err, &re)
		m.reject(c, re)
		return re
	}
	if msg.To.ID != m.self.ID {
		re := &RequestError{Status: 404, Reason: "no process " + strconv.Quote(msg.To.ID) + " here (message " + msg.Name + " from " + msg.From.String() + ")"}
		m.reject(c, re)
		return re
	}
	if m.cfg.RequirePeerAddressMatch && !sameIP(msg.From.Host, c.RemoteAddr()) {
		re := badRequest("sender %s claims an IP other than the connection's peer %s", msg.From, c.RemoteAddr())
		m.reject(c, re)
		return re
	}
	msg.To = m.self
	m.cfg.Handler(msg)
	return nil
}

func sameIP(host string, peer net.Addr) bool {
	want, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	got, err := netip.ParseAddrPort(peer.String())
	return err == nil && got.Addr().Unmap() == want.Unmap()
}

func (m *Messenger) reject(c net.Conn, re *RequestError) {
	logging.Warningf("messenger: %s: rejected request from %s with %d: %s", m.self, c.RemoteAddr(), re.Status, re.Reason)
	if m.cfg.Rejected != nil {
		m.cfg.Rejected(Rejection{Peer: c.RemoteAddr().String(), Status: re.Status, Reason: re.Reason})
	}
}

// answer writes the response to one request: 202 with no body when re is
// nil, otherwise re's status with its reason as a plain-text body.
func (m *Messenger) answer(bw *bufio.Writer, re *RequestError) {
	if re == nil {
		bw.WriteString("HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
		return
	}
	body := re.Reason + "\n"
	bw.WriteString("HTTP/1.1 " + strconv.Itoa(re.Status) + " " + statusText(re.Status) + "\r\n")
	bw.WriteString("Content-Type: text/plain; charset=utf-8\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n")
	bw.WriteString(body)
}

func statusText(code int) string {
	switch code {
	case 400:
		return "Bad Request"
	case 404:
		return "Not Found"
	case 405:
		return "Method Not Allowed"
	case 413:
		return "Request Entity Too Large"
	case 431:
		return "Request Header Fields Too Large"
	case 501:
		return "Not Implemented"
	}
	return "Error"
}

// lingerBytes and lingerTimeout bound what lingerClose reads.
const (
	lingerBytes   = 1 << 20
	lingerTimeout = time.Second
)

// lingerClose prepares to close a connection whose input may not have been
// read to its end. It half-closes, then reads and discards what the peer
// still sends, within lingerBytes and lingerTimeout: closing a socket with
// unread input makes the kernel send a reset, which can destroy the answer
// before the peer has read it (RFC 9112 §9.6).
func lingerClose(c net.Conn) {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	c.SetReadDeadline(time.Now().Add(lingerTimeout))
	io.CopyN(io.Discard, c, lingerBytes)
}
