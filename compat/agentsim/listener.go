package agentsim

import (
	"bufio"
	"bytes"
	"errors"
	"net"
	"net/url"
	"strings"
	"sync"
)

// A real agent serves libprocess messages and the v1 executor API on one
// port (MESOS_AGENT_ENDPOINT is MESOS_SLAVE_PID's ip:port). The router
// does the same: it accepts every connection on one listener, peeks at the
// first request line without consuming it, and hands the connection to the
// v1 HTTP server if the path is under a v1 executor route, to the messenger
// otherwise. A connection keeps its first route for all its requests.

// v1Routes are the paths the v1 executor API answers on (the route in
// Slave::initialize): slave(1) is libprocess' delegate, so the bare path
// works too.
var v1Routes = []string{"/api/v1/executor", "/" + AgentProcessID + "/api/v1/executor"}

// maxRequestLine bounds what the router peeks at; a longer first line is
// the messenger's to refuse.
const maxRequestLine = 8 << 10

// router accepts on the agent's port and dispatches connections.
type router struct {
	ln     net.Listener
	legacy *chanListener
	v1     *chanListener
	stop   chan struct{} // closed by close

	mu      sync.Mutex
	closed  bool
	pending map[net.Conn]struct{} // accepted, first line not yet seen
	wg      sync.WaitGroup
}

func newRouter(ln net.Listener) *router {
	r := &router{
		ln:      ln,
		legacy:  newChanListener(ln.Addr()),
		v1:      newChanListener(ln.Addr()),
		pending: make(map[net.Conn]struct{}),
		stop:    make(chan struct{}),
	}
	r.wg.Add(1)
	go r.acceptLoop()
	return r
}

func (r *router) acceptLoop() {
	defer r.wg.Done()
	for {
		c, err := r.ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() && !r.isClosed() {
				continue
			}
			return
		}
		if !r.track(c) {
			c.Close()
			return
		}
		r.wg.Add(1)
		go r.route(c)
	}
}

func (r *router) isClosed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closed
}

func (r *router) track(c net.Conn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	r.pending[c] = struct{}{}
	return true
}

// route reads ahead to the end of the first request line and hands c on.
func (r *router) route(c net.Conn) {
	defer r.wg.Done()
	br := bufio.NewReaderSize(c, maxRequestLine)
	line, err := peekLine(br)
	r.mu.Lock()
	delete(r.pending, c)
	closed := r.closed
	r.mu.Unlock()
	if closed || (err != nil && len(line) == 0) {
		c.Close()
		return
	}
	to := r.legacy
	if isV1Request(line) {
		to = r.v1
	}
	to.deliver(&peekedConn{Conn: c, r: br}, r.stop)
}

// peekLine returns the first line buffered in br, without consuming it;
// what it has if the line is longer than br's buffer or the input ends.
func peekLine(br *bufio.Reader) ([]byte, error) {
	for n := 1; ; n = min(br.Buffered()+1, br.Size()) {
		_, err := br.Peek(n) // blocks until n bytes are buffered
		b, _ := br.Peek(br.Buffered())
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			return b[:i], nil
		}
		if err != nil || len(b) == br.Size() {
			return b, err
		}
	}
}

// isV1Request says whether a request line names a v1 executor route.
func isV1Request(line []byte) bool {
	fields := strings.Fields(string(line))
	if len(fields) < 2 {
		return false
	}
	target := fields[1]
	if u, err := url.ParseRequestURI(target); err == nil {
		target = u.Path // absolute-form, query and percent-encoding
	}
	for _, route := range v1Routes {
		if target == route || strings.HasPrefix(target, route+"/") {
			return true
		}
	}
	return false
}

// close stops accepting and closes the connections not yet handed on; the
// two consumers close their listeners, and the connections they took.
func (r *router) close() {
	r.mu.Lock()
	r.closed = true
	r.ln.Close()
	for c := range r.pending {
		c.Close()
	}
	r.mu.Unlock()
	close(r.stop)
	r.wg.Wait()
}

// chanListener is a net.Listener fed by the router.
type chanListener struct {
	addr net.Addr
	ch   chan net.Conn
	done chan struct{}
	once sync.Once
}

func newChanListener(addr net.Addr) *chanListener {
	return &chanListener{addr: addr, ch: make(chan net.Conn), done: make(chan struct{})}
}

// deliver hands c to the consumer, or closes it if the listener or the
// router (stop) is closed first.
func (l *chanListener) deliver(c net.Conn, stop <-chan struct{}) {
	select {
	case l.ch <- c:
	case <-l.done:
		c.Close()
	case <-stop:
		c.Close()
	}
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *chanListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *chanListener) Addr() net.Addr { return l.addr }

// peekedConn is a connection whose first bytes sit in a bufio.Reader.
type peekedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *peekedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// CloseWrite half-closes, as the messenger does before a lingering close.
func (c *peekedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return c.Conn.Close()
}
