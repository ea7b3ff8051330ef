package messenger

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mesos-shim/executor/logging"
)

// DefaultHandshakeTimeout bounds, on an accepted connection, the wait for
// the first bytes (downgrade detection) and the TLS handshake.
const DefaultHandshakeTimeout = 10 * time.Second

// The prefixes of the SSL variables (PROTOCOL.md §1.6): libprocess reads
// LIBPROCESS_SSL_<name> and, since before 1.0, SSL_<name>; the first wins.
const (
	EnvSSLPrefix       = "LIBPROCESS_SSL_"
	EnvSSLLegacyPrefix = "SSL_"
)

// sslEnv reads the SSL variables through getenv, collecting every problem.
type sslEnv struct {
	getenv   func(string) string
	problems []error
}

// lookup returns the value of the first set variable among names, each
// tried with both prefixes, and the full name it was read from.
func (e *sslEnv) lookup(names ...string) (value, name string) {
	for _, n := range names {
		for _, p := range []string{EnvSSLPrefix, EnvSSLLegacyPrefix} {
			if v := e.getenv(p + n); v != "" {
				return v, p + n
			}
		}
	}
	return "", EnvSSLPrefix + names[0]
}

func (e *sslEnv) flag(names ...string) bool {
	v, name := e.lookup(names...)
	switch strings.ToLower(v) {
	case "", "0", "false", "no":
		return false
	case "1", "true", "yes":
		return true
	}
	e.problems = append(e.problems, fmt.Errorf("%s=%q is not a boolean", name, v))
	return false
}

// sslSettings is what the SSL variables ask for.
type sslSettings struct {
	enabled       bool
	cert          *tls.Certificate // nil: none given (or unloadable)
	roots         *x509.CertPool   // nil: the system's
	verifyServer  bool
	requireClient bool
	downgrade     bool
	maxVersion    uint16
}

// readSSLEnv parses the SSL variables. needCert reports a missing
// certificate or key, which a listening server cannot do without.
func readSSLEnv(getenv func(string) string, needCert bool) (sslSettings, error) {
	e := &sslEnv{getenv: getenv}
	var s sslSettings
	if getenv == nil {
		return s, nil
	}
	if s.enabled = e.flag("ENABLED"); !s.enabled {
		return s, errors.Join(e.problems...)
	}
	cert, certName := e.lookup("CERT_FILE")
	key, keyName := e.lookup("KEY_FILE")
	switch {
	case cert != "" && key != "":
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			e.problems = append(e.problems, fmt.Errorf("%s=%q, %s=%q: %w", certName, cert, keyName, key, err))
		} else {
			s.cert = &pair
		}
	case needCert || cert != "" || key != "":
		var missing []string
		if cert == "" {
			missing = append(missing, certName)
		}
		if key == "" {
			missing = append(missing, keyName)
		}
		e.problems = append(e.problems, fmt.Errorf("%s is set but %s is not", EnvSSLPrefix+"ENABLED", strings.Join(missing, " and ")))
	}
	caFile, caFileName := e.lookup("CA_FILE")
	caDir, caDirName := e.lookup("CA_DIR")
	s.roots = e.caPool(caFile, caFileName, caDir, caDirName)
	s.verifyServer = e.flag("VERIFY_SERVER_CERT", "VERIFY_CERT")
	s.requireClient = e.flag("REQUIRE_CLIENT_CERT", "REQUIRE_CERT")
	s.downgrade = e.flag("SUPPORT_DOWNGRADE")
	s.maxVersion = tls.VersionTLS12 // libprocess enables only TLS 1.2 by default
	if e.flag("ENABLE_TLS_V1_3") {
		s.maxVersion = tls.VersionTLS13
	}
	return s, errors.Join(e.problems...)
}

// caPool loads the CA file and every file in the CA directory; nil (the
// system's roots) when neither is given.
func (e *sslEnv) caPool(file, fileName, dir, dirName string) *x509.CertPool {
	if file == "" && dir == "" {
		return nil
	}
	pool := x509.NewCertPool()
	load := func(name, path string) {
		pem, err := os.ReadFile(path)
		if err != nil {
			e.problems = append(e.problems, fmt.Errorf("%s: %w", name, err))
			return
		}
		if !pool.AppendCertsFromPEM(pem) && name == fileName {
			e.problems = append(e.problems, fmt.Errorf("%s=%q: no PEM certificate in it", name, path))
		}
	}
	if file != "" {
		load(fileName, file)
	}
	if dir != "" {
		entries, err := os.ReadDir(dir)
		if err != nil {
			e.problems = append(e.problems, fmt.Errorf("%s: %w", dirName, err))
		}
		for _, ent := range entries {
			if !ent.IsDir() {
				load(dirName, filepath.Join(dir, ent.Name()))
			}
		}
	}
	return pool
}

func (s *sslSettings) client() *tls.Config {
	cfg := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		MaxVersion:         s.maxVersion,
		RootCAs:            s.roots,
		InsecureSkipVerify: !s.verifyServer, // as libprocess: verify only when asked
	}
	if s.cert != nil {
		cfg.Certificates = []tls.Certificate{*s.cert}
	}
	return cfg
}

func (s *sslSettings) server() *tls.Config {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, MaxVersion: s.maxVersion, ClientCAs: s.roots}
	if s.cert != nil {
		cfg.Certificates = []tls.Certificate{*s.cert}
	}
	if s.requireClient {
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return cfg
}

// ClientTLSFromEnv builds the TLS configuration libprocess would use to
// connect, from the LIBPROCESS_SSL_* (or SSL_*) variables read through
// getenv, or nil when SSL is not enabled. As libprocess, it verifies the
// server's certificate only when asked (VERIFY_CERT, VERIFY_SERVER_CERT
// since 1.10); a certificate and key, if given, are presented to servers.
// Every problem is reported in one error, each by variable name.
func ClientTLSFromEnv(getenv func(string) string) (*tls.Config, error) {
	s, err := readSSLEnv(getenv, false)
	if err != nil || !s.enabled {
		return nil, err
	}
	return s.client(), nil
}

// applySSLEnv sets TLS, ClientTLS and AcceptPlaintext from the SSL
// variables; with SSL disabled it clears them.
func (c *Config) applySSLEnv(getenv func(string) string) error {
	s, err := readSSLEnv(getenv, true)
	c.TLS, c.ClientTLS, c.AcceptPlaintext = nil, nil, false
	if err != nil || !s.enabled {
		return err
	}
	c.TLS, c.ClientTLS, c.AcceptPlaintext = s.server(), s.client(), s.downgrade
	return nil
}

// looksLikeTLS tells, from up to the first 6 bytes a client sent, whether it
// starts a TLS (or SSLv2-compatible) handshake, as libprocess decides when
// downgrade is supported (PROTOCOL.md §1.6).
func looksLikeTLS(b []byte) bool {
	if len(b) < 3 {
		return false
	}
	if b[0]&0x80 != 0 && b[2] == 1 { // SSLv2 ClientHello
		return true
	}
	return b[0] == 0x16 && b[1] == 0x03 && (len(b) < 6 || b[5] == 0x01)
}

// peekedConn is a connection whose first bytes were peeked.
type peekedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *peekedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

func (c *peekedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// secureAccepted returns the connection to read requests from: c itself
// without TLS, otherwise the TLS server side after its handshake, or c as
// is if downgrade is allowed and the client speaks plaintext. It runs on
// the connection's own goroutine; both the peek and the handshake are
// bounded by DefaultHandshakeTimeout.
func (m *Messenger) secureAccepted(c net.Conn) (net.Conn, error) {
	if m.cfg.TLS == nil {
		return c, nil
	}
	c.SetDeadline(time.Now().Add(DefaultHandshakeTimeout))
	defer c.SetDeadline(time.Time{})
	conn := c
	if m.cfg.AcceptPlaintext {
		br := bufio.NewReaderSize(c, 512)
		head, err := br.Peek(6)
		if len(head) == 0 {
			return nil, fmt.Errorf("nothing received: %w", err)
		}
		conn = &peekedConn{Conn: c, r: br}
		if !looksLikeTLS(head) {
			logging.V(1).Infof("messenger: %s: plaintext connection from %s accepted (downgrade)", m.self, c.RemoteAddr())
			return conn, nil
		}
	}
	tc := tls.Server(conn, m.cfg.TLS)
	if err := tc.Handshake(); err != nil {
		return nil, fmt.Errorf("TLS handshake: %w", err)
	}
	return tc, nil
}

// dial opens a connection to addr, over TLS when ClientTLS is set. If
// the handshake fails and AcceptPlaintext (downgrade) is set, it connects
// once more in plaintext.
func (m *Messenger) dial(addr string) (net.Conn, error) {
	raw, err := m.dialPlain(addr)
	if err != nil || m.cfg.ClientTLS == nil {
		return raw, err
	}
	cfg := m.cfg.ClientTLS
	if cfg.ServerName == "" && !cfg.InsecureSkipVerify {
		if host, _, err := net.SplitHostPort(addr); err == nil {
			cfg = cfg.Clone()
			cfg.ServerName = host
		}
	}
	timeout := m.cfg.DialTimeout
	if timeout == 0 {
		timeout = DefaultDialTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	tc := tls.Client(raw, cfg)
	herr := tc.HandshakeContext(ctx)
	if herr == nil {
		return tc, nil
	}
	raw.Close()
	if !m.cfg.AcceptPlaintext {
		return nil, fmt.Errorf("TLS handshake: %w", herr)
	}
	logging.Warningf("messenger: %s: TLS handshake with %s failed (%v); retrying in plaintext (downgrade)", m.self, addr, herr)
	return m.dialPlain(addr)
}
