//go:build !mesosshim_notls

package tlsopt

import (
	"context"
	"crypto/tls"
	"net"
)

// Available says whether this build can speak TLS.
const Available = true

// Config is a TLS configuration: crypto/tls's own.
type Config = tls.Config

// Client runs the client side of a handshake on nc, bounded by ctx, and
// returns the TLS connection. On failure the caller closes nc (a handshake
// cut short by ctx has closed it already).
func Client(ctx context.Context, nc net.Conn, cfg *Config) (net.Conn, error) {
	tc := tls.Client(nc, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, err
	}
	return tc, nil
}

// Server runs the server side of a handshake on nc (bounded by nc's
// deadline) and returns the TLS connection. On failure nc is left open.
func Server(nc net.Conn, cfg *Config) (net.Conn, error) {
	tc := tls.Server(nc, cfg)
	if err := tc.Handshake(); err != nil {
		return nil, err
	}
	return tc, nil
}

// Transport returns the connection under a TLS connection, or nc itself:
// closing it ends the connection without a close_notify alert, which
// could block behind a stuck write.
func Transport(nc net.Conn) net.Conn {
	if tc, ok := nc.(*tls.Conn); ok {
		return tc.NetConn()
	}
	return nc
}

// ForHost returns cfg for dialling host, as net/http does: a copy whose
// ServerName is host when cfg names no server, so that the certificate is
// checked against the host dialled. A nil cfg stays nil. The copy's
// VerifyConnection, if any, sees host as ServerName even when it is an IP
// address, which crypto/tls leaves out: PeerCheck needs the address.
func ForHost(cfg *Config, host string) *Config {
	if cfg == nil || cfg.ServerName != "" {
		return cfg
	}
	c := cfg.Clone()
	c.ServerName = host
	if verify := cfg.VerifyConnection; verify != nil {
		c.VerifyConnection = func(cs tls.ConnectionState) error {
			if cs.ServerName == "" {
				cs.ServerName = host
			}
			return verify(cs)
		}
	}
	return c
}
