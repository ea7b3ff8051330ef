package driver

import (
	"crypto/tls"
	"net"
	"net/http"
	"time"
)

// newTransport is a net/http client transport with the TLS configuration
// the driver builds, as the v1 stream used before it moved to
// internal/httppipe (issue 7): tlsenv_test.go checks that configuration
// against Go's own client and server.
func newTransport(tlsCfg *tls.Config) *http.Transport {
	return &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
		TLSClientConfig:     tlsCfg,
		MaxConnsPerHost:     1,
		MaxIdleConnsPerHost: 1,
		DisableCompression:  true,
	}
}
