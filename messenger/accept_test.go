package messenger

import (
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// failingListener fails Accept once for every error queued on errs, before
// accepting real connections again.
type failingListener struct {
	net.Listener
	errs chan error
}

func newFailingListener(t *testing.T) *failingListener {
	raw, err := listenTCP("127.0.0.1:0")
	require.NoError(t, err)
	return &failingListener{Listener: raw, errs: make(chan error, 16)}
}

// Accept implements net.Listener.
func (l *failingListener) Accept() (net.Conn, error) {
	select {
	case err := <-l.errs:
		return nil, err
	default:
		return l.Listener.Accept()
	}
}

// fail queues n failures such as the kernel returns when the process is
// out of descriptors.
func (l *failingListener) fail(n int) {
	for range n {
		l.errs <- &net.OpError{Op: "accept", Net: "tcp", Addr: l.Addr(), Err: os.NewSyscallError("accept4", syscall.EMFILE)}
	}
}

// acceptFailures is the accept failures logged so far.
func acceptFailures(logs logCapture) []string {
	var failed []string
	for _, line := range logs.Lines() {
		if strings.Contains(line, "accept failed") {
			failed = append(failed, line)
		}
	}
	return failed
}

// sendRaw delivers one message to m on a new connection.
func sendRaw(t *testing.T, m *Messenger, in *inbox, body string) {
	t.Helper()
	write(t, dial(t, m), generations[1].request(m.UPID().Port, "mesos.internal.X", []byte(body)))
	require.Equal(t, body, string(in.next(t).Body))
}

func TestMessengerKeepsAcceptingAfterFailedAccepts(t *testing.T) {
	logs := captureLogs(t)
	ln := newFailingListener(t)
	ln.fail(3)
	in := newInbox()
	cfg := in.config("executor(1)")
	cfg.Listener = ln
	m := startMessenger(t, cfg)

	sendRaw(t, m, in, "after three failures")
	failed := acceptFailures(logs)
	require.Len(t, failed, 3, "%s", logs)
	for i, delay := range []string{"5ms", "10ms", "20ms"} {
		require.Contains(t, failed[i], "W messenger: executor(1)@127.0.0.1:")
		require.Contains(t, failed[i], "accept failed, retrying in "+delay+": accept tcp 127.0.0.1:")
		require.Contains(t, failed[i], "too many open files")
	}

	// After a success the wait starts over from its shortest.
	from := logs.Mark()
	ln.fail(1)
	sendRaw(t, m, in, "second")
	logs.Wait(t, from, waitFor, "accept failed, retrying in 5ms:")
	sendRaw(t, m, in, "third")
}

func TestMessengerCloseEndsTheWaitAfterAFailedAccept(t *testing.T) {
	saved := acceptRetry
	acceptRetry.min, acceptRetry.max = time.Hour, time.Hour
	t.Cleanup(func() { acceptRetry = saved })
	logs := captureLogs(t)
	ln := newFailingListener(t)
	ln.fail(1)
	cfg := newInbox().config("executor(1)")
	cfg.Listener = ln
	m := startMessenger(t, cfg)
	logs.wait(t, "accept failed, retrying in 1h0m0s")

	closed := make(chan struct{})
	go func() {
		m.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(waitFor):
		t.Fatal("Close waited for the retry after a failed accept")
	}
}

// A Config.Listener closed by its owner will not accept again: the loop
// says so once and ends, instead of retrying every second until Close.
func TestListenerClosedByItsOwnerEndsReceivingWithOneError(t *testing.T) {
	logs := captureLogs(t)
	ln := newFailingListener(t)
	cfg := newInbox().config("executor(1)")
	cfg.Listener = ln
	startMessenger(t, cfg)
	require.NoError(t, ln.Listener.Close())
	logs.wait(t, "listener closed, no longer receiving")
	require.Empty(t, acceptFailures(logs), "no retry of a closed listener")
}
