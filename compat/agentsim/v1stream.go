package agentsim

import (
	"net"
	"sync"
	"time"

	"github.com/mesos-shim/executor/compat/httpapi"
)

// stream is one v1 subscription: the body of a SUBSCRIBE's 200 response.
// The agent pushes RecordIO-framed events under its lock; the handler
// goroutine that owns the response writes them, one record per chunk, as a
// real agent does (as in the captures).
type stream struct {
	n         int // the agent's subscription number, for the trace
	codec     httpapi.Codec
	heartbeat time.Duration // between HEARTBEAT events; 0: none
	// silent streams (a 0.25 stub's, or a stalled SUBSCRIBE) carry nothing
	// and are not the executor's subscription.
	silent bool

	mu      sync.Mutex
	pending [][]byte
	ending  bool     // end the response once pending is written
	broken  bool     // cut, or the executor's side went away
	conn    net.Conn // set by the handler
	wake    chan struct{}
	done    chan struct{} // closed by cut
	once    sync.Once
}

func newStream(n int, c httpapi.Codec, heartbeat time.Duration, silent bool) *stream {
	return &stream{n: n, codec: c, heartbeat: heartbeat, silent: silent,
		wake: make(chan struct{}, 1), done: make(chan struct{})}
}

// push queues bytes to write as one chunk; false if the stream is over.
func (st *stream) push(b []byte) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.ending || st.broken {
		return false
	}
	st.pending = append(st.pending, b)
	st.signal()
	return true
}

// over says whether the stream takes no more events.
func (st *stream) over() bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.ending || st.broken
}

func (st *stream) signal() {
	select {
	case st.wake <- struct{}{}:
	default:
	}
}

// end closes the stream cleanly, after what is queued: the response ends
// with its last chunk, as when the agent closes an executor's connection.
func (st *stream) end() {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.ending = true
	st.signal()
}

// cut ends the stream at once, closing its connection as a crash or a
// network failure does: a FIN, no last chunk.
func (st *stream) cut() {
	st.mu.Lock()
	st.broken = true
	c := st.conn
	st.mu.Unlock()
	if c != nil {
		c.Close()
	}
	st.once.Do(func() { close(st.done) })
}

// attach records the connection the stream is written on; a stream cut
// before it was attached closes it at once.
func (st *stream) attach(c net.Conn) {
	st.mu.Lock()
	st.conn = c
	broken := st.broken
	st.mu.Unlock()
	if broken && c != nil {
		c.Close()
	}
}

// lost marks the stream broken because the executor's side went away;
// it says whether it was not already.
func (st *stream) lost() bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	was := st.broken
	st.broken = true
	return !was
}

// take returns what to write and whether to end after it.
func (st *stream) take() ([][]byte, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	p := st.pending
	st.pending = nil
	return p, st.ending
}
