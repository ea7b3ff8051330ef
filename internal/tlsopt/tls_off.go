//go:build mesosshim_notls

package tlsopt

import (
	"context"
	"net"
)

// Available says whether this build can speak TLS.
const Available = false

// Config stands for a TLS configuration in a build without TLS: only a
// nil *Config (no TLS) is of use.
type Config struct{}

// Client fails: this build has no TLS.
func Client(context.Context, net.Conn, *Config) (net.Conn, error) { return nil, ErrUnavailable }

// Server fails: this build has no TLS.
func Server(net.Conn, *Config) (net.Conn, error) { return nil, ErrUnavailable }

// Transport returns nc: without TLS there is no layer under it.
func Transport(nc net.Conn) net.Conn { return nc }

// ForHost returns cfg.
func ForHost(cfg *Config, _ string) *Config { return cfg }
