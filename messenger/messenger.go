package messenger

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/mesos-shim/executor/internal/tlsopt"
	"github.com/mesos-shim/executor/logging"

	"github.com/mesos-shim/executor/upid"
)

// ErrClosed is returned by operations on a closed Messenger.
var ErrClosed = errors.New("messenger: closed")

// DefaultDialTimeout bounds a connection attempt to a peer.
const DefaultDialTimeout = 5 * time.Second

// The receiver's bounds on slow or silent peers (see Config). libprocess
// has none of them: it reads every accepted socket for as long as it stays
// open, at whatever rate bytes arrive.
const (
	// DefaultRequestHeaderTimeout is generous for a local agent, which
	// writes a whole message at once.
	DefaultRequestHeaderTimeout = 10 * time.Second
	// DefaultRequestBodyTimeout is the floor of the time a body may take
	// (see Config.RequestBodyTimeout).
	DefaultRequestBodyTimeout = 10 * time.Second
	// DefaultMinBodyRate (64 KiB/s) lets the largest body the receiver
	// takes by default (64 MiB) arrive in about 17 minutes.
	DefaultMinBodyRate = 64 << 10
	// DefaultWriteTimeout bounds a write of answers to a peer that has
	// stopped reading them.
	DefaultWriteTimeout = 10 * time.Second
	// DefaultMaxPendingConnections is far above what agents open: one
	// link, and before 0.27 one short-lived connection per message.
	DefaultMaxPendingConnections = 128
)

// TLSConfig is crypto/tls's Config. In a program built with the
// mesosshim_notls tag, which leaves crypto/tls out (see internal/tlsopt:
// it saves 1.5-2 MB per process), it is an empty placeholder, and a
// Config asking for TLS, or an environment enabling SSL, is refused.
type TLSConfig = tlsopt.Config

// Config configures a Messenger. Only ProcessID and Handler are required.
type Config struct {
	// ProcessID is the id of the one process this messenger serves, e.g.
	// "executor(1)". Messages for any other id are answered with 404.
	ProcessID string
	// BindIP and BindPort are where to listen (LIBPROCESS_IP/_PORT). The
	// zero BindIP means 127.0.0.1; the zero port means an ephemeral port.
	BindIP   netip.Addr
	BindPort uint16
	// AdvertiseIP and AdvertisePort, when set, replace the bound address in
	// this process's UPID (LIBPROCESS_ADVERTISE_IP/_PORT). An unspecified
	// BindIP (0.0.0.0) needs an AdvertiseIP: see ApplyEnv.
	AdvertiseIP   netip.Addr
	AdvertisePort uint16
	// Listener, when not nil, is used instead of binding BindIP:BindPort.
	Listener net.Listener
	// MaxBodyBytes limits one incoming body (0: DefaultMaxBodyBytes).
	MaxBodyBytes int64
	// RequestHeaderTimeout bounds the time from a request's first byte to
	// the end of its headers (0: DefaultRequestHeaderTimeout). The wait
	// for a request's first byte is never bounded: the agent's connection
	// is persistent and may be idle for hours.
	RequestHeaderTimeout time.Duration
	// RequestBodyTimeout and MinBodyRate bound the arrival of a body: it
	// must be complete within RequestBodyTimeout after its first read,
	// plus one second for every MinBodyRate bytes received, so a body
	// trickled in more slowly than MinBodyRate bytes per second is cut
	// off however long it is (0: DefaultRequestBodyTimeout,
	// DefaultMinBodyRate).
	RequestBodyTimeout time.Duration
	MinBodyRate        int64
	// A request that misses one of these bounds is answered 408 Request
	// Timeout, logged with its peer's address, and its connection closed.
	//
	// WriteTimeout bounds each write of answers: a peer that stops
	// reading them has its connection closed (0: DefaultWriteTimeout).
	WriteTimeout time.Duration
	// MaxPendingConnections bounds the accepted connections that have not
	// yet delivered a message to ProcessID: open but silent, still in
	// their TLS handshake, or sending only requests that were refused
	// (0: DefaultMaxPendingConnections). At the bound, a new connection
	// makes the receiver close the oldest of them. A connection that has
	// delivered a message is never closed for being idle.
	MaxPendingConnections int
	// Framing is how outgoing messages are written (default FramingHTTP11).
	Framing Framing
	// RequirePeerAddressMatch rejects, with 400, a message whose sender UPID
	// has an IP different from the connection's peer IP
	// (LIBPROCESS_REQUIRE_PEER_ADDRESS_IP_MATCH).
	RequirePeerAddressMatch bool
	// Dial opens connections to peers (default: net.Dialer with
	// DialTimeout). Close cancels the default dial and a TLS handshake
	// under way, but waits for a call of this one to return.
	Dial func(network, address string) (net.Conn, error)
	// DialTimeout bounds the default Dial (0: DefaultDialTimeout), and the
	// TLS handshake of an outgoing connection.
	DialTimeout time.Duration
	// TLS, when not nil, makes the listener speak TLS: every accepted
	// connection must complete a handshake within DefaultHandshakeTimeout
	// (or, with AcceptPlaintext, may be plaintext). It needs a certificate;
	// set ClientAuth to require client certificates.
	TLS *TLSConfig
	// ClientTLS, when not nil, makes links and temporary connections dial
	// with TLS. A config without ServerName is used with the host of the
	// address dialled as ServerName (as net/http does): the certificate is
	// verified against it, unless InsecureSkipVerify.
	ClientTLS *TLSConfig
	// AcceptPlaintext is libprocess's SSL downgrade
	// (LIBPROCESS_SSL_SUPPORT_DOWNGRADE). With TLS set, the listener peeks
	// at the first bytes of each connection and serves it in plaintext
	// unless they start a TLS handshake; with ClientTLS set, a connection
	// whose handshake fails is retried once in plaintext.
	AcceptPlaintext bool

	// Handler receives every accepted message addressed to ProcessID. It is
	// called on the receiving connection's goroutine: messages from one
	// connection arrive in order, different connections concurrently. It
	// must not block for long; hand the message to your own goroutine.
	Handler func(Message)
	// Trusted, when not nil, says whether a sender's message vouches for
	// its connection. Until a connection has delivered a message from a
	// trusted sender it counts as pending (see MaxPendingConnections), so
	// that a stranger cannot hold connections open by sending one message
	// on each. Nil trusts every sender.
	Trusted func(from upid.UPID) bool
	// Exited is told, once per broken link, the UPID that was linked
	// (see Link). It runs on a messenger goroutine and must not block.
	Exited func(upid.UPID)
	// Rejected, when not nil, is told about every request refused. Each is
	// logged in any case.
	Rejected func(Rejection)
}

// Rejection describes a request the receiver refused.
type Rejection struct {
	Peer   string // remote address of the connection
	Status int    // HTTP status answered; 0: none (a failed TLS handshake, or a connection closed at MaxPendingConnections)
	Reason string
}

// Messenger sends and receives libprocess messages for one process.
type Messenger struct {
	cfg  Config
	self upid.UPID
	ln   net.Listener

	mu       sync.Mutex
	closed   bool
	done     chan struct{}    // closed by Close, to end the accept loop's waits
	peers    map[string]*peer // current outgoing connection per address
	conns    map[net.Conn]*inbound
	pending  int                // conns that have not delivered a message yet
	draining map[*peer]struct{} // peers replaced or closing, not yet gone
	wg       sync.WaitGroup
}

// New validates cfg, starts listening and serving, and returns the messenger.
func New(cfg Config) (*Messenger, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg.setDefaults()
	ln, err := cfg.listen()
	if err != nil {
		return nil, err
	}
	self, err := cfg.advertised(ln.Addr())
	if err != nil {
		ln.Close()
		return nil, err
	}
	m := &Messenger{
		cfg:      cfg,
		self:     self,
		ln:       ln,
		done:     make(chan struct{}),
		peers:    make(map[string]*peer),
		conns:    make(map[net.Conn]*inbound),
		draining: make(map[*peer]struct{}),
	}
	m.wg.Add(1)
	go m.acceptLoop()
	logging.V(1).Infof("messenger: %s listening on %s", self, ln.Addr())
	return m, nil
}

func (c *Config) validate() error {
	var problems []error
	if c.ProcessID == "" {
		problems = append(problems, errors.New("messenger: Config.ProcessID is empty"))
	}
	if c.Handler == nil {
		problems = append(problems, errors.New("messenger: Config.Handler is nil"))
	}
	if c.MaxBodyBytes < 0 {
		problems = append(problems, fmt.Errorf("messenger: Config.MaxBodyBytes is negative (%d)", c.MaxBodyBytes))
	}
	for _, d := range []struct {
		name  string
		value time.Duration
	}{{"RequestHeaderTimeout", c.RequestHeaderTimeout}, {"RequestBodyTimeout", c.RequestBodyTimeout}, {"WriteTimeout", c.WriteTimeout}} {
		if d.value < 0 {
			problems = append(problems, fmt.Errorf("messenger: Config.%s is negative (%v)", d.name, d.value))
		}
	}
	if c.MinBodyRate < 0 {
		problems = append(problems, fmt.Errorf("messenger: Config.MinBodyRate is negative (%d)", c.MinBodyRate))
	}
	if c.MaxPendingConnections < 0 {
		problems = append(problems, fmt.Errorf("messenger: Config.MaxPendingConnections is negative (%d)", c.MaxPendingConnections))
	}
	if !tlsopt.Available && (c.TLS != nil || c.ClientTLS != nil) {
		problems = append(problems, fmt.Errorf("messenger: Config.TLS or ClientTLS is set, but %w", tlsopt.ErrUnavailable))
	}
	if _, err := upid.New(c.ProcessID, "127.0.0.1", 1); c.ProcessID != "" && err != nil {
		problems = append(problems, fmt.Errorf("messenger: Config.ProcessID %q cannot be a UPID id", c.ProcessID))
	}
	return errors.Join(problems...)
}

// setDefaults replaces the zero bounds with their defaults.
func (c *Config) setDefaults() {
	orDefault := func(d *time.Duration, def time.Duration) {
		if *d == 0 {
			*d = def
		}
	}
	orDefault(&c.RequestHeaderTimeout, DefaultRequestHeaderTimeout)
	orDefault(&c.RequestBodyTimeout, DefaultRequestBodyTimeout)
	orDefault(&c.WriteTimeout, DefaultWriteTimeout)
	if c.MinBodyRate == 0 {
		c.MinBodyRate = DefaultMinBodyRate
	}
	if c.MaxPendingConnections == 0 {
		c.MaxPendingConnections = DefaultMaxPendingConnections
	}
}

func (c *Config) listen() (net.Listener, error) {
	if c.Listener != nil {
		return c.Listener, nil
	}
	ip := c.BindIP
	if !ip.IsValid() {
		ip = netip.AddrFrom4([4]byte{127, 0, 0, 1})
	}
	ln, err := listenTCP(netip.AddrPortFrom(ip, c.BindPort).String())
	if err != nil {
		return nil, fmt.Errorf("messenger: listen: %w", err)
	}
	return ln, nil
}

// listenTCP listens on addr with plain TCP, as libprocess does. Since Go
// 1.24, Listen on Linux asks the kernel for Multipath TCP, from which a
// plain-TCP agent's connections would only fall back.
func listenTCP(addr string) (net.Listener, error) {
	var lc net.ListenConfig
	lc.SetMultipathTCP(false)
	return lc.Listen(context.Background(), "tcp", addr)
}

func (c *Config) advertised(bound net.Addr) (upid.UPID, error) {
	ap, err := netip.ParseAddrPort(bound.String())
	if err != nil {
		return upid.UPID{}, fmt.Errorf("messenger: listener address %q: %w", bound, err)
	}
	ip, port := ap.Addr().Unmap(), ap.Port()
	if c.AdvertiseIP.IsValid() {
		ip = c.AdvertiseIP.Unmap()
	}
	if c.AdvertisePort != 0 {
		port = c.AdvertisePort
	}
	if ip.IsUnspecified() {
		return upid.UPID{}, fmt.Errorf("messenger: bound to %s but no address to advertise: set AdvertiseIP (LIBPROCESS_ADVERTISE_IP) or bind a specific IP", ap.Addr())
	}
	return upid.New(c.ProcessID, ip.String(), port)
}

// UPID is this process's address as peers must use it.
func (m *Messenger) UPID() upid.UPID { return m.self }

// Addr is the address the listener is bound to.
func (m *Messenger) Addr() net.Addr { return m.ln.Addr() }

// Close stops the listener, closes every connection, cancels the
// connection attempts under way and waits for the messenger's goroutines to
// end. Links closed this way are not reported as exited. Messages still
// queued are dropped.
func (m *Messenger) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	close(m.done)
	err := m.ln.Close()
	for c := range m.conns {
		c.Close()
	}
	for _, p := range m.peers {
		p.shutdown()
	}
	for p := range m.draining {
		p.shutdown()
	}
	m.mu.Unlock()
	m.wg.Wait()
	return err
}
