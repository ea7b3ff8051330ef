package driver_test

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/executor"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/compat/httpapi"
	"github.com/mesos-shim/executor/recordio"
)

// rawAgent is a v1 agent written on raw connections, so that a test sees
// what net/http hides: which connection each request came on, whether the
// executor wrote a request before the answer to the one before it, when
// it closes a connection. A SUBSCRIBE gets 200 and a stream that carries
// SUBSCRIBED; every other call is answered as the test's policy says, and
// an accepted UPDATE is acknowledged on the current stream.
type rawAgent struct {
	t      *testing.T
	ln     net.Listener
	policy func(n int, c *executor.Call) rawReply

	mu      sync.Mutex
	calls   int          // calls other than SUBSCRIBE received so far
	reqs    []rawRequest // every request, in arrival order
	stream  *rawStream   // the current subscription's
	closed  []int        // connections the executor closed, by number
	nconns  int
	stalled map[int]bool  // connections accepted and then never read or written
	changed chan struct{} // closed and replaced on every change
	wg      sync.WaitGroup
}

// rawReply is the policy's answer to the call numbered n: a status, sent at
// once if flush, or held in the connection's buffer until a later reply
// flushes it (the executor cannot see a held answer). Status 0 answers
// nothing, ever; closeConn closes the connection without answering.
type rawReply struct {
	status    int
	flush     bool
	closeConn bool
	noAck     bool // an accepted UPDATE is not acknowledged on the stream
}

type rawRequest struct {
	conn   int
	method string
	path   string
	header http.Header
	call   *executor.Call
	status int // the answer given (0: none)
}

type rawStream struct {
	mu    sync.Mutex
	c     net.Conn
	codec httpapi.Codec
	conn  int
}

// accept202 accepts every call at once.
func accept202(int, *executor.Call) rawReply {
	return rawReply{status: http.StatusAccepted, flush: true}
}

func startRawAgent(t *testing.T, useTLS bool, policy func(int, *executor.Call) rawReply) *rawAgent {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	if useTLS {
		srv := httptest.NewUnstartedServer(nil)
		srv.StartTLS() // for its certificate
		cfg := srv.TLS.Clone()
		srv.Close()
		ln = tls.NewListener(ln, cfg)
	}
	a := &rawAgent{t: t, ln: ln, policy: policy, changed: make(chan struct{})}
	a.wg.Add(1)
	go a.accept()
	t.Cleanup(a.close)
	return a
}

func (a *rawAgent) endpoint() string { return a.ln.Addr().String() }

// stall has the agent accept connection n (the first is 1) and never
// serve it.
func (a *rawAgent) stall(n int) {
	a.update(func() {
		if a.stalled == nil {
			a.stalled = map[int]bool{}
		}
		a.stalled[n] = true
	})
}

func (a *rawAgent) close() {
	a.ln.Close()
	a.mu.Lock()
	if a.stream != nil {
		a.stream.c.Close()
	}
	a.mu.Unlock()
	a.wg.Wait()
}

func (a *rawAgent) accept() {
	defer a.wg.Done()
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for {
		c, err := a.ln.Accept()
		if err != nil {
			return
		}
		conns = append(conns, c)
		a.mu.Lock()
		a.nconns++
		n := a.nconns
		stalled := a.stalled[n]
		a.mu.Unlock()
		if stalled {
			continue // open until the agent closes: over TLS, not even a handshake
		}
		a.wg.Add(1)
		go a.serve(c, n)
	}
}

// serve reads the requests of connection n until it ends.
func (a *rawAgent) serve(c net.Conn, n int) {
	defer a.wg.Done()
	defer c.Close()
	br, bw := bufio.NewReader(c), bufio.NewWriter(c)
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			a.update(func() { a.closed = append(a.closed, n) })
			return
		}
		body, _ := io.ReadAll(req.Body)
		codec, _ := httpapi.CodecForContentType(req.Header.Get("Content-Type"))
		call, err := codec.DecodeCall(body)
		if err != nil {
			a.t.Errorf("agent: undecodable call (%s): %v", req.Header.Get("Content-Type"), err)
			return
		}
		if call.Type == executor.Call_SUBSCRIBE {
			a.subscribe(c, n, req, call)
			continue
		}
		if !a.answer(c, bw, n, req, call) {
			return
		}
	}
}

func (a *rawAgent) subscribe(c net.Conn, n int, req *http.Request, call *executor.Call) {
	codec, _ := httpapi.NegotiateAccept(req.Header.Values("Accept"))
	st := &rawStream{c: c, codec: codec, conn: n}
	st.mu.Lock() // published before SUBSCRIBED is sent, written after it
	a.update(func() {
		a.reqs = append(a.reqs, rawRequest{conn: n, method: req.Method, path: req.URL.Path, header: req.Header, call: call, status: 200})
		a.stream = st
	})
	fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nTransfer-Encoding: chunked\r\n\r\n", codec.ContentType())
	st.pushLocked(&executor.Event{Type: executor.Event_SUBSCRIBED, Subscribed: &executor.Event_Subscribed{
		ExecutorInfo:  mesos.ExecutorInfo{ExecutorID: mesos.ExecutorID{Value: "ex"}, FrameworkID: &mesos.FrameworkID{Value: "fw"}},
		FrameworkInfo: mesos.FrameworkInfo{User: "u", Name: "f", ID: &mesos.FrameworkID{Value: "fw"}},
		AgentInfo:     mesos.AgentInfo{Hostname: "h", ID: &mesos.AgentID{Value: "ag"}}}})
	st.mu.Unlock()
}

// answer replies to one call as the policy says; false ends the
// connection.
func (a *rawAgent) answer(c net.Conn, bw *bufio.Writer, n int, req *http.Request, call *executor.Call) bool {
	a.mu.Lock()
	i := a.calls
	a.calls++
	a.mu.Unlock()
	r := a.policy(i, call)
	var st *rawStream
	a.update(func() {
		a.reqs = append(a.reqs, rawRequest{conn: n, method: req.Method, path: req.URL.Path, header: req.Header, call: call, status: r.status})
		st = a.stream
	})
	switch {
	case r.closeConn:
		return false
	case r.status == 0:
		return true
	}
	fmt.Fprintf(bw, "HTTP/1.1 %d %s\r\nContent-Length: 0\r\n\r\n", r.status, http.StatusText(r.status))
	if r.flush {
		bw.Flush()
	}
	if r.status == http.StatusAccepted && call.Type == executor.Call_UPDATE && st != nil && !r.noAck {
		s := call.Update.Status
		st.push(&executor.Event{Type: executor.Event_ACKNOWLEDGED, Acknowledged: &executor.Event_Acknowledged{TaskID: s.TaskID, UUID: s.UUID}})
	}
	return true
}

func (s *rawStream) push(e *executor.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pushLocked(e)
}

// pushLocked writes e as one chunk; errors (the executor went away) are
// the test's to notice otherwise.
func (s *rawStream) pushLocked(e *executor.Event) {
	rec, err := s.codec.EncodeEvent(e)
	if err != nil {
		panic(err)
	}
	rec = recordio.AppendRecord(nil, rec)
	fmt.Fprintf(s.c, "%x\r\n%s\r\n", len(rec), rec)
}

// cutStream closes the current subscription's connection.
func (a *rawAgent) cutStream() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.stream.c.Close()
}

func (a *rawAgent) update(f func()) {
	a.mu.Lock()
	defer a.mu.Unlock()
	f()
	close(a.changed)
	a.changed = make(chan struct{})
}

// waitUntil waits until cond, checked under the agent's lock, holds.
func (a *rawAgent) waitUntil(what string, cond func() bool) {
	a.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		a.mu.Lock()
		ok, ch := cond(), a.changed
		a.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			a.t.Fatalf("agent: never %s", what)
		}
	}
}

// requests is a copy of every request so far.
func (a *rawAgent) requests() []rawRequest {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]rawRequest(nil), a.reqs...)
}

// subscribes counts the SUBSCRIBEs received. Call with a.mu held.
func (a *rawAgent) subscribesLocked() int {
	n := 0
	for _, r := range a.reqs {
		if r.call.Type == executor.Call_SUBSCRIBE {
			n++
		}
	}
	return n
}

func (a *rawAgent) closedLocked(conn int) bool {
	for _, c := range a.closed {
		if c == conn {
			return true
		}
	}
	return false
}
