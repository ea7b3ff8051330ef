package messenger

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/mesos-shim/executor/internal/tlsopt"
	"github.com/mesos-shim/executor/logging"
)

// DefaultHandshakeTimeout bounds, on an accepted connection, the wait for
// the first bytes (downgrade detection) and the TLS handshake.
const DefaultHandshakeTimeout = 10 * time.Second

// The prefixes of the SSL variables (libprocess's openssl.cpp): libprocess
// reads LIBPROCESS_SSL_<name> and, since before 1.0, SSL_<name>; the first
// wins.
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

// flag reads a boolean variable, false when unset.
func (e *sslEnv) flag(names ...string) bool { return e.flagOr(false, names...) }

// flagOr reads a boolean variable, def when unset.
func (e *sslEnv) flagOr(def bool, names ...string) bool {
	v, name := e.lookup(names...)
	switch strings.ToLower(v) {
	case "":
		return def
	case "0", "false", "no":
		return false
	case "1", "true", "yes":
		return true
	}
	e.problems = append(e.problems, fmt.Errorf("%s=%q is not a boolean", name, v))
	return def
}

// looksLikeTLS tells, from up to the first 6 bytes a client sent, whether it
// starts a TLS (or SSLv2-compatible) handshake, as libprocess decides when
// downgrade is supported (libprocess's ssl/openssl_socket.cpp and
// libevent_ssl_socket.cpp).
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
	tc, err := tlsopt.Server(conn, m.cfg.TLS)
	if err != nil {
		return nil, fmt.Errorf("TLS handshake: %w", err)
	}
	return tc, nil
}

// dial opens a connection to addr, over TLS when ClientTLS is set. If
// the handshake fails and AcceptPlaintext (downgrade) is set, it connects
// once more in plaintext. Cancelling ctx ends the attempt.
func (m *Messenger) dial(ctx context.Context, addr string) (net.Conn, error) {
	raw, err := m.dialPlain(ctx, addr)
	if err != nil || m.cfg.ClientTLS == nil {
		return raw, err
	}
	host, _, _ := net.SplitHostPort(addr)
	hctx, cancel := context.WithTimeout(ctx, m.dialTimeout())
	defer cancel()
	tc, herr := tlsopt.Client(hctx, raw, tlsopt.ForHost(m.cfg.ClientTLS, host))
	if herr == nil {
		return tc, nil
	}
	raw.Close()
	if !m.cfg.AcceptPlaintext {
		return nil, fmt.Errorf("TLS handshake: %w", herr)
	}
	logging.Warningf("messenger: %s: TLS handshake with %s failed (%v); retrying in plaintext (downgrade)", m.self, addr, herr)
	return m.dialPlain(ctx, addr)
}
