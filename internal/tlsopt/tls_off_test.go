//go:build mesosshim_notls

package tlsopt

import (
	"context"
	"net"
	"testing"

	"github.com/stretchr/testify/require"
)

// Without TLS every handshake fails with ErrUnavailable, which names the
// tag; connections pass through Transport and configs through ForHost.
func TestNoTLSHandshakesFail(t *testing.T) {
	require.False(t, Available)
	client, server := net.Pipe()
	defer client.Close()
	defer server.Close()
	_, err := Client(context.Background(), client, &Config{})
	require.ErrorIs(t, err, ErrUnavailable)
	_, err = Server(server, &Config{})
	require.ErrorIs(t, err, ErrUnavailable)
	require.Contains(t, err.Error(), Tag)
	require.Same(t, client, Transport(client))
	cfg := &Config{}
	require.Same(t, cfg, ForHost(cfg, "agent.example"))
}
