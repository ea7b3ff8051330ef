package messenger

import (
	"net"
	"strconv"
	"time"
)

// inbound is one accepted connection. It is pending until it delivers a
// message to this process; Config.MaxPendingConnections bounds how many
// are, so that connections which stay silent, or only send what is
// refused, cannot use up this process's file descriptors. An established
// connection may be idle for as long as it likes, as the agent's link is.
type inbound struct {
	conn     net.Conn
	accepted time.Time
	// Guarded by Messenger.mu.
	pending bool
	evicted bool // closed to make room for a newer connection
}

// track registers an accepted connection so Close can end it, closing the
// oldest pending connection if there are too many.
func (m *Messenger) track(c net.Conn) (*inbound, bool) {
	in := &inbound{conn: c, accepted: time.Now(), pending: true}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil, false
	}
	var evict *inbound
	if m.pending >= m.cfg.MaxPendingConnections {
		evict = m.oldestPendingLocked()
		evict.pending, evict.evicted = false, true
		m.pending--
	}
	m.conns[c] = in
	m.pending++
	m.wg.Add(1)
	m.mu.Unlock()
	if evict != nil {
		m.evict(evict, in.accepted)
	}
	return in, true
}

func (m *Messenger) oldestPendingLocked() *inbound {
	var oldest *inbound
	for _, in := range m.conns {
		if in.pending && (oldest == nil || in.accepted.Before(oldest.accepted)) {
			oldest = in
		}
	}
	return oldest
}

// evict closes a pending connection, saying why.
func (m *Messenger) evict(in *inbound, now time.Time) {
	re := &RequestError{Reason: "closing the connection: no message delivered in " + now.Sub(in.accepted).Round(time.Millisecond).String() +
		", the oldest of " + strconv.Itoa(m.cfg.MaxPendingConnections) + " such connections (Config.MaxPendingConnections)"}
	m.reject(in.conn, re)
	in.conn.Close()
}

// established marks a connection that delivered a message.
func (m *Messenger) established(in *inbound) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if in.pending {
		in.pending = false
		m.pending--
	}
}

// evicted reports whether in was closed to make room.
func (m *Messenger) evicted(in *inbound) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return in.evicted
}

func (m *Messenger) untrack(in *inbound) {
	m.mu.Lock()
	delete(m.conns, in.conn)
	if in.pending {
		in.pending = false
		m.pending--
	}
	m.mu.Unlock()
	in.conn.Close()
	m.wg.Done()
}
