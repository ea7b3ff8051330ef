package agentsim

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"
)

// Proxy relays TCP connections from an executor to the agent and can make
// the agent's host go silent without closing anything, as a host that
// vanished or a firewall that drops packets does (a half-open connection:
// libprocess sets no TCP keepalive, MESOS-5332). Point the executor at Addr
// instead of the agent (MESOS_SLAVE_PID, MESOS_AGENT_ENDPOINT).
//
// After Swallow, every connection open at that moment stays open but
// relays nothing either way: what the executor writes is read and thrown
// away, nothing comes back, and the agent closing its end is not passed
// on (the executor closing its end does close the proxy's connection to
// the agent, whose incarnation is gone by then). Connections opened later
// are relayed as usual, as when the agent's host is reachable again. An executor that recovers does so on a fresh
// connection; Stats tells which connections carried what.
type Proxy struct {
	ln net.Listener

	mu       sync.Mutex
	target   string // host:port of the agent; until it is set, connections are refused
	conns    []*relay
	swallows int
	closed   bool
	changed  chan struct{}
	wg       sync.WaitGroup
}

// ProxyStats counts the proxy's connections.
type ProxyStats struct {
	// Opened is how many connections the executor opened through the
	// proxy; Swallowed how many of them Swallow silenced.
	Opened, Swallowed int
	// SwallowedClosed counts the silenced connections the executor has
	// since closed (given up on).
	SwallowedClosed int
	// RelayedAfterSwallow counts connections opened after the last Swallow
	// that carried bytes from the executor to the agent.
	RelayedAfterSwallow int
	// BytesIntoSilence is what the executor wrote into silenced
	// connections after they were silenced.
	BytesIntoSilence int64
}

type relay struct {
	client, upstream net.Conn
	gen              int // how many Swallows came before the connection opened
	swallowed        bool
	clientClosed     bool
	relayed          int64 // bytes executor → agent while not swallowed
	lost             int64 // bytes executor → nowhere after the swallow
}

// proxyDialTimeout bounds the proxy's connect to the agent, so that Close
// never waits long on one.
const proxyDialTimeout = 5 * time.Second

// StartProxy listens on an ephemeral loopback port; connections are
// relayed once forward has named the agent's address (AgentConfig.
// BehindProxy does both).
func StartProxy() (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("agentsim: proxy: %w", err)
	}
	p := &Proxy{ln: ln, changed: make(chan struct{})}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// forward sets the agent's address.
func (p *Proxy) forward(target string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.target = target
}

// Addr is the proxy's host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Port is the proxy's port.
func (p *Proxy) Port() uint16 {
	_, port, _ := net.SplitHostPort(p.Addr())
	n, _ := strconv.ParseUint(port, 10, 16)
	return uint16(n)
}

// Swallow silences every connection open now and returns how many.
func (p *Proxy) Swallow() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, r := range p.conns {
		if !r.swallowed && !r.clientClosed {
			r.swallowed = true
			n++
		}
	}
	p.swallows++
	p.broadcastLocked()
	return n
}

// Stats counts the connections so far.
func (p *Proxy) Stats() ProxyStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.statsLocked()
}

func (p *Proxy) statsLocked() ProxyStats {
	var s ProxyStats
	for _, r := range p.conns {
		s.Opened++
		switch {
		case r.swallowed:
			s.Swallowed++
			s.BytesIntoSilence += r.lost
			if r.clientClosed {
				s.SwallowedClosed++
			}
		case p.swallows > 0 && r.gen == p.swallows && r.relayed > 0:
			s.RelayedAfterSwallow++
		}
	}
	return s
}

// WaitStats waits until done holds for the proxy's Stats.
func (p *Proxy) WaitStats(ctx context.Context, what string, done func(ProxyStats) bool) error {
	for {
		p.mu.Lock()
		ok, closed, changed := done(p.statsLocked()), p.closed, p.changed
		p.mu.Unlock()
		switch {
		case ok:
			return nil
		case closed:
			return fmt.Errorf("agentsim: proxy: waiting for %s: %w", what, ErrClosed)
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("agentsim: proxy: waiting for %s: %w (now %+v)", what, ctx.Err(), p.Stats())
		}
	}
}

// Close stops the proxy and closes every connection.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	for _, r := range p.conns {
		r.client.Close()
		r.upstream.Close()
	}
	p.broadcastLocked()
	p.mu.Unlock()
	err := p.ln.Close()
	p.wg.Wait()
	return err
}

func (p *Proxy) broadcastLocked() {
	close(p.changed)
	p.changed = make(chan struct{})
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		target := p.target
		p.mu.Unlock()
		up, err := net.DialTimeout("tcp", target, proxyDialTimeout)
		if err != nil { // the agent is down: the executor sees its connection closed at once
			c.Close()
			continue
		}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			c.Close()
			up.Close()
			return
		}
		r := &relay{client: c, upstream: up, gen: p.swallows}
		p.conns = append(p.conns, r)
		p.broadcastLocked()
		p.mu.Unlock()
		p.wg.Add(2)
		go p.toAgent(r)
		go p.toExecutor(r)
	}
}

// toAgent copies executor → agent until the swallow, then reads and drops.
func (p *Proxy) toAgent(r *relay) {
	defer p.wg.Done()
	buf := make([]byte, 32<<10)
	for {
		n, err := r.client.Read(buf)
		p.mu.Lock()
		swallowed := r.swallowed
		if swallowed {
			r.lost += int64(n)
		} else {
			r.relayed += int64(n)
		}
		if err != nil {
			r.clientClosed = true
		}
		p.broadcastLocked()
		p.mu.Unlock()
		if err != nil {
			r.upstream.Close()
			if !swallowed {
				r.client.Close()
			}
			return
		}
		if !swallowed {
			if _, err := r.upstream.Write(buf[:n]); err != nil && !errors.Is(err, net.ErrClosed) {
				r.client.Close()
			}
		}
	}
}

// toExecutor copies agent → executor until the swallow; after it, the
// agent's bytes and its closing are dropped and the executor hears nothing.
func (p *Proxy) toExecutor(r *relay) {
	defer p.wg.Done()
	buf := make([]byte, 32<<10)
	for {
		n, err := r.upstream.Read(buf)
		p.mu.Lock()
		swallowed := r.swallowed
		p.mu.Unlock()
		if err != nil {
			if !swallowed {
				r.client.Close()
			}
			return
		}
		if !swallowed {
			if _, err := r.client.Write(buf[:n]); err != nil {
				r.upstream.Close()
				return
			}
		}
	}
}
