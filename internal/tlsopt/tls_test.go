//go:build !mesosshim_notls

package tlsopt

import (
	"bufio"
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

// A server handshake that fails (the client speaks plain HTTP) is
// crypto/tls's error, and leaves the connection open to the caller, which
// can still answer on it.
func TestServerHandshakeFailureLeavesTheConnection(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer client.Close()
	server, err := ln.Accept()
	require.NoError(t, err)
	defer server.Close()
	_, err = client.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	require.NoError(t, err)

	server.SetDeadline(time.Now().Add(5 * time.Second))
	_, err = Server(server, &Config{})
	var notTLS tls.RecordHeaderError
	require.ErrorAs(t, err, &notTLS)
	_, err = server.Write([]byte("HTTP/1.0 400 Bad Request\r\n\r\n"))
	require.NoError(t, err, "the connection is the caller's, still open")
	client.SetDeadline(time.Now().Add(5 * time.Second))
	answer, err := bufio.NewReader(client).ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "HTTP/1.0 400 Bad Request\r\n", answer)
}
