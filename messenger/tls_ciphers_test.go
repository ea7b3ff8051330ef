//go:build !mesosshim_notls

package messenger

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/internal/tlsopt"
)

// rsaKeyPair writes a self-signed RSA certificate for 127.0.0.1 and its
// key: libprocess's default suites use RSA key exchange, which an ECDSA
// certificate cannot serve.
func rsaKeyPair(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600))
	return certFile, keyFile
}

// handshake runs a TLS handshake between client and server over loopback
// TCP and returns the suite agreed on, or each side's error.
func handshake(t *testing.T, client, server *tls.Config) (suite uint16, clientErr, serverErr error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	served := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			served <- err
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		served <- tls.Server(c, server).Handshake()
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	c.SetDeadline(time.Now().Add(10 * time.Second))
	tc := tls.Client(c, client)
	clientErr = tc.Handshake()
	suite = tc.ConnectionState().CipherSuite
	c.Close() // a server waiting for the client's next flight gives up
	return suite, clientErr, <-served
}

// libprocessServerSide is a server as an agent on libprocess's default
// settings, in Go terms: TLS 1.2, the one AES128-SHA suite (AES256-SHA
// aside, the only one of its list Go has), an RSA certificate.
func libprocessServerSide(t *testing.T, certFile, keyFile string) *tls.Config {
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	require.NoError(t, err)
	return &tls.Config{
		MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12,
		CipherSuites: []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA},
		Certificates: []tls.Certificate{pair},
	}
}

// Without CIPHERS, the client configuration (legacy messenger and v1 HTTPS
// wire alike) reaches an agent on libprocess's default cipher list, whose
// only suites Go implements use RSA key exchange.
func TestTLSDefaultCiphersReachALibprocessAgent(t *testing.T) {
	certFile, keyFile := rsaKeyPair(t)
	client, err := ClientTLSFromEnv(getenvFrom(map[string]string{"LIBPROCESS_SSL_ENABLED": "true"}))
	require.NoError(t, err)
	suite, clientErr, serverErr := handshake(t, client, libprocessServerSide(t, certFile, keyFile))
	require.NoError(t, clientErr)
	require.NoError(t, serverErr)
	require.Equal(t, tls.TLS_RSA_WITH_AES_128_CBC_SHA, suite)
}

// Without CIPHERS, the messenger's listener accepts an agent dialling it
// with libprocess's default cipher list.
func TestTLSDefaultCiphersAcceptALibprocessAgent(t *testing.T) {
	certFile, keyFile := rsaKeyPair(t)
	var cfg Config
	require.NoError(t, cfg.ApplyEnv(getenvFrom(map[string]string{"LIBPROCESS_IP": "127.0.0.1", "LIBPROCESS_SSL_ENABLED": "1",
		"LIBPROCESS_SSL_CERT_FILE": certFile, "LIBPROCESS_SSL_KEY_FILE": keyFile}), nil))
	agent := &tls.Config{
		MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12, InsecureSkipVerify: true,
		CipherSuites: []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA},
	}
	suite, clientErr, serverErr := handshake(t, agent, cfg.TLS)
	require.NoError(t, clientErr)
	require.NoError(t, serverErr)
	require.Equal(t, tls.TLS_RSA_WITH_AES_128_CBC_SHA, suite)
	require.Equal(t, cfg.TLS.CipherSuites, cfg.ClientTLS.CipherSuites, "both sides follow the same list")
}

// Widening libprocess's default with Go's keeps peers with ECDSA
// certificates, which no suite of that default can serve, connecting.
func TestTLSDefaultCiphersKeepGoDefaults(t *testing.T) {
	pki := newTestPKI(t, "test")
	var cfg Config
	require.NoError(t, cfg.ApplyEnv(getenvFrom(pki.env()), nil))
	for _, s := range tls.CipherSuites() {
		if slices.Contains(s.SupportedVersions, tls.VersionTLS12) {
			require.Contains(t, cfg.ClientTLS.CipherSuites, s.ID, s.Name)
		}
	}
	_, clientErr, serverErr := handshake(t, tlsopt.ForHost(cfg.ClientTLS, "127.0.0.1"), cfg.TLS)
	require.NoError(t, clientErr)
	require.NoError(t, serverErr)
}

func TestTLSCipherNamesTranslate(t *testing.T) {
	for _, c := range []struct {
		ciphers string
		want    []uint16
	}{
		{"AES128-SHA", []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA}},
		{"ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305", []uint16{
			tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}},
		{"DHE-RSA-AES128-SHA, AES256-GCM-SHA384 RC4-SHA,AES256-GCM-SHA384", []uint16{tls.TLS_RSA_WITH_AES_256_GCM_SHA384}},
		{"ECDHE-RSA-AES256-SHA:ECDHE-ECDSA-AES128-SHA256", []uint16{
			tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256}},
	} {
		got, err := ClientTLSFromEnv(getenvFrom(map[string]string{"LIBPROCESS_SSL_ENABLED": "1", "LIBPROCESS_SSL_CIPHERS": c.ciphers}))
		require.NoError(t, err, c.ciphers)
		require.Equal(t, c.want, got.CipherSuites, c.ciphers)
	}
	got, err := ClientTLSFromEnv(getenvFrom(map[string]string{"SSL_ENABLED": "1", "SSL_CIPHERS": "AES256-SHA"}))
	require.NoError(t, err)
	require.Equal(t, []uint16{tls.TLS_RSA_WITH_AES_256_CBC_SHA}, got.CipherSuites, "pre-1.0 name")
}

// A list of names Go has none of is an error naming the variable, among
// the other problems of the environment.
func TestTLSCiphersGoCannotDoAreAnError(t *testing.T) {
	for _, name := range []string{"LIBPROCESS_SSL_CIPHERS", "SSL_CIPHERS"} {
		_, err := ClientTLSFromEnv(getenvFrom(map[string]string{"LIBPROCESS_SSL_ENABLED": "1",
			name: "RC4-SHA:DHE-RSA-AES128-SHA:DHE-DSS-AES256-SHA", "LIBPROCESS_SSL_VERIFY_CERT": "maybe"}))
		require.ErrorContains(t, err, name+`="RC4-SHA:DHE-RSA-AES128-SHA:DHE-DSS-AES256-SHA"`)
		require.ErrorContains(t, err, "LIBPROCESS_SSL_VERIFY_CERT")
	}
}

// A cipher string with OpenSSL keywords gives Go's defaults, the RSA
// key-exchange AES suites and the suites it names; such a client reaches
// an agent on either kind of suite.
func TestTLSCipherKeywordsGiveGoDefaultsAndRSAKeyExchange(t *testing.T) {
	client, err := ClientTLSFromEnv(getenvFrom(map[string]string{"LIBPROCESS_SSL_ENABLED": "1",
		"LIBPROCESS_SSL_CIPHERS": "HIGH:!aNULL:!MD5:-RC4-SHA:DES-CBC3-SHA:@STRENGTH"}))
	require.NoError(t, err)
	for _, id := range []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
		tls.TLS_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_RSA_WITH_AES_256_CBC_SHA, tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA} {
		require.Contains(t, client.CipherSuites, id, tls.CipherSuiteName(id))
	}
	require.NotContains(t, client.CipherSuites, tls.TLS_RSA_WITH_RC4_128_SHA)

	certFile, keyFile := rsaKeyPair(t)
	for _, id := range []uint16{tls.TLS_RSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256} {
		server := libprocessServerSide(t, certFile, keyFile)
		server.CipherSuites = []uint16{id}
		suite, clientErr, serverErr := handshake(t, client, server)
		require.NoError(t, clientErr, tls.CipherSuiteName(id))
		require.NoError(t, serverErr, tls.CipherSuiteName(id))
		require.Equal(t, id, suite)
	}
}

func TestSplitCipherString(t *testing.T) {
	names, keywords := splitCipherString("AES128-SHA:HIGH:!aNULL,kEECDH+AESGCM -DES-CBC3-SHA @SECLEVEL=1 ECDHE-RSA-AES128-SHA::")
	require.Equal(t, []string{"AES128-SHA", "ECDHE-RSA-AES128-SHA"}, names)
	require.Equal(t, []string{"HIGH", "!aNULL", "kEECDH+AESGCM", "-DES-CBC3-SHA", "@SECLEVEL=1"}, keywords)
}
