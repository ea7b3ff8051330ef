//go:build !mesosshim_notls

package messenger

import (
	"crypto/tls"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/upid"
)

// closeBound is how long Close may take while a connection is being opened:
// far less than the dial timeout the tests set.
const closeBound = 2 * time.Second

// silentListener accepts connections and never writes: a hung agent,
// whose kernel still completes TCP handshakes. accepted gets each one.
func silentListener(t *testing.T) (addr string, accepted chan net.Conn) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	accepted = make(chan net.Conn, 4)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		for {
			select {
			case c := <-accepted:
				c.Close()
			default:
				return
			}
		}
	})
	return ln.Addr().String(), accepted
}

// Close ends a link still in its TLS handshake with a peer that does not
// answer at once, instead of waiting for Config.DialTimeout: a driver
// stopping while its agent hangs must not hang with it.
func TestCloseDoesNotWaitForAHandshakeInProgress(t *testing.T) {
	addr, accepted := silentListener(t)
	cfg := newInbox().config("executor(1)")
	cfg.ClientTLS = &tls.Config{InsecureSkipVerify: true}
	cfg.DialTimeout = 10 * closeBound
	m, err := New(cfg)
	require.NoError(t, err)
	require.NoError(t, m.Link(upid.MustParse("slave(1)@"+addr)))
	select {
	case <-accepted: // the TCP connection is up; the handshake waits
	case <-time.After(waitFor):
		t.Fatal("the link never connected")
	}
	closed := make(chan struct{})
	start := time.Now()
	go func() { m.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(closeBound):
		<-closed
		t.Fatalf("Close took %v: it waited for the handshake to time out", time.Since(start).Round(time.Millisecond))
	}
}
