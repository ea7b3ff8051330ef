package messenger

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/mesos-shim/executor/logging"

	"github.com/mesos-shim/executor/upid"
)

// ErrClosed is returned by operations on a closed Messenger.
var ErrClosed = errors.New("messenger: closed")

// DefaultDialTimeout bounds a connection attempt to a peer.
const DefaultDialTimeout = 5 * time.Second

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
	// BindIP (0.0.0.0) needs an AdvertiseIP: see AddressFromEnv.
	AdvertiseIP   netip.Addr
	AdvertisePort uint16
	// Listener, when not nil, is used instead of binding BindIP:BindPort.
	Listener net.Listener
	// MaxBodyBytes limits one incoming body (0: DefaultMaxBodyBytes).
	MaxBodyBytes int64
	// Framing is how outgoing messages are written (default FramingHTTP11).
	Framing Framing
	// RequirePeerAddressMatch rejects, with 400, a message whose sender UPID
	// has an IP different from the connection's peer IP
	// (LIBPROCESS_REQUIRE_PEER_ADDRESS_IP_MATCH).
	RequirePeerAddressMatch bool
	// Dial opens connections to peers (default: net.Dialer with DialTimeout).
	Dial func(network, address string) (net.Conn, error)
	// DialTimeout bounds the default Dial (0: DefaultDialTimeout), and the
	// TLS handshake of an outgoing connection.
	DialTimeout time.Duration
	// TLS, when not nil, makes the listener speak TLS: every accepted
	// connection must complete a handshake within DefaultHandshakeTimeout
	// (or, with AcceptPlaintext, may be plaintext). It needs a certificate;
	// set ClientAuth to require client certificates.
	TLS *tls.Config
	// ClientTLS, when not nil, makes links and temporary connections dial
	// with TLS. A config without ServerName verifies the certificate against
	// the host of the address dialled (unless InsecureSkipVerify).
	ClientTLS *tls.Config
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
	Status int    // HTTP status answered; 0: none (a failed TLS handshake)
	Reason string
}

// Messenger sends and receives libprocess messages for one process.
type Messenger struct {
	cfg  Config
	self upid.UPID
	ln   net.Listener

	mu       sync.Mutex
	closed   bool
	peers    map[string]*peer // current outgoing connection per address
	conns    map[net.Conn]struct{}
	draining map[*peer]struct{} // peers replaced or closing, not yet gone
	wg       sync.WaitGroup
}

// New validates cfg, starts listening and serving, and returns the messenger.
func New(cfg Config) (*Messenger, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
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
		peers:    make(map[string]*peer),
		conns:    make(map[net.Conn]struct{}),
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
	if _, err := upid.New(c.ProcessID, "127.0.0.1", 1); c.ProcessID != "" && err != nil {
		problems = append(problems, fmt.Errorf("messenger: Config.ProcessID %q cannot be a UPID id", c.ProcessID))
	}
	return errors.Join(problems...)
}

func (c *Config) listen() (net.Listener, error) {
	if c.Listener != nil {
		return c.Listener, nil
	}
	ip := c.BindIP
	if !ip.IsValid() {
		ip = netip.AddrFrom4([4]byte{127, 0, 0, 1})
	}
	ln, err := net.Listen("tcp", netip.AddrPortFrom(ip, c.BindPort).String())
	if err != nil {
		return nil, fmt.Errorf("messenger: listen: %w", err)
	}
	return ln, nil
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

// Close stops the listener, closes every connection and waits for the
// messenger's goroutines to end. Links closed this way are not reported as
// exited. Messages still queued are dropped.
func (m *Messenger) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
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
