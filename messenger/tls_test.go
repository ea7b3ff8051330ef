//go:build !mesosshim_notls

package messenger

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/internal/tlsopt"
)

// The peers of these tests are all at 127.0.0.1, which reverse lookups
// for libprocess's legacy hostname validation find as localhost here,
// whatever the machine's resolver would say.
func init() { tlsopt.SetResolver(tlsopt.Hosts{"127.0.0.1": {"localhost"}}) }

// reverseDNS makes hosts answer the lookups of certificate verification
// until the test ends.
func reverseDNS(t *testing.T, hosts tlsopt.Hosts) {
	previous := tlsopt.SetResolver(hosts)
	t.Cleanup(func() { tlsopt.SetResolver(previous) })
}

// testPKI is a throwaway CA and a leaf it signed, as PEM files.
type testPKI struct {
	caFile, certFile, keyFile string
	ca                        *x509.Certificate
}

// newTestPKI makes a leaf for localhost at 127.0.0.1, named so both as a
// DNS name and an IP address, with 127.0.0.1 as its common name.
func newTestPKI(t *testing.T, name string) testPKI {
	t.Helper()
	return newTestPKINamed(t, name, pkix.Name{CommonName: "127.0.0.1"}, []string{"localhost"}, []net.IP{net.IPv4(127, 0, 0, 1)})
}

// newTestPKINamed makes a leaf with the names given.
func newTestPKINamed(t *testing.T, name string, subject pkix.Name, dnsNames []string, ips []net.IP) testPKI {
	t.Helper()
	dir := t.TempDir()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name + " CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	require.NoError(t, err)
	ca, err := x509.ParseCertificate(caDER)
	require.NoError(t, err)
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	leafTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: subject,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: dnsNames, IPAddresses: ips,
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, &leafKey.PublicKey, caKey)
	require.NoError(t, err)
	keyDER, err := x509.MarshalECPrivateKey(leafKey)
	require.NoError(t, err)
	p := testPKI{caFile: filepath.Join(dir, "ca.pem"), certFile: filepath.Join(dir, "cert.pem"), keyFile: filepath.Join(dir, "key.pem"), ca: ca}
	write := func(path, typ string, der []byte) {
		require.NoError(t, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600))
	}
	write(p.caFile, "CERTIFICATE", caDER)
	write(p.certFile, "CERTIFICATE", leafDER)
	write(p.keyFile, "EC PRIVATE KEY", keyDER)
	return p
}

// env is the environment of a process using p, with extra variables.
func (p testPKI) env(extra ...string) map[string]string {
	env := map[string]string{
		"LIBPROCESS_IP":                      "127.0.0.1",
		"LIBPROCESS_SSL_ENABLED":             "true",
		"LIBPROCESS_SSL_CERT_FILE":           p.certFile,
		"LIBPROCESS_SSL_KEY_FILE":            p.keyFile,
		"LIBPROCESS_SSL_CA_FILE":             p.caFile,
		"LIBPROCESS_SSL_VERIFY_SERVER_CERT":  "true",
		"LIBPROCESS_SSL_REQUIRE_CLIENT_CERT": "true",
	}
	for i := 0; i+1 < len(extra); i += 2 {
		env[extra[i]] = extra[i+1]
	}
	return env
}

func getenvFrom(env map[string]string) func(string) string {
	return func(k string) string { return env[k] }
}

// tlsConfig is in's config for id with the TLS fields ApplyEnv sets from env.
func tlsConfig(t *testing.T, in *inbox, id string, env map[string]string) Config {
	t.Helper()
	cfg := in.config(id)
	require.NoError(t, cfg.ApplyEnv(getenvFrom(env), nil))
	require.NotNil(t, cfg.TLS)
	return cfg
}

func requireNothingDelivered(t *testing.T, in *inbox) {
	t.Helper()
	select {
	case m := <-in.msgs:
		t.Fatalf("%s from %s delivered", m.Name, m.From)
	default:
	}
}

func TestTLSMessengersExchangeMessagesBothWays(t *testing.T) {
	pki := newTestPKI(t, "test")
	agentBox, execBox := newInbox(), newInbox()
	agent := startMessenger(t, tlsConfig(t, agentBox, "slave(1)", pki.env()))
	exec := startMessenger(t, tlsConfig(t, execBox, "executor(1)", pki.env()))

	require.NoError(t, exec.Link(agent.UPID()))
	require.NoError(t, exec.Send(Message{To: agent.UPID(), Name: "over.the.link", Body: []byte("1")}))
	m := agentBox.next(t)
	require.Equal(t, "over.the.link", m.Name)
	require.Equal(t, exec.UPID(), m.From)
	require.NoError(t, agent.Send(Message{To: exec.UPID(), Name: "temporary", Body: []byte("2")}))
	m = execBox.next(t)
	require.Equal(t, "temporary", m.Name)
	require.Equal(t, "2", string(m.Body))
	require.Equal(t, "127.0.0.1", exec.UPID().Host, "the advertised UPID is unchanged")
}

// A plaintext sender cannot reach a TLS listener without downgrade, and the
// listener goes on serving TLS senders.
func TestTLSListenerRefusesPlaintextAndKeepsServing(t *testing.T) {
	pki := newTestPKI(t, "test")
	agentBox, plainBox, tlsBox := newInbox(), newInbox(), newInbox()
	agent := startMessenger(t, tlsConfig(t, agentBox, "slave(1)", pki.env()))
	plain := startMessenger(t, plainBox.config("executor(1)"))
	require.NoError(t, plain.Link(agent.UPID()))
	require.NoError(t, plain.Send(Message{To: agent.UPID(), Name: "plain"}))
	require.Equal(t, agent.UPID(), plainBox.nextExit(t))
	require.Contains(t, agentBox.nextRejection(t).Reason, "TLS handshake")
	requireNothingDelivered(t, agentBox)

	secure := startMessenger(t, tlsConfig(t, tlsBox, "executor(2)", pki.env()))
	require.NoError(t, secure.Send(Message{To: agent.UPID(), Name: "secure"}))
	require.Equal(t, "secure", agentBox.next(t).Name)
}

func TestTLSWrongCAFailsTheLink(t *testing.T) {
	agentPKI, execPKI := newTestPKI(t, "agent"), newTestPKI(t, "exec")
	agentBox, execBox := newInbox(), newInbox()
	agent := startMessenger(t, tlsConfig(t, agentBox, "slave(1)", agentPKI.env("LIBPROCESS_SSL_REQUIRE_CLIENT_CERT", "false")))
	exec := startMessenger(t, tlsConfig(t, execBox, "executor(1)", execPKI.env()))
	require.NoError(t, exec.Link(agent.UPID()))
	require.NoError(t, exec.Send(Message{To: agent.UPID(), Name: "never"}))
	require.Equal(t, agent.UPID(), execBox.nextExit(t))
	require.Contains(t, agentBox.nextRejection(t).Reason, "bad certificate", "the client refused the agent's certificate")
	requireNothingDelivered(t, agentBox)
}

// The executor verifies the agent's certificate as libprocess does, by
// the name a reverse lookup of the agent's address finds (the legacy
// scheme, the default), not by the address dialled: a certificate that
// names only localhost is good for an agent at 127.0.0.1 found as
// localhost, not for one found under another name.
func TestTLSVerifiesTheAgentByTheNameItsAddressHas(t *testing.T) {
	pki := newTestPKINamed(t, "test", pkix.Name{CommonName: "agent"}, []string{"localhost"}, nil)
	for _, found := range []string{"localhost", "other.example"} {
		t.Run(found, func(t *testing.T) {
			reverseDNS(t, tlsopt.Hosts{"127.0.0.1": {found}})
			requireLink(t, found == "localhost", pki.env("LIBPROCESS_SSL_REQUIRE_CLIENT_CERT", "false"), pki.env())
		})
	}
}

// With VERIFY_IPADD the agent's address may match an IP address the
// certificate names, when the name found does not match.
func TestTLSVerifyIPAddAcceptsTheAgentsAddress(t *testing.T) {
	pki := newTestPKINamed(t, "test", pkix.Name{CommonName: "agent"}, []string{"agent.example"}, []net.IP{net.IPv4(127, 0, 0, 1)})
	reverseDNS(t, tlsopt.Hosts{"127.0.0.1": {"other.example"}})
	agentEnv := pki.env("LIBPROCESS_SSL_REQUIRE_CLIENT_CERT", "false")
	requireLink(t, false, agentEnv, pki.env())
	requireLink(t, true, agentEnv, pki.env("LIBPROCESS_SSL_VERIFY_IPADD", "true"))
}

// The openssl scheme matches the address dialled, an agent's UPID holding
// no host name, and only with VERIFY_IPADD.
func TestTLSOpenSSLSchemeMatchesTheAddressDialled(t *testing.T) {
	pki := newTestPKI(t, "test")
	agentEnv := pki.env("LIBPROCESS_SSL_REQUIRE_CLIENT_CERT", "false")
	requireLink(t, false, agentEnv, pki.env("LIBPROCESS_SSL_HOSTNAME_VALIDATION_SCHEME", "openssl"))
	requireLink(t, true, agentEnv, pki.env("LIBPROCESS_SSL_HOSTNAME_VALIDATION_SCHEME", "openssl", "LIBPROCESS_SSL_VERIFY_IPADD", "1"))
}

// Requiring client certificates, the agent (any libprocess server) matches
// the executor's certificate against the name a reverse lookup of its
// address finds, under the legacy scheme; under the openssl scheme the
// chain is enough.
func TestTLSRequireClientCertMatchesTheClientsName(t *testing.T) {
	pki := newTestPKINamed(t, "test", pkix.Name{CommonName: "executor"}, []string{"localhost"}, nil)
	agentEnv := pki.env()
	execEnv := pki.env("LIBPROCESS_SSL_VERIFY_SERVER_CERT", "false", "LIBPROCESS_SSL_REQUIRE_CLIENT_CERT", "false")
	requireAccepted(t, true, agentEnv, execEnv)
	reverseDNS(t, tlsopt.Hosts{"127.0.0.1": {"other.example"}})
	requireAccepted(t, false, agentEnv, execEnv)
	requireAccepted(t, true, pki.env("LIBPROCESS_SSL_HOSTNAME_VALIDATION_SCHEME", "openssl"), execEnv)
}

// requireAccepted sends a message from an executor with execEnv to an
// agent with agentEnv, which the agent accepts if ok, or else refuses for
// the executor's certificate.
func requireAccepted(t *testing.T, ok bool, agentEnv, execEnv map[string]string) {
	t.Helper()
	agentBox, execBox := newInbox(), newInbox()
	agent := startMessenger(t, tlsConfig(t, agentBox, "slave(1)", agentEnv))
	exec := startMessenger(t, tlsConfig(t, execBox, "executor(1)", execEnv))
	require.NoError(t, exec.Send(Message{To: agent.UPID(), Name: "hello"}))
	if ok {
		require.Equal(t, "hello", agentBox.next(t).Name)
		return
	}
	require.Contains(t, agentBox.nextRejection(t).Reason, `does not name host name "other.example"`)
	requireNothingDelivered(t, agentBox)
}

// requireLink links an executor with execEnv to an agent with agentEnv,
// and sends it a message, which arrives if ok; else the link breaks, the
// agent told that the executor refused its certificate.
func requireLink(t *testing.T, ok bool, agentEnv, execEnv map[string]string) {
	t.Helper()
	agentBox, execBox := newInbox(), newInbox()
	agent := startMessenger(t, tlsConfig(t, agentBox, "slave(1)", agentEnv))
	exec := startMessenger(t, tlsConfig(t, execBox, "executor(1)", execEnv))
	require.NoError(t, exec.Link(agent.UPID()))
	require.NoError(t, exec.Send(Message{To: agent.UPID(), Name: "hello"}))
	if ok {
		require.Equal(t, "hello", agentBox.next(t).Name)
		return
	}
	require.Equal(t, agent.UPID(), execBox.nextExit(t))
	require.Contains(t, agentBox.nextRejection(t).Reason, "bad certificate")
	requireNothingDelivered(t, agentBox)
}

func TestTLSRequireClientCertRefusesAClientWithout(t *testing.T) {
	pki := newTestPKI(t, "test")
	agentBox, execBox := newInbox(), newInbox()
	agent := startMessenger(t, tlsConfig(t, agentBox, "slave(1)", pki.env()))
	cfg := tlsConfig(t, execBox, "executor(1)", pki.env())
	cfg.ClientTLS.Certificates = nil
	exec := startMessenger(t, cfg)
	require.NoError(t, exec.Link(agent.UPID()))
	require.NoError(t, exec.Send(Message{To: agent.UPID(), Name: "never"}))
	require.Equal(t, agent.UPID(), execBox.nextExit(t))
	require.Contains(t, agentBox.nextRejection(t).Reason, "certificate")
	requireNothingDelivered(t, agentBox)
}

func TestTLSDowngradeListenerAcceptsPlaintextAndTLS(t *testing.T) {
	pki := newTestPKI(t, "test")
	agentBox, plainBox, tlsBox := newInbox(), newInbox(), newInbox()
	cfg := tlsConfig(t, agentBox, "slave(1)", pki.env("SSL_SUPPORT_DOWNGRADE", "1"))
	require.True(t, cfg.AcceptPlaintext)
	agent := startMessenger(t, cfg)
	plain := startMessenger(t, plainBox.config("executor(1)"))
	secure := startMessenger(t, tlsConfig(t, tlsBox, "executor(2)", pki.env()))

	require.NoError(t, plain.Link(agent.UPID()))
	require.NoError(t, plain.Send(Message{To: agent.UPID(), Name: "plain"}))
	require.Equal(t, "plain", agentBox.next(t).Name)
	require.NoError(t, secure.Link(agent.UPID()))
	require.NoError(t, secure.Send(Message{To: agent.UPID(), Name: "secure"}))
	require.Equal(t, "secure", agentBox.next(t).Name)
	select {
	case r := <-agentBox.rejected:
		t.Fatalf("rejected: %+v", r)
	default:
	}
}

// With downgrade, a TLS dialer whose handshake fails reaches a plaintext
// listener in plaintext; without it the link fails.
func TestTLSDowngradeDialerRetriesInPlaintext(t *testing.T) {
	pki := newTestPKI(t, "test")
	for _, downgrade := range []bool{true, false} {
		agentBox, execBox := newInbox(), newInbox()
		agent := startMessenger(t, agentBox.config("slave(1)"))
		env := pki.env()
		if downgrade {
			env["LIBPROCESS_SSL_SUPPORT_DOWNGRADE"] = "true"
		}
		exec := startMessenger(t, tlsConfig(t, execBox, "executor(1)", env))
		require.NoError(t, exec.Link(agent.UPID()))
		require.NoError(t, exec.Send(Message{To: agent.UPID(), Name: "hello"}))
		if downgrade {
			require.Equal(t, "hello", agentBox.next(t).Name)
		} else {
			require.Equal(t, agent.UPID(), execBox.nextExit(t))
			requireNothingDelivered(t, agentBox)
		}
	}
}

// A client that connects and never sends a byte blocks neither the accept
// loop nor other connections, with or without downgrade detection.
func TestTLSSilentClientDoesNotBlockOthers(t *testing.T) {
	pki := newTestPKI(t, "test")
	for _, downgrade := range []string{"true", "false"} {
		agentBox, execBox := newInbox(), newInbox()
		agent := startMessenger(t, tlsConfig(t, agentBox, "slave(1)", pki.env("LIBPROCESS_SSL_SUPPORT_DOWNGRADE", downgrade)))
		silent, err := net.Dial("tcp", agent.Addr().String())
		require.NoError(t, err)
		defer silent.Close()
		exec := startMessenger(t, tlsConfig(t, execBox, "executor(1)", pki.env()))
		require.NoError(t, exec.Send(Message{To: agent.UPID(), Name: "through"}))
		require.Equal(t, "through", agentBox.next(t).Name, "downgrade=%s", downgrade)
	}
}

func TestLooksLikeTLS(t *testing.T) {
	for _, c := range []struct {
		head []byte
		tls  bool
	}{
		{[]byte("POST /"), false},
		{[]byte{0x16, 0x03, 0x01, 0x02, 0x00, 0x01}, true},
		{[]byte{0x16, 0x03, 0x01, 0x02, 0x00, 0x02}, false}, // not a ClientHello
		{[]byte{0x80, 0x2e, 0x01, 0x03, 0x01, 0x00}, true},  // SSLv2 ClientHello
		{[]byte{0x16, 0x03}, false},
	} {
		require.Equal(t, c.tls, looksLikeTLS(c.head), "% x", c.head)
	}
}

func TestApplyEnvReadsTheSSLVariables(t *testing.T) {
	pki := newTestPKI(t, "test")
	want := x509.NewCertPool()
	want.AddCert(pki.ca)

	var off Config
	require.NoError(t, off.ApplyEnv(getenvFrom(map[string]string{"LIBPROCESS_IP": "127.0.0.1"}), nil))
	require.Nil(t, off.TLS)
	require.Nil(t, off.ClientTLS)
	require.False(t, off.AcceptPlaintext)

	for name, env := range map[string]map[string]string{
		"LIBPROCESS_SSL_": {
			"LIBPROCESS_IP": "127.0.0.1", "LIBPROCESS_SSL_ENABLED": "1",
			"LIBPROCESS_SSL_CERT_FILE": pki.certFile, "LIBPROCESS_SSL_KEY_FILE": pki.keyFile,
			"LIBPROCESS_SSL_CA_FILE": pki.caFile, "LIBPROCESS_SSL_VERIFY_SERVER_CERT": "true",
			"LIBPROCESS_SSL_REQUIRE_CLIENT_CERT": "true", "LIBPROCESS_SSL_SUPPORT_DOWNGRADE": "true",
			"LIBPROCESS_SSL_ENABLE_TLS_V1_3": "true",
			"SSL_SUPPORT_DOWNGRADE":          "false", // LIBPROCESS_SSL_ wins
		},
		"SSL_ (pre-1.0) and pre-1.10 names": {
			"LIBPROCESS_IP": "127.0.0.1", "SSL_ENABLED": "true",
			"SSL_CERT_FILE": pki.certFile, "SSL_KEY_FILE": pki.keyFile,
			"SSL_CA_DIR": filepath.Dir(pki.caFile), "SSL_VERIFY_CERT": "1",
			"SSL_REQUIRE_CERT": "1", "SSL_SUPPORT_DOWNGRADE": "1", "SSL_ENABLE_TLS_V1_3": "1",
		},
	} {
		var c Config
		require.NoError(t, c.ApplyEnv(getenvFrom(env), nil), name)
		require.NotNil(t, c.TLS, name)
		require.Len(t, c.TLS.Certificates, 1, name)
		require.Equal(t, tls.RequireAnyClientCert, c.TLS.ClientAuth, "%s: crypto/tls's check is replaced", name)
		require.NotNil(t, c.TLS.GetConfigForClient, "%s: by libprocess's", name)
		require.Equal(t, uint16(tls.VersionTLS13), c.TLS.MaxVersion, name)
		require.NotNil(t, c.ClientTLS, name)
		require.True(t, c.ClientTLS.InsecureSkipVerify, "%s: crypto/tls's check is replaced", name)
		require.NotNil(t, c.ClientTLS.VerifyConnection, "%s: by libprocess's", name)
		require.Len(t, c.ClientTLS.Certificates, 1, name)
		require.Equal(t, uint16(tls.VersionTLS13), c.ClientTLS.MaxVersion, name)
		require.True(t, c.AcceptPlaintext, name)
		if name == "LIBPROCESS_SSL_" {
			require.True(t, want.Equal(c.ClientTLS.RootCAs), name)
			require.True(t, want.Equal(c.TLS.ClientCAs), name)
		} else { // the CA directory also holds the leaf certificate
			require.NotNil(t, c.ClientTLS.RootCAs, name)
		}
	}

	// Defaults: TLS 1.2 only, no verification either way, no downgrade.
	var c Config
	require.NoError(t, c.ApplyEnv(getenvFrom(map[string]string{"LIBPROCESS_IP": "127.0.0.1", "LIBPROCESS_SSL_ENABLED": "true",
		"LIBPROCESS_SSL_CERT_FILE": pki.certFile, "LIBPROCESS_SSL_KEY_FILE": pki.keyFile}), nil))
	require.Equal(t, uint16(tls.VersionTLS12), c.TLS.MaxVersion)
	require.Equal(t, uint16(tls.VersionTLS12), c.ClientTLS.MaxVersion)
	require.Equal(t, tls.NoClientCert, c.TLS.ClientAuth)
	require.True(t, c.ClientTLS.InsecureSkipVerify)
	require.Nil(t, c.ClientTLS.VerifyConnection)
	require.False(t, c.AcceptPlaintext)
	require.Equal(t, netip.MustParseAddr("127.0.0.1"), c.BindIP)
}

// As libprocess, requiring clients' certificates implies verifying
// servers', under either name.
func TestRequireClientCertImpliesVerifyServerCert(t *testing.T) {
	for _, name := range []string{"LIBPROCESS_SSL_REQUIRE_CLIENT_CERT", "SSL_REQUIRE_CERT"} {
		cfg, err := ClientTLSFromEnv(getenvFrom(map[string]string{"LIBPROCESS_SSL_ENABLED": "1", name: "1"}))
		require.NoError(t, err)
		require.NotNil(t, cfg.VerifyConnection, name)
	}
	cfg, err := ClientTLSFromEnv(getenvFrom(map[string]string{"LIBPROCESS_SSL_ENABLED": "1", "LIBPROCESS_SSL_REQUIRE_CLIENT_CERT": "0"}))
	require.NoError(t, err)
	require.Nil(t, cfg.VerifyConnection)
}

func TestApplyEnvReportsSSLProblemsByName(t *testing.T) {
	var c Config
	err := c.ApplyEnv(getenvFrom(map[string]string{"LIBPROCESS_IP": "127.0.0.1", "LIBPROCESS_SSL_ENABLED": "1"}), nil)
	require.ErrorContains(t, err, "LIBPROCESS_SSL_CERT_FILE")
	require.ErrorContains(t, err, "LIBPROCESS_SSL_KEY_FILE")

	err = c.ApplyEnv(getenvFrom(map[string]string{"LIBPROCESS_IP": "nope", "SSL_ENABLED": "1",
		"SSL_CERT_FILE": "/nonexistent.pem", "SSL_KEY_FILE": "/nonexistent.key",
		"LIBPROCESS_SSL_CA_DIR": "/nonexistent", "LIBPROCESS_SSL_VERIFY_CERT": "maybe",
		"SSL_HOSTNAME_VALIDATION_SCHEME": "OpenSSL", "LIBPROCESS_SSL_VERIFY_IPADD": "sometimes"}), nil)
	for _, name := range []string{"LIBPROCESS_IP", "SSL_CERT_FILE", "SSL_KEY_FILE", "LIBPROCESS_SSL_CA_DIR", "LIBPROCESS_SSL_VERIFY_CERT",
		"SSL_HOSTNAME_VALIDATION_SCHEME", "LIBPROCESS_SSL_VERIFY_IPADD"} {
		require.ErrorContains(t, err, name)
	}
	require.Nil(t, c.TLS, "no TLS config from a broken environment")
}
