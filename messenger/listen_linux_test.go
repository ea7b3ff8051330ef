package messenger

import (
	"net"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// The messenger's listener is a plain TCP socket, as libprocess's is, even
// where the kernel offers Multipath TCP (Go 1.24+ asks for it by default).
func TestListenerIsPlainTCP(t *testing.T) {
	m := startMessenger(t, newInbox().config("plain"))
	ln, ok := m.ln.(*net.TCPListener)
	require.True(t, ok, "listener is %T", m.ln)
	require.Equal(t, syscall.IPPROTO_TCP, socketProtocol(t, ln))
}

// socketProtocol reads SO_PROTOCOL of ln's socket: IPPROTO_TCP, or
// IPPROTO_MPTCP (262) for a Multipath TCP socket.
func socketProtocol(t *testing.T, ln *net.TCPListener) int {
	t.Helper()
	raw, err := ln.SyscallConn()
	require.NoError(t, err)
	var proto int
	var sockErr error
	require.NoError(t, raw.Control(func(fd uintptr) {
		proto, sockErr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_PROTOCOL)
	}))
	require.NoError(t, sockErr)
	return proto
}
