//go:build mesosshim_notls

package messenger

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/internal/tlsopt"
)

// A build without TLS refuses an environment that enables SSL, naming the
// variable that does and the tag, rather than speaking plaintext to an
// agent that expects TLS; without SSL it configures as usual.
func TestNoTLSBuildRefusesSSLFromTheEnvironment(t *testing.T) {
	loopback := func() (netip.Addr, error) { return netip.MustParseAddr("127.0.0.1"), nil }
	for name, env := range map[string]map[string]string{
		"LIBPROCESS_SSL_ENABLED": {"LIBPROCESS_SSL_ENABLED": "true", "LIBPROCESS_SSL_CERT_FILE": "/c", "LIBPROCESS_SSL_KEY_FILE": "/k"},
		"SSL_ENABLED":            {"SSL_ENABLED": "1"},
	} {
		t.Run(name, func(t *testing.T) {
			getenv := func(k string) string { return env[k] }
			var c Config
			err := c.ApplyEnv(getenv, loopback)
			require.ErrorIs(t, err, tlsopt.ErrUnavailable)
			require.Contains(t, err.Error(), name+" enables SSL")
			require.Contains(t, err.Error(), tlsopt.Tag)
			require.Nil(t, c.TLS)
			_, err = ClientTLSFromEnv(getenv)
			require.ErrorIs(t, err, tlsopt.ErrUnavailable)
		})
	}
	var c Config
	require.NoError(t, c.ApplyEnv(func(k string) string {
		return map[string]string{"LIBPROCESS_SSL_ENABLED": "false"}[k]
	}, loopback))
	_, err := ClientTLSFromEnv(func(k string) string { return map[string]string{"SSL_ENABLED": "maybe"}[k] })
	require.ErrorContains(t, err, `SSL_ENABLED="maybe" is not a boolean`)
}

// A Config asking for TLS is refused by New in a build without it.
func TestNoTLSBuildRefusesATLSConfig(t *testing.T) {
	for _, c := range []Config{{TLS: &TLSConfig{}}, {ClientTLS: &TLSConfig{}}} {
		c.ProcessID, c.Handler, c.BindIP = "executor", func(Message) {}, netip.MustParseAddr("127.0.0.1")
		m, err := New(c)
		require.Nil(t, m)
		require.ErrorIs(t, err, tlsopt.ErrUnavailable)
	}
}
