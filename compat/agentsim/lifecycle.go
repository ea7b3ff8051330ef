package agentsim

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/gogo/protobuf/proto"

	"github.com/mesos-shim/executor/messenger"
	"github.com/mesos-shim/executor/upid"
)

// Binding a fixed port is retried this often, for at most bindRetryLimit,
// while a previous incarnation's socket still holds it.
const (
	bindRetryInterval = 10 * time.Millisecond
	bindRetryLimit    = 5 * time.Second
)

// open starts a new incarnation of the agent listening on port.
func (a *Agent) open(ctx context.Context, port uint16, ph phase) error {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return ErrClosed
	}
	inc := a.inc
	a.mu.Unlock()
	ep, err := listen(ctx, a.cfg.Profile.Framing, port, a.advertisedPort(), incarnation{a, inc})
	if err != nil {
		return err
	}
	a.mu.Lock()
	if a.closed || a.inc != inc {
		a.mu.Unlock()
		ep.close()
		return fmt.Errorf("agentsim: agent stopped while starting")
	}
	a.ep, a.phase = ep, ph
	a.listenedAt, a.recoveryStarted = time.Now(), false
	if a.self.IsZero() { // only in Start: the UPID is the same after a restart
		a.self, a.port = ep.legacy.self(), ep.port()
		if a.proxy != nil {
			a.proxy.forward(net.JoinHostPort(a.self.Host, fmt.Sprint(a.port)))
		}
	}
	a.trace.add(Entry{Dir: AtAgent, Name: EventAgentStarted,
		Detail: fmt.Sprintf("%s profile=%s framing=%s v1=%s", a.self, a.cfg.Profile, a.cfg.Profile.Framing, a.cfg.Profile.V1)})
	a.broadcastLocked()
	a.mu.Unlock()
	return nil
}

// listen opens the agent's port, retrying a busy fixed one, and serves
// both wires on it.
func listen(ctx context.Context, f messenger.Framing, port, advertise uint16, inc incarnation) (*endpoint, error) {
	ln, err := bind(ctx, port)
	if err != nil {
		return nil, err
	}
	return newEndpoint(ln, f, advertise, inc)
}

// bind listens on 127.0.0.1:port (0: ephemeral), retrying a busy fixed port.
func bind(ctx context.Context, port uint16) (net.Listener, error) {
	ctx, cancel := context.WithTimeout(ctx, bindRetryLimit)
	defer cancel()
	addr := netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), port).String()
	for {
		ln, err := net.Listen("tcp", addr)
		if err == nil {
			return ln, nil
		}
		if port == 0 {
			return nil, fmt.Errorf("agentsim: %w", err)
		}
		t := time.NewTimer(bindRetryInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("agentsim: listening on port %d: %w (last error: %v)", port, ctx.Err(), err)
		case <-t.C:
		}
	}
}

// incarnation is the sink of one transport: what it hears after the agent
// went down is void.
type incarnation struct {
	a *Agent
	n int
}

// current locks the agent if this incarnation is still the live one.
func (i incarnation) current() bool {
	i.a.mu.Lock()
	if i.a.inc == i.n && i.a.ep != nil {
		return true
	}
	i.a.mu.Unlock()
	return false
}

func (i incarnation) received(from upid.UPID, m proto.Message) {
	if !i.current() {
		return
	}
	defer i.a.mu.Unlock()
	i.a.receivedLocked(from, m)
	i.a.broadcastLocked()
}

func (i incarnation) unreadable(from upid.UPID, name string, err error) {
	i.a.trace.add(Entry{Dir: FromExecutor, Wire: WireV0, Name: shortName(name), Detail: fmt.Sprintf("from %s: %v", from, err)})
	i.a.trace.add(Entry{Dir: AtAgent, Wire: WireV0, Name: EventIgnored, Detail: shortName(name) + " dropped"})
}

func (i incarnation) linkBroken(u upid.UPID) {
	if !i.current() {
		return
	}
	defer i.a.mu.Unlock()
	// Slave::exited handles only the master: executors are watched by
	// their containerizer (Slave::exited in src/slave/slave.cpp), so this
	// is only recorded.
	i.a.trace.add(Entry{Dir: AtAgent, Wire: WireV0, Name: EventLinkBroken, Detail: u.String()})
}

func (i incarnation) rejected(r messenger.Rejection) {
	i.a.trace.add(Entry{Dir: AtAgent, Wire: WireV0, Name: EventRejected,
		Detail: fmt.Sprintf("%d from %s: %s", r.Status, r.Peer, r.Reason)})
}

// afterLocked runs f, with the lock held, after d unless the agent goes
// down first; lost, if not nil, is called instead when it does.
func (a *Agent) afterLocked(d time.Duration, f, lost func()) {
	inc := a.inc
	var t *time.Timer
	t = time.AfterFunc(d, func() {
		a.mu.Lock()
		defer a.mu.Unlock()
		if _, ok := a.timers[t]; !ok || a.inc != inc {
			return
		}
		delete(a.timers, t)
		f()
		a.broadcastLocked()
	})
	a.timers[t] = lost
}

func (a *Agent) stopTimersLocked() {
	for t, lost := range a.timers {
		delete(a.timers, t)
		if t.Stop() && lost != nil {
			lost()
		}
	}
}
