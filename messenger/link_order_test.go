package messenger

import (
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// gatedConn holds its first Write until release is closed or the conn is
// closed; entered is closed when that Write starts.
type gatedConn struct {
	net.Conn
	entered, release, closed chan struct{}
	once, closeOnce          sync.Once
}

func (c *gatedConn) Write(b []byte) (int, error) {
	first := false
	c.once.Do(func() { first = true; close(c.entered) })
	if first {
		select {
		case <-c.release:
		case <-c.closed:
			return 0, errors.New("closed while gated")
		}
	}
	return c.Conn.Write(b)
}

func (c *gatedConn) Close() error {
	c.closeOnce.Do(func() { close(c.closed) })
	return c.Conn.Close()
}

// gatedDial gates the first connection it opens and returns it.
func gatedDial() (func(string, string) (net.Conn, error), chan *gatedConn) {
	first := make(chan *gatedConn, 1)
	var n int
	var mu sync.Mutex
	return func(network, addr string) (net.Conn, error) {
		c, err := net.Dial(network, addr)
		if err != nil {
			return nil, err
		}
		mu.Lock()
		defer mu.Unlock()
		n++
		if n > 1 {
			return c, nil
		}
		g := &gatedConn{Conn: c, entered: make(chan struct{}), release: make(chan struct{}), closed: make(chan struct{})}
		first <- g
		return g, nil
	}, first
}

// Messages sent before Link (on a temporary connection) must not be overtaken
// by messages sent after it.
func TestSendsBeforeLinkAreNotOvertaken(t *testing.T) {
	agentBox, execBox := newInbox(), newInbox()
	agent := startMessenger(t, agentBox.config("slave(1)"))
	dial, gated := gatedDial()
	cfg := execBox.config("executor(1)")
	cfg.Dial = dial
	exec := startMessenger(t, cfg)
	to := agent.UPID()

	require.NoError(t, exec.Send(Message{To: to, Name: "a"})) // temporary connection, held in its first write
	g := <-gated
	<-g.entered
	require.NoError(t, exec.Send(Message{To: to, Name: "b"}))
	require.NoError(t, exec.Link(to))
	require.NoError(t, exec.Send(Message{To: to, Name: "c"}))
	select {
	case m := <-agentBox.msgs:
		t.Fatalf("%q delivered while \"a\" and \"b\", sent before it, are still held", m.Name)
	case <-time.After(200 * time.Millisecond):
	}
	close(g.release)
	for _, want := range []string{"a", "b", "c"} {
		require.Equal(t, want, agentBox.next(t).Name)
	}
}

// Relink carries messages queued and not yet written over to the new
// connection, as libprocess's link(RECONNECT) does; only the one being written
// when the old connection is closed may be lost.
func TestRelinkKeepsQueuedMessages(t *testing.T) {
	agentBox, execBox := newInbox(), newInbox()
	agent := startMessenger(t, agentBox.config("slave(1)"))
	dial, gated := gatedDial()
	cfg := execBox.config("executor(1)")
	cfg.Dial = dial
	exec := startMessenger(t, cfg)
	to := agent.UPID()

	require.NoError(t, exec.Link(to))
	require.NoError(t, exec.Send(Message{To: to, Name: "in-flight"}))
	g := <-gated
	<-g.entered
	require.NoError(t, exec.Send(Message{To: to, Name: "queued-1"}))
	require.NoError(t, exec.Send(Message{To: to, Name: "queued-2"}))
	require.NoError(t, exec.Relink(to))
	require.NoError(t, exec.Send(Message{To: to, Name: "after"}))
	for _, want := range []string{"queued-1", "queued-2", "after"} {
		require.Equal(t, want, agentBox.next(t).Name)
	}
	require.Empty(t, execBox.exited)
}
