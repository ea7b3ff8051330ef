package messenger

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/upid"
)

// The receiver's bounds on slow and silent peers (Config.RequestHeaderTimeout,
// RequestBodyTimeout, MinBodyRate, WriteTimeout, MaxPendingConnections), set
// small so the tests take well under a second each.

// trickle writes b one byte every gap until it is all written or the
// connection fails; the returned channel gets the write error, if any.
func trickle(c net.Conn, b []byte, gap time.Duration) <-chan error {
	done := make(chan error, 1)
	go func() {
		for i := range b {
			if _, err := c.Write(b[i : i+1]); err != nil {
				done <- err
				return
			}
			time.Sleep(gap) // the trickle itself, not a wait for an event
		}
		done <- nil
	}()
	return done
}

// requireCutOff checks that a trickle did not complete: it is still
// going, or it failed.
func requireCutOff(t *testing.T, wrote <-chan error) {
	t.Helper()
	select {
	case err := <-wrote:
		require.Error(t, err, "the trickle must have been cut off")
	default:
	}
}

// requireAnswered408AndClosed reads the 408 and then the end of the
// connection.
func requireAnswered408AndClosed(t *testing.T, c net.Conn) string {
	t.Helper()
	br := bufio.NewReader(c)
	status, body := readResponse(t, br)
	require.Equal(t, 408, status, body)
	requireClosedOrReset(t, br)
	return body
}

func TestHeadersTrickledPastTheirTimeoutAreAnswered408AndClosed(t *testing.T) {
	logs := captureLogs(t)
	in := newInbox()
	cfg := in.config("executor(1)")
	cfg.RequestHeaderTimeout = 200 * time.Millisecond
	m := startMessenger(t, cfg)

	c := dial(t, m)
	start := time.Now()
	req := generations[1].request(m.UPID().Port, "mesos.internal.Slow", []byte("x"))
	wrote := trickle(c, req, 20*time.Millisecond) // ~6 s for the whole request
	body := requireAnswered408AndClosed(t, c)
	elapsed := time.Since(start)
	require.Contains(t, body, "Config.RequestHeaderTimeout")
	require.GreaterOrEqual(t, elapsed, cfg.RequestHeaderTimeout)
	requireCutOff(t, wrote)

	r := in.nextRejection(t)
	require.Equal(t, 408, r.Status)
	require.Equal(t, c.LocalAddr().String(), r.Peer)
	logs.wait(t, "W messenger: executor(1)@", "rejected request from "+c.LocalAddr().String()+" with 408: request line and headers not complete 200ms after the request's first byte")
	requireNoMessage(t, in)
	requireStillServing(t, m, in)
}

func TestAnIdleConnectionIsNeverTimedOutBetweenRequests(t *testing.T) {
	in := newInbox()
	cfg := in.config("executor(1)")
	cfg.RequestHeaderTimeout = 50 * time.Millisecond
	cfg.RequestBodyTimeout = 50 * time.Millisecond
	m := startMessenger(t, cfg)

	c := dial(t, m)
	br := bufio.NewReader(c)
	for i := 0; i < 2; i++ {
		write(t, c, generations[1].request(m.UPID().Port, fmt.Sprint("mesos.internal.M", i), []byte("x")))
		require.Equal(t, fmt.Sprint("mesos.internal.M", i), in.next(t).Name)
		status, _ := readResponse(t, br)
		require.Equal(t, 202, status)
		time.Sleep(4 * cfg.RequestHeaderTimeout) // idle, as an agent's link is between messages
	}
	select {
	case r := <-in.rejected:
		t.Fatalf("idle connection refused: %+v", r)
	default:
	}
}

// An empty line after a request (RFC 9112 §2.2 lets a server skip it) is
// not the start of the next request: the connection, idle after it, is
// not timed out, whether the line came with the request or on its own.
func TestAStrayEmptyLineDoesNotStartTheHeaderTimeout(t *testing.T) {
	in := newInbox()
	cfg := in.config("executor(1)")
	cfg.RequestHeaderTimeout = 50 * time.Millisecond
	m := startMessenger(t, cfg)

	c := dial(t, m)
	br := bufio.NewReader(c)
	for i, stray := range []string{"with the request", "on its own"} {
		req := generations[1].request(m.UPID().Port, fmt.Sprint("mesos.internal.M", i), []byte("x"))
		if i == 0 {
			req = append(req, "\r\n"...)
		}
		write(t, c, req)
		require.Equal(t, fmt.Sprint("mesos.internal.M", i), in.next(t).Name)
		status, _ := readResponse(t, br)
		require.Equal(t, 202, status, stray)
		if i == 1 {
			write(t, c, []byte("\r\n"))
		}
		time.Sleep(4 * cfg.RequestHeaderTimeout) // idle after the empty line
	}
	write(t, c, generations[1].request(m.UPID().Port, "mesos.internal.Last", []byte("x")))
	require.Equal(t, "mesos.internal.Last", in.next(t).Name)
	status, body := readResponse(t, br)
	require.Equal(t, 202, status, body)
	select {
	case r := <-in.rejected:
		t.Fatalf("idle connection refused: %+v", r)
	default:
	}
}

func TestBodyTrickledBelowTheMinimumRateIsAnswered408(t *testing.T) {
	logs := captureLogs(t)
	in := newInbox()
	cfg := in.config("executor(1)")
	cfg.RequestBodyTimeout = 200 * time.Millisecond
	cfg.MinBodyRate = 1000 // bytes per second; the trickle below sends about 100
	m := startMessenger(t, cfg)

	c := dial(t, m)
	write(t, c, []byte("POST /executor(1)/mesos.internal.Slow HTTP/1.1\r\nLibprocess-From: slave(1)@127.0.0.1:5051\r\nContent-Length: 100000\r\n\r\n"))
	wrote := trickle(c, make([]byte, 100000), 10*time.Millisecond)
	body := requireAnswered408AndClosed(t, c)
	require.Contains(t, body, "body arriving too slowly")
	requireCutOff(t, wrote)
	require.Equal(t, 408, in.nextRejection(t).Status)
	logs.wait(t, "rejected request from "+c.LocalAddr().String()+" with 408: body arriving too slowly", "Config.MinBodyRate")
	requireNoMessage(t, in)
	requireStillServing(t, m, in)
}

// A body that arrives steadily above MinBodyRate is taken however long it
// takes, past RequestBodyTimeout; so are headers that take a while to
// start.
func TestBodyArrivingAboveTheMinimumRateOutlastsTheBodyTimeout(t *testing.T) {
	in := newInbox()
	cfg := in.config("executor(1)")
	cfg.RequestBodyTimeout = 300 * time.Millisecond
	cfg.MinBodyRate = 5000 // the sender below sends 20000 bytes/s
	m := startMessenger(t, cfg)

	c := dial(t, m)
	const chunks, size = 16, 1000 // 16 x 50 ms: more than twice the body timeout
	write(t, c, []byte(fmt.Sprintf("POST /executor(1)/mesos.internal.Steady HTTP/1.1\r\nLibprocess-From: slave(1)@127.0.0.1:5051\r\nContent-Length: %d\r\n\r\n", chunks*size)))
	start := time.Now()
	for i := 0; i < chunks; i++ {
		write(t, c, []byte(strings.Repeat(string(rune('a'+i)), size)))
		time.Sleep(50 * time.Millisecond) // the sender's pace
	}
	got := in.next(t)
	require.Greater(t, time.Since(start), cfg.RequestBodyTimeout)
	require.Equal(t, "mesos.internal.Steady", got.Name)
	require.Len(t, got.Body, chunks*size)
	status, _ := readResponse(t, bufio.NewReader(c))
	require.Equal(t, 202, status)
}

// Connections that deliver nothing are bounded: the oldest makes room for
// a new one, so the agent's next connection always gets in. Refused
// requests do not count as delivering; a connection that delivered a
// message is never closed for it.
func TestConnectionsThatDeliverNothingAreBoundedOldestFirst(t *testing.T) {
	logs := captureLogs(t)
	in := newInbox()
	cfg := in.config("executor(1)")
	cfg.MaxPendingConnections = 3
	m := startMessenger(t, cfg)

	agent := dial(t, m) // an established connection, idle from here on
	write(t, agent, generations[1].request(m.UPID().Port, "mesos.internal.First", nil))
	require.Equal(t, "mesos.internal.First", in.next(t).Name)
	agentBR := bufio.NewReader(agent)
	status, _ := readResponse(t, agentBR)
	require.Equal(t, 202, status)

	var silent []net.Conn
	for i := 0; i < 3; i++ {
		silent = append(silent, dial(t, m))
	}
	// A refused request (another process id) leaves its connection pending.
	write(t, silent[1], []byte("POST /other(1)/mesos.internal.X HTTP/1.1\r\nLibprocess-From: slave(1)@127.0.0.1:5051\r\n\r\n"))
	status, _ = readResponse(t, bufio.NewReader(silent[1]))
	require.Equal(t, 404, status)
	require.Equal(t, 404, in.nextRejection(t).Status)

	for i := 0; i < 3; i++ {
		silent = append(silent, dial(t, m)) // each closes the oldest pending one
		r := in.nextRejection(t)
		require.Equal(t, silent[i].LocalAddr().String(), r.Peer)
		require.Equal(t, 0, r.Status)
		requireClosedOrReset(t, bufio.NewReader(silent[i]))
		logs.wait(t, "refused the connection from "+silent[i].LocalAddr().String()+": closing the connection: no message delivered in", "the oldest of 3 such connections (Config.MaxPendingConnections)")
	}

	// The newest connections work, and so does the established one.
	write(t, silent[5], generations[1].request(m.UPID().Port, "mesos.internal.Newest", nil))
	require.Equal(t, "mesos.internal.Newest", in.next(t).Name)
	write(t, agent, generations[1].request(m.UPID().Port, "mesos.internal.Again", nil))
	require.Equal(t, "mesos.internal.Again", in.next(t).Name)
	status, _ = readResponse(t, agentBR)
	require.Equal(t, 202, status)
}

// A peer that sends requests but never reads the answers cannot hold the
// receiver's goroutine: once the answers stop moving for WriteTimeout,
// the connection is closed.
func TestAPeerThatNeverReadsItsAnswersIsClosed(t *testing.T) {
	logs := captureLogs(t)
	cfg := Config{ProcessID: "executor(1)", Handler: func(Message) {}, WriteTimeout: 200 * time.Millisecond}
	m := startMessenger(t, cfg)

	raw, err := net.Dial("tcp", m.Addr().String())
	require.NoError(t, err)
	defer raw.Close()
	c := raw.(*net.TCPConn)
	require.NoError(t, c.SetReadBuffer(4096))
	require.NoError(t, c.SetDeadline(time.Now().Add(2*waitFor)))
	// Each request is refused with a 404 whose reason repeats its 30 KB
	// name, so the answers fill the socket buffers quickly.
	name := strings.Repeat("n", 30000)
	req := []byte("POST /other(1)/" + name + " HTTP/1.1\r\nLibprocess-From: slave(1)@127.0.0.1:5051\r\n\r\n")
	for {
		if _, err = c.Write(req); err != nil {
			break
		}
	}
	var ne net.Error
	require.False(t, errors.As(err, &ne) && ne.Timeout(), "the receiver must close the connection, not stall: %v", err)
	logs.wait(t, "closing the connection from "+c.LocalAddr().String()+": it has not read its answers for 200ms (Config.WriteTimeout)")
	_, err = io.Copy(io.Discard, c)
	_ = err // what was answered before the close, then EOF or a reset
}

func TestNegativeBoundsAreRefused(t *testing.T) {
	_, err := New(Config{ProcessID: "executor(1)", Handler: func(Message) {},
		RequestHeaderTimeout: -1, RequestBodyTimeout: -1, WriteTimeout: -1, MinBodyRate: -1, MaxPendingConnections: -1})
	require.Error(t, err)
	for _, name := range []string{"RequestHeaderTimeout", "RequestBodyTimeout", "WriteTimeout", "MinBodyRate", "MaxPendingConnections"} {
		require.Contains(t, err.Error(), "Config."+name)
	}
}

// With Trusted set, a message from a stranger does not vouch for its
// connection: it stays pending and the bound closes it, while the
// trusted agent's connection stays open.
func TestAStrangersMessageDoesNotEstablishItsConnection(t *testing.T) {
	in := newInbox()
	cfg := trustingTheAgentOnly(in)
	m := startMessenger(t, cfg)
	stranger := []byte("POST /executor(1)/mesos.internal.X HTTP/1.1\r\nLibprocess-From: slave(1)@10.9.9.9:5051\r\nContent-Length: 0\r\n\r\n")

	agent := dial(t, m)
	write(t, agent, generations[1].request(m.UPID().Port, "mesos.internal.First", nil))
	require.Equal(t, "mesos.internal.First", in.next(t).Name)
	first := dial(t, m)
	write(t, first, stranger)
	require.Equal(t, "mesos.internal.X", in.next(t).Name, "delivered: the driver decides what to do with it")
	status, _ := readResponse(t, bufio.NewReader(first))
	require.Equal(t, 202, status)

	second := dial(t, m) // one pending too many: the stranger's goes
	r := in.nextRejection(t)
	require.Equal(t, first.LocalAddr().String(), r.Peer)
	requireClosedOrReset(t, bufio.NewReader(first))
	write(t, agent, generations[1].request(m.UPID().Port, "mesos.internal.Again", nil))
	require.Equal(t, "mesos.internal.Again", in.next(t).Name, "the agent's connection was not counted")
	second.Close()
}

// The agent's connection counts as established before its message is
// handled: while the handler still holds the agent's first message, a
// stranger's connection and one more come, and it is the stranger's that
// the bound on pending connections closes, never the agent's.
func TestTheAgentsConnectionIsEstablishedBeforeItsMessageIsHandled(t *testing.T) {
	in := newInbox()
	cfg := trustingTheAgentOnly(in)
	handling, release := make(chan struct{}), make(chan struct{})
	deliver := cfg.Handler
	cfg.Handler = func(msg Message) {
		if msg.Name == "mesos.internal.First" {
			close(handling)
			<-release
		}
		deliver(msg)
	}
	m := startMessenger(t, cfg)
	var releaseOnce sync.Once
	unblock := func() { releaseOnce.Do(func() { close(release) }) }
	t.Cleanup(unblock) // before the messenger's Close, which waits for the handler

	agent := dial(t, m)
	write(t, agent, generations[1].request(m.UPID().Port, "mesos.internal.First", nil))
	<-handling
	stranger := dial(t, m)
	second := dial(t, m) // one pending too many
	r := in.nextRejection(t)
	require.Equal(t, stranger.LocalAddr().String(), r.Peer, "the agent's connection was closed while its message was handled")
	unblock()
	require.Equal(t, "mesos.internal.First", in.next(t).Name)
	write(t, agent, generations[1].request(m.UPID().Port, "mesos.internal.Again", nil))
	require.Equal(t, "mesos.internal.Again", in.next(t).Name)
	second.Close()
}

// trustingTheAgentOnly is in's configuration with one pending connection
// allowed and only the agent (slave(1)@127.0.0.1:5051, the sender of the
// test requests) trusted.
func trustingTheAgentOnly(in *inbox) Config {
	cfg := in.config("executor(1)")
	cfg.MaxPendingConnections = 1
	agentPID := upid.UPID{ID: "slave(1)", Host: "127.0.0.1", Port: 5051}
	cfg.Trusted = func(from upid.UPID) bool { return from == agentPID }
	return cfg
}
