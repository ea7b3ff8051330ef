//go:build !mesosshim_notls

package tlsopt

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"time"
)

// The hostname validation schemes of libprocess, the values of
// LIBPROCESS_SSL_HOSTNAME_VALIDATION_SCHEME (Mesos 1.9+).
const (
	// SchemeLegacy, the default, matches a certificate against the host
	// name a reverse lookup of the peer's address finds, and against the
	// address itself only with VerifyIPAdd, on both sides of a connection.
	SchemeLegacy = "legacy"
	// SchemeOpenSSL matches a server's certificate against the host name
	// dialled, as OpenSSL's host check does, or against the address
	// dialled with VerifyIPAdd; a client's certificate is not matched.
	SchemeOpenSSL = "openssl"
)

// PeerCheck verifies a peer's certificate as libprocess does when asked to
// (LIBPROCESS_SSL_VERIFY_SERVER_CERT for the servers it connects to,
// REQUIRE_CLIENT_CERT for its clients): the chain against Roots, then the
// names by Scheme (openssl.cpp's verify() and configure_socket() in
// libprocess). crypto/tls's own check is not that: it matches the host
// dialled, usually the agent's IP address, which a certificate that names
// only host names does not contain.
type PeerCheck struct {
	// Roots are the trusted CAs; nil: the system's.
	Roots *x509.CertPool
	// Scheme is SchemeLegacy (also when empty) or SchemeOpenSSL.
	Scheme string
	// VerifyIPAdd lets the IP addresses a certificate names match the
	// peer's address (LIBPROCESS_SSL_VERIFY_IPADD).
	VerifyIPAdd bool
	// RequireClientCert is LIBPROCESS_SSL_REQUIRE_CLIENT_CERT, which
	// libprocess also consults on the client side: under the legacy
	// scheme a server whose host name cannot be found then fails, where
	// otherwise its chain alone is enough.
	RequireClientCert bool
	// Depth is how many CA certificates may stand between the peer's
	// certificate and the trusted one (LIBPROCESS_SSL_VERIFICATION_DEPTH,
	// 4 by default there, counted as OpenSSL's verify depth): 0 takes only
	// a certificate a trusted CA signed itself; negative: no bound.
	Depth int
	// Resolver answers the legacy scheme's lookups; nil: SetResolver's.
	Resolver Resolver
	// LookupTimeout bounds those lookups; 0: DefaultLookupTimeout.
	LookupTimeout time.Duration
}

// Client returns a copy of cfg that checks servers' certificates by p
// instead of by crypto/tls's rules. The check learns the host dialled
// from ServerName: dial with the copy through ForHost.
func (p *PeerCheck) Client(cfg *Config) *Config {
	check := *p
	c := cfg.Clone()
	c.RootCAs = check.Roots
	// VerifyConnection replaces crypto/tls's check, and always checks the
	// chain before any name.
	c.InsecureSkipVerify = true
	c.VerifyConnection = check.verifyServer
	return c
}

// verifyServer checks a server's certificate. cs.ServerName is the host
// dialled, an IP address included (ForHost puts it back where crypto/tls
// leaves it out), or empty if unknown.
func (p PeerCheck) verifyServer(cs tls.ConnectionState) error {
	leaf, err := p.verifyChain(cs.PeerCertificates, x509.ExtKeyUsageServerAuth)
	if err != nil {
		return err
	}
	ip, name := splitDialled(cs.ServerName)
	if p.Scheme == SchemeOpenSSL {
		return p.openSSLNames(leaf, ip, name)
	}
	ctx, cancel := p.lookupContext()
	defer cancel()
	if !ip.IsValid() && name != "" {
		ip = p.forward(ctx, name) // the address libprocess would have connected to
	}
	return p.legacyNames(ctx, leaf, ip, name)
}

// Server returns a copy of cfg that requires a certificate of every
// client and checks it by p: the chain against Roots, then under the
// legacy scheme the name a reverse lookup of the client's address finds
// (an unknown name fails); the openssl scheme matches no name on this
// side.
func (p *PeerCheck) Server(cfg *Config) *Config {
	check := *p
	check.RequireClientCert = true // a server checks clients only then
	c := cfg.Clone()
	c.ClientCAs = check.Roots
	// VerifyConnection replaces crypto/tls's check of the chain.
	c.ClientAuth = tls.RequireAnyClientCert
	c.VerifyConnection = check.clientVerifier(netip.Addr{})
	c.GetConfigForClient = func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
		// The check needs the client's address, which only this hook sees.
		peer := c.Clone()
		peer.GetConfigForClient = nil
		peer.VerifyConnection = check.clientVerifier(remoteIP(hello.Conn))
		return peer, nil
	}
	return c
}

// clientVerifier checks the certificate of a client at ip.
func (p PeerCheck) clientVerifier(ip netip.Addr) func(tls.ConnectionState) error {
	return func(cs tls.ConnectionState) error {
		leaf, err := p.verifyChain(cs.PeerCertificates, x509.ExtKeyUsageClientAuth)
		if err != nil || p.Scheme == SchemeOpenSSL {
			return err
		}
		ctx, cancel := p.lookupContext()
		defer cancel()
		return p.legacyNames(ctx, leaf, ip, "")
	}
}

// remoteIP is the address of the peer of nc, if an IP address.
func remoteIP(nc net.Conn) netip.Addr {
	if nc == nil {
		return netip.Addr{}
	}
	ap, err := netip.ParseAddrPort(nc.RemoteAddr().String())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().WithZone("").Unmap()
}

// splitDialled tells an address dialled from a host name dialled.
func splitDialled(host string) (netip.Addr, string) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return ip.WithZone("").Unmap(), ""
	}
	return netip.Addr{}, host
}

// verifyChain checks that the peer presented a certificate that chains to
// Roots for usage (serverAuth or clientAuth, as OpenSSL's default purpose
// on each side), and returns it.
func (p PeerCheck) verifyChain(certs []*x509.Certificate, usage x509.ExtKeyUsage) (*x509.Certificate, error) {
	if len(certs) == 0 {
		return nil, errors.New("the peer presented no certificate")
	}
	opts := x509.VerifyOptions{Roots: p.Roots, Intermediates: x509.NewCertPool(), KeyUsages: []x509.ExtKeyUsage{usage}}
	for _, c := range certs[1:] {
		opts.Intermediates.AddCert(c)
	}
	chains, err := certs[0].Verify(opts)
	if err != nil {
		return nil, fmt.Errorf("the peer's certificate (%s) is not trusted: %w", certs[0].Subject, err)
	}
	shortest := slices.MinFunc(chains, func(a, b []*x509.Certificate) int { return len(a) - len(b) })
	// A chain holds the peer's certificate, the CAs between, and the root.
	if between := max(len(shortest)-2, 0); p.Depth >= 0 && between > p.Depth {
		return nil, fmt.Errorf("the peer's certificate (%s) is %d CA certificate(s) away from a trusted one, more than the verification depth (%d) allows",
			certs[0].Subject, between, p.Depth)
	}
	return certs[0], nil
}

func (p PeerCheck) lookupContext() (context.Context, context.CancelFunc) {
	d := p.LookupTimeout
	if d <= 0 {
		d = DefaultLookupTimeout
	}
	return context.WithTimeout(context.Background(), d)
}

func (p PeerCheck) resolver() Resolver {
	if p.Resolver != nil {
		return p.Resolver
	}
	return sharedResolver()
}
