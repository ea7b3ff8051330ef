//go:build !mesosshim_notls

package tlsopt

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A config naming no server is copied with the host dialled, as net/http
// does; one that names a server, and no config at all, are kept.
func TestForHostNamesTheHostDialled(t *testing.T) {
	require.Nil(t, ForHost(nil, "agent.example"))
	named := &Config{ServerName: "other.example"}
	require.Same(t, named, ForHost(named, "agent.example"))
	unnamed := &Config{MinVersion: tls.VersionTLS12}
	got := ForHost(unnamed, "agent.example")
	require.Equal(t, "agent.example", got.ServerName)
	require.Equal(t, uint16(tls.VersionTLS12), got.MinVersion)
	require.Empty(t, unnamed.ServerName, "the caller's config is not changed")
}

// A client handshake against a TLS server completes; Transport gives the
// TCP connection under it, and a plain connection as it is.
func TestClientHandshakeAndTransport(t *testing.T) {
	require.True(t, Available)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	nc, err := net.Dial("tcp", srv.Listener.Addr().String())
	require.NoError(t, err)
	defer nc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	tc, err := Client(ctx, nc, &Config{InsecureSkipVerify: true})
	require.NoError(t, err)
	require.IsType(t, &tls.Conn{}, tc)
	require.Same(t, nc, Transport(tc))
	require.Same(t, nc, Transport(nc))
}

// A server handshake that fails (the client speaks plain HTTP) is an
// error, and leaves the connection to the caller.
func TestServerHandshakeFailure(t *testing.T) {
	client, server := net.Pipe()
	defer client.Close()
	defer server.Close()
	go client.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	server.SetDeadline(time.Now().Add(5 * time.Second))
	_, err := Server(server, &Config{})
	require.Error(t, err)
}
