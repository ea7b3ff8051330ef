//go:build !mesosshim_notls

package messenger

import (
	"crypto/tls"
	"testing"

	"github.com/stretchr/testify/require"
)

// The ENABLE_ variables choose the TLS versions as libprocess does: only
// 1.2 unless told, each version on or off by its own variable.
func TestTLSVersionsFollowTheEnableVariables(t *testing.T) {
	for _, c := range []struct {
		env      map[string]string
		min, max uint16
	}{
		{nil, tls.VersionTLS12, tls.VersionTLS12},
		{map[string]string{"LIBPROCESS_SSL_ENABLE_TLS_V1_0": "true"}, tls.VersionTLS10, tls.VersionTLS12},
		{map[string]string{"SSL_ENABLE_TLS_V1_1": "1"}, tls.VersionTLS11, tls.VersionTLS12},
		{map[string]string{"LIBPROCESS_SSL_ENABLE_TLS_V1_2": "false", "LIBPROCESS_SSL_ENABLE_TLS_V1_3": "true"}, tls.VersionTLS13, tls.VersionTLS13},
		{map[string]string{"LIBPROCESS_SSL_ENABLE_TLS_V1_2": "false", "LIBPROCESS_SSL_ENABLE_TLS_V1_1": "true"}, tls.VersionTLS11, tls.VersionTLS11},
	} {
		env := map[string]string{"LIBPROCESS_SSL_ENABLED": "1"}
		for k, v := range c.env {
			env[k] = v
		}
		cfg, err := ClientTLSFromEnv(getenvFrom(env))
		require.NoError(t, err, "%v", c.env)
		require.Equal(t, []uint16{c.min, c.max}, []uint16{cfg.MinVersion, cfg.MaxVersion}, "%v", c.env)
	}
}

// A choice that leaves Go no version to speak is an error naming the
// variables, not a configuration that fails every handshake.
func TestTLSVersionsNoneLeftIsAnError(t *testing.T) {
	_, err := ClientTLSFromEnv(getenvFrom(map[string]string{"LIBPROCESS_SSL_ENABLED": "1", "LIBPROCESS_SSL_ENABLE_TLS_V1_2": "0"}))
	require.ErrorContains(t, err, "LIBPROCESS_SSL_ENABLE_*: every TLS version is disabled")
	_, err = ClientTLSFromEnv(getenvFrom(map[string]string{"LIBPROCESS_SSL_ENABLED": "1",
		"LIBPROCESS_SSL_ENABLE_TLS_V1_2": "0", "LIBPROCESS_SSL_ENABLE_SSL_V3": "1"}))
	require.ErrorContains(t, err, "only SSLv3 is enabled, which Go does not speak")
	_, err = ClientTLSFromEnv(getenvFrom(map[string]string{"LIBPROCESS_SSL_ENABLED": "1", "LIBPROCESS_SSL_ENABLE_TLS_V1_0": "often"}))
	require.ErrorContains(t, err, `LIBPROCESS_SSL_ENABLE_TLS_V1_0="often" is not a boolean`)
}

// An agent whose operator enabled only TLS 1.0 (an old OpenSSL on the
// other side, say) is reached once the executor's environment enables it
// too, and not before.
func TestTLSVersion10AgentIsReachedWhenEnabled(t *testing.T) {
	certFile, keyFile := rsaKeyPair(t)
	agent := libprocessServerSide(t, certFile, keyFile)
	agent.MinVersion, agent.MaxVersion = tls.VersionTLS10, tls.VersionTLS10

	client, err := ClientTLSFromEnv(getenvFrom(map[string]string{"LIBPROCESS_SSL_ENABLED": "1"}))
	require.NoError(t, err)
	_, clientErr, _ := handshake(t, client, agent)
	require.Error(t, clientErr, "TLS 1.0 is off by default, as in libprocess")

	client, err = ClientTLSFromEnv(getenvFrom(map[string]string{"LIBPROCESS_SSL_ENABLED": "1", "LIBPROCESS_SSL_ENABLE_TLS_V1_0": "1"}))
	require.NoError(t, err)
	_, clientErr, serverErr := handshake(t, client, agent)
	require.NoError(t, clientErr)
	require.NoError(t, serverErr)
}

// VERIFICATION_DEPTH reaches the certificate check; a value that is not a
// count is reported by name.
func TestTLSVerificationDepthIsRead(t *testing.T) {
	for v, want := range map[string]int{"": defaultVerificationDepth, "0": 0, "9": 9} {
		s, err := readSSLEnv(getenvFrom(map[string]string{"LIBPROCESS_SSL_ENABLED": "1", "LIBPROCESS_SSL_VERIFICATION_DEPTH": v}), false)
		require.NoError(t, err)
		require.Equal(t, want, s.peerCheck().Depth, "VERIFICATION_DEPTH=%q", v)
	}
	for _, v := range []string{"-1", "deep"} {
		_, err := readSSLEnv(getenvFrom(map[string]string{"LIBPROCESS_SSL_ENABLED": "1", "SSL_VERIFICATION_DEPTH": v}), false)
		require.ErrorContains(t, err, `SSL_VERIFICATION_DEPTH="`+v+`" is not a number of certificates`)
	}
}
