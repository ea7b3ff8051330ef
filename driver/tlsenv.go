package driver

import "github.com/mesos-shim/executor/messenger"

// clientTLSFromEnv builds the TLS configuration libprocess would use to
// connect, from the LIBPROCESS_SSL_* variables (libprocess's openssl.cpp),
// or nil when SSL is not enabled. The parsing is shared with the legacy
// wire's messenger (messenger.ClientTLSFromEnv); as libprocess, it verifies
// the agent's certificate only when asked (VERIFY_CERT, or
// VERIFY_SERVER_CERT since 1.10), and by libprocess's hostname validation
// rules (HOSTNAME_VALIDATION_SCHEME, VERIFY_IPADD), not crypto/tls's. In a
// build with the mesosshim_notls tag, SSL enabled by the environment is an
// error.
func clientTLSFromEnv(getenv func(string) string) (*messenger.TLSConfig, error) {
	return messenger.ClientTLSFromEnv(getenv)
}
