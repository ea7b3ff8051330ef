package messenger

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/mesos-shim/executor/logging"
)

const (
	readBufferBytes  = 64 << 10
	writeBufferBytes = 4 << 10
)

// acceptRetry bounds the wait after a failed accept: it starts at min,
// doubles with each further failure up to max, and starts over after a
// success, as net/http's server does. A failure such as EMFILE lasts until
// a descriptor is freed; retrying at once would spin, and giving up would
// leave the executor deaf to its agent for good. libprocess also logs a
// failed accept and accepts again.
var acceptRetry = struct{ min, max time.Duration }{5 * time.Millisecond, time.Second}

// acceptLoop accepts connections until the messenger is closed.
func (m *Messenger) acceptLoop() {
	defer m.wg.Done()
	retry, delay := acceptRetry, time.Duration(0)
	for {
		c, err := m.ln.Accept()
		if err != nil {
			if m.isClosed() {
				return
			}
			if errors.Is(err, net.ErrClosed) {
				// A Config.Listener closed by its owner: nothing to wait for.
				logging.Errorf("messenger: %s: listener closed, no longer receiving: %v", m.self, err)
				return
			}
			delay = min(max(2*delay, retry.min), retry.max)
			logging.Warningf("messenger: %s: accept failed, retrying in %v: %v", m.self, delay, err)
			if !m.waitUnlessClosed(delay) {
				return
			}
			continue
		}
		delay = 0
		in, ok := m.track(c)
		if !ok {
			c.Close()
			return
		}
		go m.serve(in)
	}
}

// waitUnlessClosed waits for d, or until the messenger is closed: it reports
// whether the messenger is still open.
func (m *Messenger) waitUnlessClosed(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-m.done:
		return false
	}
}

func (m *Messenger) isClosed() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.closed
}

// serve reads requests from one connection until it ends or misbehaves.
// Every request is answered, in order; answers are flushed when no further
// request is already buffered, so a pipelining sender gets them in batches.
// With Config.TLS the handshake (and downgrade detection) happens here, on
// the connection's own goroutine, so a silent client blocks nothing else.
func (m *Messenger) serve(in *inbound) {
	raw := in.conn
	defer m.untrack(in)
	defer func() {
		if r := recover(); r != nil {
			logging.Errorf("messenger: %s: panic serving %s: %v", m.self, raw.RemoteAddr(), r)
		}
	}()
	c, err := m.secureAccepted(raw)
	if err != nil {
		if !m.isClosed() && !m.evicted(in) {
			m.reject(raw, &RequestError{Reason: err.Error()})
		}
		return
	}
	tc := &timedConn{Conn: c, cfg: &m.cfg}
	br, bw := getBuffers(tc)
	defer putBuffers(br, bw)
	rr := NewRequestReader(br, m.cfg.MaxBodyBytes)
	rr.bodyStarts = tc.startBody
	rr.emptyLine = betweenRequests(tc, rr, bw)
	defer bw.Flush()
	pending := true
	var req Request        // reused: a handler keeps only the Body, which is new
	var senders lastSender // the sender of the connection's last message
	for {
		tc.startRequest(rr.Buffered() > 0)
		if err := rr.read(&req); err != nil {
			m.readFailed(in, c, tc, bw, err)
			return
		}
		msg, re := m.accept(c, &req, &senders)
		if re == nil {
			// Established before the handler sees the message: a caller
			// that has the agent's message knows its connection is safe
			// from the bound on pending ones.
			if pending && (m.cfg.Trusted == nil || m.cfg.Trusted(msg.From)) {
				m.established(in)
				pending = false
			}
			m.cfg.Handler(msg)
		}
		err = m.answer(bw, re)
		if err == nil && !req.KeepAlive() {
			return
		}
		if err == nil && rr.Buffered() > 0 {
			continue
		}
		if err == nil {
			err = bw.Flush()
		}
		if err != nil {
			m.writeFailed(in, c, err)
			return
		}
	}
}

// betweenRequests is what an empty line skipped before a request line
// means: the connection is still between requests, as it was before the
// line, so it is not timed, and the answers held back while the line was
// buffered go out if nothing else is.
func betweenRequests(tc *timedConn, rr *RequestReader, bw *bufio.Writer) func() error {
	return func() error {
		buffered := rr.Buffered() > 0
		tc.startRequest(buffered)
		if buffered {
			return nil
		}
		return bw.Flush()
	}
}

// Pools of a connection's buffers, reused once its goroutine has ended:
// an agent before 0.27 opens a connection for every message. Nothing read
// outlives its connection in them; bodies and kept text are copies.
var (
	readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, readBufferBytes) }}
	writers = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, writeBufferBytes) }}
)

func getBuffers(c net.Conn) (*bufio.Reader, *bufio.Writer) {
	br, bw := readers.Get().(*bufio.Reader), writers.Get().(*bufio.Writer)
	br.Reset(c)
	bw.Reset(c)
	return br, bw
}

func putBuffers(br *bufio.Reader, bw *bufio.Writer) {
	br.Reset(nil)
	bw.Reset(nil)
	readers.Put(br)
	writers.Put(bw)
}

// readFailed answers and logs a request that could not be read, when there
// is something to say: a malformed request, or one that missed a deadline.
// c is the connection under tc.
func (m *Messenger) readFailed(in *inbound, c net.Conn, tc *timedConn, bw *bufio.Writer, err error) {
	var re *RequestError
	switch {
	case m.isClosed(), m.evicted(in):
	case errors.As(err, &re):
	case errors.Is(err, os.ErrDeadlineExceeded) && tc.phase != waiting:
		re = tc.timedOut()
	case errors.Is(err, io.EOF):
	default:
		logging.V(1).Infof("messenger: %s: connection from %s ended: %v", m.self, c.RemoteAddr(), err)
	}
	if re == nil {
		return
	}
	m.reject(c, re)
	m.answerClosing(bw, re)
	if bw.Flush() == nil {
		lingerClose(c)
	}
}

// writeFailed logs answers the peer did not take.
func (m *Messenger) writeFailed(in *inbound, c net.Conn, err error) {
	switch {
	case m.isClosed(), m.evicted(in):
	case errors.Is(err, os.ErrDeadlineExceeded):
		logging.Warningf("messenger: %s: closing the connection from %s: it has not read its answers for %v (Config.WriteTimeout)", m.self, c.RemoteAddr(), m.cfg.WriteTimeout)
	default:
		logging.V(1).Infof("messenger: %s: connection from %s ended: %v", m.self, c.RemoteAddr(), err)
	}
}

// accept checks one request and returns the message to deliver, or the
// error it was refused with (nil: deliver and answer 202).
func (m *Messenger) accept(c net.Conn, req *Request, senders *lastSender) (Message, *RequestError) {
	msg, err := parseMessage(req, senders)
	if err != nil {
		var re *RequestError
		errors.As(err, &re)
		m.reject(c, re)
		return Message{}, re
	}
	if hasControlByte(msg.Name) {
		// Names are protobuf type names; a decoded newline in one would
		// forge lines in every log that names the message.
		re := badRequest("message name %q has a control character", truncate([]byte(msg.Name)))
		m.reject(c, re)
		return Message{}, re
	}
	if msg.To.ID != m.self.ID {
		re := &RequestError{Status: 404, Reason: "no process " + strconv.Quote(msg.To.ID) + " here (message " + msg.Name + " from " + msg.From.String() + ")"}
		m.reject(c, re)
		return Message{}, re
	}
	if m.cfg.RequirePeerAddressMatch && !sameIP(msg.From.Host, c.RemoteAddr()) {
		re := badRequest("sender %s claims an IP other than the connection's peer %s", msg.From, c.RemoteAddr())
		m.reject(c, re)
		return Message{}, re
	}
	msg.To = m.self
	return msg, nil
}

func hasControlByte(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] == 0x7f {
			return true
		}
	}
	return false
}

func sameIP(host string, peer net.Addr) bool {
	want, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	return peerIP(peer) == want.Unmap()
}

// peerIP is the IP address of a connection's peer, unmapped; the zero Addr
// if it has none.
func peerIP(peer net.Addr) netip.Addr {
	if tcp, ok := peer.(*net.TCPAddr); ok { // every real connection: no text to parse
		return tcp.AddrPort().Addr().Unmap()
	}
	got, err := netip.ParseAddrPort(peer.String())
	if err != nil {
		return netip.Addr{}
	}
	return got.Addr().Unmap()
}

func (m *Messenger) reject(c net.Conn, re *RequestError) {
	if re.Status == 0 {
		logging.Warningf("messenger: %s: refused the connection from %s: %s", m.self, c.RemoteAddr(), re.Reason)
	} else {
		logging.Warningf("messenger: %s: rejected request from %s with %d: %s", m.self, c.RemoteAddr(), re.Status, re.Reason)
	}
	if m.cfg.Rejected != nil {
		m.cfg.Rejected(Rejection{Peer: c.RemoteAddr().String(), Status: re.Status, Reason: re.Reason})
	}
}

// answer writes the response to one request: 202 with no body when re is
// nil, otherwise re's status with its reason as a plain-text body.
// The error is the writer's: a failed write of answers.
func (m *Messenger) answer(bw *bufio.Writer, re *RequestError) error {
	if re == nil {
		_, err := bw.WriteString("HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
		return err
	}
	return m.answerWith(bw, re, "")
}

// answerClosing answers a request after which the connection is closed,
// and says so.
func (m *Messenger) answerClosing(bw *bufio.Writer, re *RequestError) {
	m.answerWith(bw, re, "Connection: close\r\n")
}

func (m *Messenger) answerWith(bw *bufio.Writer, re *RequestError, headers string) error {
	body := re.Reason + "\n"
	bw.WriteString("HTTP/1.1 " + strconv.Itoa(re.Status) + " " + statusText(re.Status) + "\r\n" + headers)
	bw.WriteString("Content-Type: text/plain; charset=utf-8\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n")
	_, err := bw.WriteString(body) // a bufio.Writer's errors are sticky
	return err
}

func statusText(code int) string {
	switch code {
	case 400:
		return "Bad Request"
	case 404:
		return "Not Found"
	case 405:
		return "Method Not Allowed"
	case 408:
		return "Request Timeout"
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
