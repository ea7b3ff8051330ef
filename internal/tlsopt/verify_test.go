//go:build !mesosshim_notls

package tlsopt

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// testCA is a throwaway CA that signs leaves.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

func newTestCA(t *testing.T) testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return testCA{cert: cert, key: key, pool: pool}
}

// sub makes a CA that ca signs: an intermediate. Its pool is ca's.
func (ca testCA) sub(t *testing.T, name string) testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return testCA{cert: cert, key: key, pool: ca.pool}
}

// leaf signs a certificate with the names of tmpl (DNSNames, IPAddresses,
// Subject), usable by servers and clients.
func (ca testCA) leaf(t *testing.T, tmpl x509.Certificate) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl.SerialNumber = big.NewInt(2)
	tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	der, err := x509.CreateCertificate(rand.Reader, &tmpl, ca.cert, &key.PublicKey, ca.key)
	require.NoError(t, err)
	leaf, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}

var loopback = []net.IP{net.IPv4(127, 0, 0, 1)}

// failingResolver fails every lookup as a resolver that cannot be reached.
type failingResolver struct{}

func (failingResolver) LookupAddr(context.Context, string) ([]string, error) {
	return nil, &net.DNSError{Err: "server misbehaving", IsTemporary: true}
}

func (failingResolver) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	return nil, &net.DNSError{Err: "server misbehaving", IsTemporary: true}
}

// stuckResolver answers only when its lookup's time is up.
type stuckResolver struct{}

func (stuckResolver) LookupAddr(ctx context.Context, _ string) ([]string, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func (stuckResolver) LookupNetIP(ctx context.Context, _, _ string) ([]netip.Addr, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// serverCheck runs p's client-side check on cert as presented by the
// host dialled.
func serverCheck(p PeerCheck, cert tls.Certificate, dialled string) error {
	return p.verifyServer(tls.ConnectionState{ServerName: dialled, PeerCertificates: []*x509.Certificate{cert.Leaf}})
}

// The legacy scheme, the default, matches the name a reverse lookup of
// the address dialled finds, as written, against the DNS names, else the
// first common name; the certificate's addresses only with VerifyIPAdd.
func TestLegacySchemeMatchesTheReverseLookup(t *testing.T) {
	ca := newTestCA(t)
	dnsOnly := ca.leaf(t, x509.Certificate{DNSNames: []string{"localhost"}})
	withIP := ca.leaf(t, x509.Certificate{DNSNames: []string{"agent.example"}, IPAddresses: loopback})
	byCN := ca.leaf(t, x509.Certificate{Subject: pkix.Name{CommonName: "localhost"}})
	wildcard := ca.leaf(t, x509.Certificate{DNSNames: []string{"*.example", "LOCALHOST"}})
	check := func(r Resolver, verifyIP bool, cert tls.Certificate) error {
		return serverCheck(PeerCheck{Roots: ca.pool, Resolver: r, VerifyIPAdd: verifyIP}, cert, "127.0.0.1")
	}
	localhost, other := Hosts{"127.0.0.1": {"localhost."}}, Hosts{"127.0.0.1": {"other.example", "localhost"}}

	require.NoError(t, check(localhost, false, dnsOnly), "the name found, not the address dialled")
	err := check(other, false, dnsOnly)
	require.ErrorContains(t, err, `does not name host name "other.example" (legacy hostname validation)`, "only the first name found counts")
	require.ErrorContains(t, err, "[localhost]", "the error says what the certificate names")
	require.NoError(t, check(localhost, false, byCN), "the common name")
	require.Error(t, check(other, false, byCN))
	require.Error(t, check(Hosts{"127.0.0.1": {"a.example"}}, false, wildcard), "no wildcard")
	require.Error(t, check(localhost, false, wildcard), "case counts")

	require.Error(t, check(other, false, withIP), "the address only with VerifyIPAdd")
	require.NoError(t, check(other, true, withIP))
	require.Error(t, check(other, true, dnsOnly))

	malformed := ca.leaf(t, x509.Certificate{DNSNames: []string{"localhost\x00.evil.example", "localhost"}})
	require.ErrorContains(t, check(localhost, false, malformed), "holds a NUL")
}

// A reverse lookup that finds no name gives the address as text, as
// getnameinfo(3) does; one that fails (or takes too long) gives nothing,
// and the chain alone is then enough unless VerifyIPAdd or
// RequireClientCert asks for more.
func TestLegacySchemeWithoutAHostName(t *testing.T) {
	ca := newTestCA(t)
	cnIP := ca.leaf(t, x509.Certificate{Subject: pkix.Name{CommonName: "127.0.0.1"}})
	dnsOnly := ca.leaf(t, x509.Certificate{DNSNames: []string{"localhost"}})
	withIP := ca.leaf(t, x509.Certificate{IPAddresses: loopback})
	p := PeerCheck{Roots: ca.pool, Resolver: Hosts{}}
	require.NoError(t, serverCheck(p, cnIP, "127.0.0.1"), "no PTR record: the address is the name")
	require.Error(t, serverCheck(p, dnsOnly, "127.0.0.1"))

	for _, r := range []Resolver{failingResolver{}, stuckResolver{}} {
		p := PeerCheck{Roots: ca.pool, Resolver: r, LookupTimeout: time.Millisecond}
		require.NoError(t, serverCheck(p, dnsOnly, "127.0.0.1"), "%T", r)
		p.RequireClientCert = true
		require.ErrorContains(t, serverCheck(p, dnsOnly, "127.0.0.1"), "no host name found for 127.0.0.1", "%T", r)
		p.RequireClientCert, p.VerifyIPAdd = false, true
		require.Error(t, serverCheck(p, dnsOnly, "127.0.0.1"), "%T", r)
		require.NoError(t, serverCheck(p, withIP, "127.0.0.1"), "%T", r)
	}
}

// A host name dialled is resolved to the address libprocess would have
// connected to, whose reverse lookup decides; if that fails, the name
// dialled is matched.
func TestLegacySchemeDiallingAHostName(t *testing.T) {
	ca := newTestCA(t)
	cert := ca.leaf(t, x509.Certificate{DNSNames: []string{"agent.example"}})
	p := PeerCheck{Roots: ca.pool, Resolver: Hosts{"10.0.0.1": {"agent.example"}, "::1": {"agent6.example"}}}
	require.NoError(t, serverCheck(p, cert, "agent.example"))
	p.Resolver = Hosts{"10.0.0.1": {"other.example"}, "10.0.0.2": {"agent.example", "alias.example"}}
	require.ErrorContains(t, serverCheck(p, cert, "other.example"), `"other.example"`)
	require.NoError(t, serverCheck(p, cert, "alias.example"), "the name found, not the name dialled")
	p.Resolver = failingResolver{}
	require.NoError(t, serverCheck(p, cert, "agent.example"))
	require.Error(t, serverCheck(p, cert, "other.example"))
}

// The openssl scheme matches the host name dialled as OpenSSL does
// (wildcards, any case, the common name only without DNS names), and an
// address dialled only with VerifyIPAdd, against the IP addresses.
func TestOpenSSLSchemeMatchesWhatWasDialled(t *testing.T) {
	ca := newTestCA(t)
	wildcard := ca.leaf(t, x509.Certificate{DNSNames: []string{"*.example"}, Subject: pkix.Name{CommonName: "cn.other"}})
	byCN := ca.leaf(t, x509.Certificate{Subject: pkix.Name{CommonName: "cn.example"}})
	withIP := ca.leaf(t, x509.Certificate{IPAddresses: loopback, DNSNames: []string{"localhost"}})
	p := PeerCheck{Roots: ca.pool, Scheme: SchemeOpenSSL, Resolver: Hosts{"127.0.0.1": {"localhost"}}}

	require.NoError(t, serverCheck(p, wildcard, "agent.example"))
	require.NoError(t, serverCheck(p, wildcard, "AGENT.Example"))
	require.Error(t, serverCheck(p, wildcard, "cn.other"), "the common name not with DNS names")
	require.Error(t, serverCheck(p, wildcard, "a.b.example"))
	require.NoError(t, serverCheck(p, byCN, "cn.example"))

	require.ErrorContains(t, serverCheck(p, withIP, "127.0.0.1"), "LIBPROCESS_SSL_VERIFY_IPADD is off", "no reverse lookup")
	p.VerifyIPAdd = true
	require.NoError(t, serverCheck(p, withIP, "127.0.0.1"))
	require.ErrorContains(t, serverCheck(p, withIP, "127.0.0.2"), "IP address 127.0.0.2 (openssl hostname validation)")
}

// Whatever the names, a certificate that does not chain to the roots, or
// none at all, fails.
func TestAnUntrustedChainAlwaysFails(t *testing.T) {
	ca, stranger := newTestCA(t), newTestCA(t)
	cert := stranger.leaf(t, x509.Certificate{DNSNames: []string{"localhost"}, IPAddresses: loopback})
	for _, p := range []PeerCheck{
		{Resolver: Hosts{"127.0.0.1": {"localhost"}}},
		{Resolver: failingResolver{}},
		{Resolver: failingResolver{}, VerifyIPAdd: true},
		{Scheme: SchemeOpenSSL, VerifyIPAdd: true},
	} {
		p.Roots = ca.pool
		err := serverCheck(p, cert, "127.0.0.1")
		var unknown x509.UnknownAuthorityError
		require.ErrorAs(t, err, &unknown, "%+v", p)
		require.ErrorContains(t, err, "is not trusted")
		require.ErrorContains(t, p.verifyServer(tls.ConnectionState{ServerName: "127.0.0.1"}), "no certificate")
	}
}

// The bug this check fixes: with verification on, a handshake with an
// agent at 127.0.0.1 whose certificate names only localhost succeeds when
// the reverse lookup finds localhost (crypto/tls's own check wants an IP
// address in it), and fails when it finds another name.
func TestHandshakeWithAHostNameOnlyCertificate(t *testing.T) {
	ca := newTestCA(t)
	cert := ca.leaf(t, x509.Certificate{DNSNames: []string{"localhost"}})
	handshake := func(r Resolver) error {
		check := &PeerCheck{Roots: ca.pool, Resolver: r}
		return handshakeWith(t, check.Client(&Config{}), &Config{Certificates: []tls.Certificate{cert}})
	}
	require.NoError(t, handshake(Hosts{"127.0.0.1": {"localhost"}}))
	err := handshake(Hosts{"127.0.0.1": {"other.example"}})
	require.ErrorContains(t, err, `does not name host name "other.example"`)
}

// handshakeWith runs a handshake between client, dialling 127.0.0.1
// through ForHost, and server over loopback TCP, and returns the client's
// error.
func handshakeWith(t *testing.T, client, server *Config) error {
	t.Helper()
	err, _ := handshakeBoth(t, client, server)
	return err
}

// handshakeBoth is handshakeWith returning the server's error as well.
func handshakeBoth(t *testing.T, client, server *Config) (clientErr, serverErr error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	served := make(chan error, 1)
	go func() {
		nc, err := ln.Accept()
		if err == nil {
			nc.SetDeadline(time.Now().Add(5 * time.Second))
			var tc net.Conn
			if tc, err = Server(nc, server); err == nil {
				_, err = tc.Read(make([]byte, 1)) // TLS 1.3: the client's certificate is checked by now
			}
			nc.Close()
		}
		served <- err
	}()
	nc, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer nc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	tc, clientErr := Client(ctx, nc, ForHost(client, "127.0.0.1"))
	if clientErr == nil {
		tc.Write([]byte("x"))
	}
	nc.Close()
	return clientErr, <-served
}

// ForHost hands an IP address dialled to VerifyConnection, where
// crypto/tls leaves ServerName empty, and a host name as crypto/tls does.
func TestForHostTellsTheCheckTheHostDialled(t *testing.T) {
	var seen []string
	cfg := &Config{VerifyConnection: func(cs tls.ConnectionState) error {
		seen = append(seen, cs.ServerName)
		return nil
	}}
	require.NoError(t, ForHost(cfg, "127.0.0.1").VerifyConnection(tls.ConnectionState{}))
	require.NoError(t, ForHost(cfg, "agent.example").VerifyConnection(tls.ConnectionState{ServerName: "agent.example"}))
	require.Equal(t, []string{"127.0.0.1", "agent.example"}, seen)
	require.Nil(t, ForHost(&Config{}, "127.0.0.1").VerifyConnection)
}

// Requiring client certificates, a server matches the client's
// certificate against the name a reverse lookup of its address finds,
// and an unknown name fails; under the openssl scheme the chain is
// enough. An untrusted chain, or no certificate, always fails.
func TestServerChecksClientCertificates(t *testing.T) {
	ca, stranger := newTestCA(t), newTestCA(t)
	cert := ca.leaf(t, x509.Certificate{DNSNames: []string{"localhost"}})
	serverCert := ca.leaf(t, x509.Certificate{DNSNames: []string{"localhost"}})
	accept := func(p PeerCheck, presented ...tls.Certificate) error {
		p.Roots = ca.pool
		client := &Config{InsecureSkipVerify: true, Certificates: presented}
		_, err := handshakeBoth(t, client, p.Server(&Config{Certificates: []tls.Certificate{serverCert}}))
		return err
	}
	require.NoError(t, accept(PeerCheck{Resolver: Hosts{"127.0.0.1": {"localhost"}}}, cert))
	require.ErrorContains(t, accept(PeerCheck{Resolver: Hosts{"127.0.0.1": {"other.example"}}}, cert), `does not name host name "other.example"`)
	require.ErrorContains(t, accept(PeerCheck{Resolver: failingResolver{}}, cert), "no host name found for 127.0.0.1")
	require.NoError(t, accept(PeerCheck{Scheme: SchemeOpenSSL, Resolver: failingResolver{}}, cert))

	untrusted := stranger.leaf(t, x509.Certificate{DNSNames: []string{"localhost"}})
	for _, p := range []PeerCheck{{Resolver: Hosts{"127.0.0.1": {"localhost"}}}, {Scheme: SchemeOpenSSL}} {
		require.ErrorContains(t, accept(p, untrusted), "is not trusted")
		require.ErrorContains(t, accept(p), "certificate")
	}
}

// The verification depth bounds the CA certificates between the peer's
// and a trusted one, as OpenSSL counts them: a leaf the root signed is at
// depth 0, one signed by an intermediate the root signed at depth 1.
func TestVerificationDepthBoundsTheChain(t *testing.T) {
	root := newTestCA(t)
	first := root.sub(t, "first intermediate")
	second := first.sub(t, "second intermediate")
	leaf := second.leaf(t, x509.Certificate{IPAddresses: loopback})
	presented := []*x509.Certificate{leaf.Leaf, second.cert, first.cert}
	check := func(depth int) error {
		p := PeerCheck{Roots: root.pool, Resolver: Hosts{}, VerifyIPAdd: true, Depth: depth}
		return p.verifyServer(tls.ConnectionState{ServerName: "127.0.0.1", PeerCertificates: presented})
	}
	require.NoError(t, check(2))
	require.NoError(t, check(4), "libprocess's default")
	require.NoError(t, check(-1), "no bound")
	err := check(1)
	require.ErrorContains(t, err, "2 CA certificate(s) away from a trusted one")
	require.ErrorContains(t, err, "verification depth (1)")

	direct := root.leaf(t, x509.Certificate{IPAddresses: loopback})
	p := PeerCheck{Roots: root.pool, Resolver: Hosts{}, VerifyIPAdd: true}
	require.NoError(t, serverCheck(p, direct, "127.0.0.1"), "depth 0 takes a leaf the root signed")
}
