package messenger

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/mesos-shim/executor/upid"
)

// drainTimeout bounds how long a temporary connection waits for the peer's
// responses after its last message before closing.
const drainTimeout = 5 * time.Second

var errStopped = errors.New("connection closed locally")

// peer is one outgoing connection, persistent (a link) or temporary, with
// its queue of messages, framed as they are queued. It is run by one
// goroutine that dials, writes every queued message in order with one write
// (a writev when some bodies are large) per batch, and ends when the
// connection breaks, is shut down or, if temporary, has nothing left to send.
// A second goroutine reads and discards the peer's responses; its read
// failing is how a dead peer is noticed.
type peer struct {
	m          *Messenger
	addr       string
	persistent bool

	// Guarded by m.mu.
	queue   outbox   // messages Send queued, not yet taken by the writer
	free    [][]byte // blocks for queue, recycled from written batches
	linked  map[upid.UPID]struct{}
	retired bool

	// failed counts the messages of the batch whose write failed: taken
	// from the queue, perhaps partly written, lost with the connection.
	// Owned by the writer goroutine.
	failed int

	wake chan struct{} // capacity 1: something was queued
	stop chan struct{} // closed by shutdown
	// ctx is cancelled by shutdown: it ends a dial or handshake under way.
	ctx    context.Context
	cancel context.CancelFunc

	connMu  sync.Mutex
	conn    net.Conn
	stopped bool
}

func newPeer(m *Messenger, addr string, persistent bool) *peer {
	ctx, cancel := context.WithCancel(context.Background())
	return &peer{
		m:          m,
		addr:       addr,
		persistent: persistent,
		linked:     make(map[upid.UPID]struct{}),
		wake:       make(chan struct{}, 1),
		stop:       make(chan struct{}),
		ctx:        ctx,
		cancel:     cancel,
	}
}

// enqueue frames and queues a message. Called with m.mu held.
func (p *peer) enqueue(msg *Message) {
	p.queue.add(msg, p.m.cfg.Framing, &p.free)
	p.signal()
}

// signal wakes the writer. Called with m.mu held.
func (p *peer) signal() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// shutdown closes the connection and stops the writer. Safe to call many
// times and from any goroutine.
func (p *peer) shutdown() {
	p.connMu.Lock()
	defer p.connMu.Unlock()
	if p.stopped {
		return
	}
	p.stopped = true
	close(p.stop)
	p.cancel()
	if p.conn != nil {
		p.conn.Close()
	}
}

// adopt records the dialled connection unless shutdown came first.
func (p *peer) adopt(c net.Conn) bool {
	p.connMu.Lock()
	defer p.connMu.Unlock()
	if p.stopped {
		return false
	}
	p.conn = c
	return true
}

func (p *peer) run() {
	defer p.m.wg.Done()
	defer p.cancel()
	conn, err := p.m.dial(p.ctx, p.addr)
	if err != nil {
		p.m.peerEnded(p, fmt.Errorf("connect to %s: %w", p.addr, err))
		return
	}
	if !p.adopt(conn) {
		conn.Close()
		p.m.peerEnded(p, errStopped)
		return
	}
	readDone := make(chan error, 1)
	go func() { readDone <- discardResponses(conn) }()
	err = p.writeLoop(conn, readDone)
	conn.Close()
	if !errors.Is(err, errReadEnded) {
		<-readDone
	}
	p.m.peerEnded(p, err)
}

// errReadEnded is wrapped by writeLoop's error when it consumed readDone.
var errReadEnded = errors.New("read side ended")

func (p *peer) writeLoop(conn net.Conn, readDone chan error) error {
	var batch outbox
	for {
		if idle := p.take(&batch); idle {
			return p.drain(conn, readDone)
		}
		if batch.n > 0 {
			if err := batch.writeTo(conn); err != nil {
				p.failed = batch.n
				return fmt.Errorf("write to %s: %w", p.addr, err)
			}
			continue
		}
		select {
		case <-p.wake:
		case <-p.stop:
			return errStopped
		case err := <-readDone:
			return peerClosed(err)
		}
	}
}

// take replaces batch, which has been written, with every queued message;
// the emptied batch becomes the queue, and its blocks are reused, so that
// steady traffic allocates nothing. A temporary connection with nothing
// left is detached from its address (idle), so later sends open a new one.
func (p *peer) take(batch *outbox) (idle bool) {
	p.m.mu.Lock()
	defer p.m.mu.Unlock()
	batch.recycle(&p.free)
	*batch, p.queue = p.queue, *batch
	if batch.n == 0 && !p.persistent {
		if p.m.peers[p.addr] == p {
			delete(p.m.peers, p.addr)
		}
		p.m.draining[p] = struct{}{}
		return true
	}
	return false
}

// drain half-closes a temporary connection and waits, within drainTimeout,
// for the peer to answer what was sent and close its side.
func (p *peer) drain(conn net.Conn, readDone chan error) error {
	if cw, ok := conn.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	conn.SetReadDeadline(time.Now().Add(drainTimeout))
	select {
	case <-readDone:
		return errReadEnded
	case <-p.stop:
		return errStopped
	}
}

// discardResponses reads the peer's HTTP responses until the connection
// ends; libprocess senders never act on them.
func discardResponses(conn net.Conn) error {
	buf := make([]byte, 4096)
	for {
		if _, err := conn.Read(buf); err != nil {
			return err
		}
	}
}

func peerClosed(err error) error {
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("peer closed the connection: %w", errReadEnded)
	}
	return fmt.Errorf("read: %v: %w", err, errReadEnded)
}
