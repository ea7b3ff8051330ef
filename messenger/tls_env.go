//go:build !mesosshim_notls

package messenger

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/mesos-shim/executor/internal/tlsopt"
)

// sslSettings is what the SSL variables ask for.
type sslSettings struct {
	enabled       bool
	cert          *tls.Certificate // nil: none given (or unloadable)
	roots         *x509.CertPool   // nil: the system's
	verifyServer  bool
	requireClient bool
	scheme        string // HOSTNAME_VALIDATION_SCHEME: tlsopt.SchemeLegacy or SchemeOpenSSL
	verifyIPAdd   bool
	depth         int // VERIFICATION_DEPTH: CA certificates allowed between a peer's and a trusted one
	downgrade     bool
	minVersion    uint16
	maxVersion    uint16
	cipherSuites  []uint16 // TLS 1.2 suites from CIPHERS; nil after a problem
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
	s.requireClient = e.flag("REQUIRE_CLIENT_CERT", "REQUIRE_CERT")
	// libprocess has always made requiring client certificates imply
	// verifying servers' as well.
	s.verifyServer = e.flag("VERIFY_SERVER_CERT", "VERIFY_CERT") || s.requireClient
	s.scheme = e.scheme()
	s.verifyIPAdd = e.flag("VERIFY_IPADD")
	s.depth = e.verificationDepth()
	s.downgrade = e.flag("SUPPORT_DOWNGRADE")
	s.minVersion, s.maxVersion = e.versions()
	s.cipherSuites = e.cipherSuites()
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

// scheme reads HOSTNAME_VALIDATION_SCHEME, which libprocess takes as
// written: "legacy" (the default) or "openssl".
func (e *sslEnv) scheme() string {
	v, name := e.lookup("HOSTNAME_VALIDATION_SCHEME")
	switch v {
	case "":
		return tlsopt.SchemeLegacy
	case tlsopt.SchemeLegacy, tlsopt.SchemeOpenSSL:
		return v
	}
	e.problems = append(e.problems, fmt.Errorf("%s=%q is neither %q nor %q", name, v, tlsopt.SchemeLegacy, tlsopt.SchemeOpenSSL))
	return tlsopt.SchemeLegacy
}

// defaultVerificationDepth is libprocess's verification_depth.
const defaultVerificationDepth = 4

// verificationDepth reads VERIFICATION_DEPTH: how many CA certificates may
// stand between a peer's certificate and the trusted one, as OpenSSL's
// verify depth counts them.
func (e *sslEnv) verificationDepth() int {
	v, name := e.lookup("VERIFICATION_DEPTH")
	if v == "" {
		return defaultVerificationDepth
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		e.problems = append(e.problems, fmt.Errorf("%s=%q is not a number of certificates (0 or more)", name, v))
		return defaultVerificationDepth
	}
	return n
}

// tlsVersions are the protocol versions libprocess can enable, by the
// suffix of their ENABLE_ variable, oldest first, with whether it enables
// them by default.
var tlsVersions = []struct {
	flag    string
	version uint16 // 0: Go does not speak it
	on      bool
}{
	{"SSL_V3", 0, false},
	{"TLS_V1_0", tls.VersionTLS10, false},
	{"TLS_V1_1", tls.VersionTLS11, false},
	{"TLS_V1_2", tls.VersionTLS12, true},
	{"TLS_V1_3", tls.VersionTLS13, false},
}

// versions reads the ENABLE_ variables into the range of versions to
// speak: from the oldest enabled to the newest (crypto/tls takes a range,
// so a version disabled between two enabled ones is spoken too; an agent
// refuses it anyway). Only TLS 1.2 by default, as libprocess.
func (e *sslEnv) versions() (lowest, highest uint16) {
	var sslV3 bool
	for _, v := range tlsVersions {
		on := e.flagOr(v.on, "ENABLE_"+v.flag)
		switch {
		case !on:
		case v.version == 0:
			sslV3 = true
		case lowest == 0:
			lowest, highest = v.version, v.version
		default:
			highest = v.version
		}
	}
	if lowest == 0 {
		why := "every TLS version is disabled"
		if sslV3 {
			why = "only SSLv3 is enabled, which Go does not speak"
		}
		e.problems = append(e.problems, fmt.Errorf("%sENABLE_*: %s", EnvSSLPrefix, why))
		return tls.VersionTLS12, tls.VersionTLS12
	}
	return lowest, highest
}

// peerCheck is how libprocess would verify a peer's certificate.
func (s *sslSettings) peerCheck() *tlsopt.PeerCheck {
	return &tlsopt.PeerCheck{Roots: s.roots, Scheme: s.scheme, VerifyIPAdd: s.verifyIPAdd,
		RequireClientCert: s.requireClient, Depth: s.depth}
}

func (s *sslSettings) client() *tls.Config {
	cfg := &tls.Config{
		MinVersion:         s.minVersion,
		MaxVersion:         s.maxVersion,
		CipherSuites:       s.cipherSuites,
		RootCAs:            s.roots,
		InsecureSkipVerify: true, // as libprocess: verify only when asked
	}
	if s.cert != nil {
		cfg.Certificates = []tls.Certificate{*s.cert}
	}
	if s.verifyServer {
		// By libprocess's rules, not crypto/tls's: the agent's certificate
		// need not name the IP address dialled.
		return s.peerCheck().Client(cfg)
	}
	return cfg
}

func (s *sslSettings) server() *tls.Config {
	cfg := &tls.Config{MinVersion: s.minVersion, MaxVersion: s.maxVersion, CipherSuites: s.cipherSuites, ClientCAs: s.roots}
	if s.cert != nil {
		cfg.Certificates = []tls.Certificate{*s.cert}
	}
	if s.requireClient {
		// By libprocess's rules, which match the client's certificate
		// against the name of its address under the legacy scheme.
		return s.peerCheck().Server(cfg)
	}
	return cfg
}

// ClientTLSFromEnv builds the TLS configuration libprocess would use to
// connect, from the LIBPROCESS_SSL_* (or SSL_*) variables read through
// getenv, or nil when SSL is not enabled. As libprocess, it verifies the
// server's certificate only when asked (VERIFY_CERT, VERIFY_SERVER_CERT
// since 1.10, or REQUIRE_CERT, REQUIRE_CLIENT_CERT, which imply it), and
// then by libprocess's rules (tlsopt.PeerCheck):
// HOSTNAME_VALIDATION_SCHEME "legacy", the default, matches the name a
// reverse lookup of the server's address finds, and its address only with
// VERIFY_IPADD; "openssl" matches the host name dialled, or the address
// with VERIFY_IPADD. The messenger's and the driver's connections tell the
// check the host dialled; other dialers (net/http) hide an IP address
// from it, and under the legacy scheme it then checks the chain alone.
// A certificate and key, if given, are presented to servers.
// Its versions follow the ENABLE_ variables (TLS 1.2 alone by default), its
// chains are at most VERIFICATION_DEPTH CA certificates long (4), and
// its TLS 1.2 cipher suites follow CIPHERS, OpenSSL's names translated to
// Go's, and include by default the RSA key-exchange suites of libprocess's
// default list, which Go no longer offers on its own.
// Every problem is reported in one error, each by variable name.
func ClientTLSFromEnv(getenv func(string) string) (*TLSConfig, error) {
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
