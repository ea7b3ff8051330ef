package messenger

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/mesos-shim/executor/logging"

	"github.com/mesos-shim/executor/upid"
)

// Send queues m for delivery to m.To and returns at once. A zero m.From is
// filled in with this process's UPID. Messages to one address are written in
// the order Send was called, over the link to that address if there is one,
// otherwise over a temporary connection that closes once its queue drains
// (as libprocess does). The messenger never retries: a message queued on a
// connection that breaks is dropped and logged, and a broken link is reported
// through Config.Exited.
func (m *Messenger) Send(msg Message) error {
	if msg.To.IsZero() {
		return fmt.Errorf("messenger: send %s: no destination", msg.Name)
	}
	if msg.Name == "" {
		return fmt.Errorf("messenger: send to %s: empty message name", msg.To)
	}
	if msg.From.IsZero() {
		msg.From = m.self
	}
	var key [maxHostPortLen]byte
	addr := appendHostPort(key[:0], msg.To) // no allocation unless a peer starts
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	p := m.peers[string(addr)]
	if p == nil {
		p = m.startPeer(string(addr), false)
	}
	p.enqueue(&msg)
	return nil
}

// maxHostPortLen holds the "host:port" of most UPIDs (a longer one
// makes appendHostPort allocate).
const maxHostPortLen = 64

// Link makes the connection to to's address persistent, opening it if there
// is none (a temporary connection in use is kept and made persistent, so
// messages sent before and after Link stay in order), and asks to be told
// through Config.Exited when it breaks: the peer process died, closed the
// connection, reset it, or could not be reached. Linking again to a linked
// address adds to's UPID to those reported.
func (m *Messenger) Link(to upid.UPID) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	p := m.peers[to.HostPort()]
	switch {
	case p == nil:
		p = m.startPeer(to.HostPort(), true)
	case !p.persistent:
		p.persistent = true // promote it: its queue and connection carry on
	}
	p.linked[to] = struct{}{}
	return nil
}

// Relink replaces the link to to's address with a fresh connection, even if
// the old one looks healthy (it may be half-open: MESOS-5332). The old
// connection is closed without an Exited report; messages queued on it and
// not yet written move to the new one, in order, as libprocess's
// link(RECONNECT) does. The new link reports every UPID the old one did.
func (m *Messenger) Relink(to upid.UPID) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	p := m.replacePeer(to.HostPort())
	p.linked[to] = struct{}{}
	return nil
}

// replacePeer starts a new persistent connection to addr in place of the
// current one, which is retired silently. Called with m.mu held.
func (m *Messenger) replacePeer(addr string) *peer {
	old := m.peers[addr]
	p := m.startPeer(addr, true)
	if old != nil {
		for u := range old.linked {
			p.linked[u] = struct{}{}
		}
		if old.queue.n > 0 {
			p.queue, old.queue = old.queue, outbox{}
			p.signal()
		}
		m.retire(old)
	}
	return p
}

// retire detaches p from its address; it will not report an exit. Called
// with m.mu held.
func (m *Messenger) retire(p *peer) {
	p.retired = true
	m.draining[p] = struct{}{}
	if p.persistent {
		p.shutdown()
	}
}

// startPeer creates and starts the connection to addr. Called with m.mu held.
func (m *Messenger) startPeer(addr string, persistent bool) *peer {
	p := newPeer(m, addr, persistent)
	m.peers[addr] = p
	m.wg.Add(1)
	go p.run()
	return p
}

// peerEnded removes p and reports the exit of its links if it was a live
// link. Called by p's goroutine once its connection is gone.
func (m *Messenger) peerEnded(p *peer, cause error) {
	m.mu.Lock()
	dropped := p.queue.n + p.failed
	p.queue = outbox{}
	delete(m.draining, p)
	current := m.peers[p.addr] == p
	if current {
		delete(m.peers, p.addr)
	}
	report := current && p.persistent && !p.retired && !m.closed
	linked := make([]upid.UPID, 0, len(p.linked))
	for u := range p.linked {
		linked = append(linked, u)
	}
	m.mu.Unlock()
	if dropped > 0 {
		logging.Warningf("messenger: %s: dropped %d message(s) to %s, unsent or cut off in a failed write: %v", m.self, dropped, p.addr, cause)
	}
	if !report {
		return
	}
	for _, u := range linked {
		logging.Infof("messenger: %s: link to %s broken: %v", m.self, u, cause)
		if m.cfg.Exited != nil {
			m.cfg.Exited(u)
		}
	}
}

// dialPlain opens a TCP connection to addr (see dial for TLS). Cancelling
// ctx ends the attempt, unless Config.Dial makes it.
func (m *Messenger) dialPlain(ctx context.Context, addr string) (net.Conn, error) {
	if m.cfg.Dial != nil {
		return m.cfg.Dial("tcp", addr)
	}
	d := net.Dialer{Timeout: m.dialTimeout()}
	return d.DialContext(ctx, "tcp", addr)
}

// dialTimeout bounds a connection attempt and, with TLS, its handshake.
func (m *Messenger) dialTimeout() time.Duration {
	if m.cfg.DialTimeout == 0 {
		return DefaultDialTimeout
	}
	return m.cfg.DialTimeout
}
