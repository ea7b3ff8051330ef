//go:build mesosshim_notls

package messenger

import (
	"errors"
	"fmt"

	"github.com/mesos-shim/executor/internal/tlsopt"
)

// ClientTLSFromEnv, in a build without TLS, returns nil, or an error when
// the SSL variables read through getenv enable SSL, which this build
// cannot speak (or are malformed).
func ClientTLSFromEnv(getenv func(string) string) (*TLSConfig, error) {
	return nil, refuseSSLEnv(getenv)
}

// applySSLEnv clears TLS, ClientTLS and AcceptPlaintext; SSL enabled by
// the environment is an error in a build without TLS.
func (c *Config) applySSLEnv(getenv func(string) string) error {
	c.TLS, c.ClientTLS, c.AcceptPlaintext = nil, nil, false
	return refuseSSLEnv(getenv)
}

// refuseSSLEnv reports SSL enabled by the environment, naming the
// variable that enables it.
func refuseSSLEnv(getenv func(string) string) error {
	if getenv == nil {
		return nil
	}
	e := &sslEnv{getenv: getenv}
	if !e.flag("ENABLED") {
		return errors.Join(e.problems...)
	}
	_, name := e.lookup("ENABLED")
	return fmt.Errorf("%s enables SSL, but %w: build without it to reach an agent over SSL", name, tlsopt.ErrUnavailable)
}
