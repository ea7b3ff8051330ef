package httppipe

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Go's HTTP/1.1 server, which the simulated agent is built on, handles
// pipelined requests one at a time, in the order sent, and answers in that
// order: the premise of pipelining calls to it. Requests are written back
// to back and flushed once; each handler sees its predecessor finished.
func TestNetHTTPServerAnswersPipelinedRequestsInOrder(t *testing.T) {
	const n = 200
	var active, maxActive atomic.Int32
	var mu sync.Mutex
	var seen []int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a := active.Add(1); a > maxActive.Load() {
			maxActive.Store(a)
		}
		defer active.Add(-1)
		body, _ := io.ReadAll(r.Body)
		i, _ := strconv.Atoi(string(body))
		mu.Lock()
		seen = append(seen, i)
		mu.Unlock()
		if i%7 == 3 {
			time.Sleep(time.Millisecond) // a slow one must not be overtaken
		}
		status := http.StatusAccepted
		if i%10 == 9 {
			status = http.StatusServiceUnavailable
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		w.Write(body)
	}))
	defer srv.Close()
	nc, err := net.Dial("tcp", srv.Listener.Addr().String())
	require.NoError(t, err)
	c := NewConn(nc, n, 1024)
	defer c.Close()
	h, err := NewRequestHead("POST", "/api/v1/executor", []Field{{"Host", srv.Listener.Addr().String()}})
	require.NoError(t, err)
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; i < n; i++ {
		require.NoError(t, c.Write(h, []byte(strconv.Itoa(i)), deadline))
	}
	require.NoError(t, c.Flush(deadline))
	for i := 0; i < n; i++ {
		r := <-c.Results()
		require.NoError(t, r.Err)
		want := http.StatusAccepted
		if i%10 == 9 {
			want = http.StatusServiceUnavailable
		}
		require.Equal(t, want, r.Response.Status, "response %d", i)
		require.Equal(t, strconv.Itoa(i), string(r.Response.Body), "response %d answers request %d", i, i)
	}
	mu.Lock()
	defer mu.Unlock()
	for i, got := range seen {
		require.Equal(t, i, got, "handled out of order")
	}
	require.Equal(t, int32(1), maxActive.Load(), "two requests of one connection handled at once")
}

// Closing a Conn from another goroutine ends its reader, which reports the
// end; a peer that closes cleanly gives io.EOF.
func TestConnEnds(t *testing.T) {
	client, server := net.Pipe()
	c := NewConn(client, 4, 1024)
	go func() {
		fmt.Fprint(server, "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
		server.Close()
	}()
	require.Equal(t, Result{Response: Response{Status: 202}}, <-c.Results())
	require.ErrorIs(t, (<-c.Results()).Err, io.EOF)
	c.Close()

	client, server = net.Pipe()
	defer server.Close()
	c = NewConn(client, 4, 1024)
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.Close()
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close blocked on a silent peer")
	}
	c.Close() // again: a no-op
}

// A write the peer never reads fails at its deadline instead of blocking.
func TestWriteDeadline(t *testing.T) {
	client, server := net.Pipe()
	defer server.Close()
	c := NewConn(client, 4, 1024)
	defer c.Close()
	h, err := NewRequestHead("POST", "/", nil)
	require.NoError(t, err)
	err = c.Write(h, make([]byte, 64<<10), time.Now().Add(50*time.Millisecond))
	if err == nil {
		err = c.Flush(time.Now().Add(50 * time.Millisecond))
	}
	var ne net.Error
	require.ErrorAs(t, err, &ne)
	require.True(t, ne.Timeout())
}
