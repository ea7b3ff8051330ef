package driver

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/executor"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/compat/httpapi"
	"github.com/mesos-shim/executor/logging/logtest"
	"github.com/mesos-shim/executor/recordio"
	"github.com/mesos-shim/executor/upid"
)

// slowV1Agent answers a SUBSCRIBE with 200 and a stream that stays silent
// until the test releases SUBSCRIBED on it, or ends it; other calls get 202.
type slowV1Agent struct {
	srv        *httptest.Server
	subscribes chan struct{} // a SUBSCRIBE was received
	count      atomic.Int32  // SUBSCRIBEs received
	release    chan struct{} // closed: SUBSCRIBED goes out
	first      []byte        // if set, sent at once (a framed event)
	end        chan struct{} // closed: the stream ends
	done       chan struct{}
}

func startSlowV1Agent(t *testing.T, first ...*executor.Event) *slowV1Agent {
	a := &slowV1Agent{subscribes: make(chan struct{}, 1), release: make(chan struct{}),
		end: make(chan struct{}), done: make(chan struct{})}
	for _, e := range first {
		b, err := httpapi.Protobuf.EncodeEvent(e)
		require.NoError(t, err)
		a.first = recordio.AppendRecord(a.first, b)
	}
	a.srv = httptest.NewServer(http.HandlerFunc(a.serve))
	t.Cleanup(func() {
		close(a.done)
		a.srv.Close()
	})
	return a
}

func (a *slowV1Agent) endpoint() string { return strings.TrimPrefix(a.srv.URL, "http://") }

func (a *slowV1Agent) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	call, err := httpapi.Protobuf.DecodeCall(body)
	if err != nil || call.Type != executor.Call_SUBSCRIBE {
		w.WriteHeader(http.StatusAccepted)
		return
	}
	a.count.Add(1)
	select {
	case a.subscribes <- struct{}{}:
	default:
	}
	w.Header().Set("Content-Type", httpapi.ContentTypeProtobuf)
	w.WriteHeader(http.StatusOK)
	w.Write(a.first)
	w.(http.Flusher).Flush()
	select {
	case <-a.release:
		w.Write(subscribedRecord())
		w.(http.Flusher).Flush()
	case <-a.end:
		return
	case <-r.Context().Done():
		return
	case <-a.done:
		return
	}
	select {
	case <-r.Context().Done():
	case <-a.done:
	}
}

// subscribedRecord is a SUBSCRIBED event, encoded in protobuf and framed.
func subscribedRecord() []byte {
	e, _ := httpapi.Protobuf.EncodeEvent(&executor.Event{Type: executor.Event_SUBSCRIBED, Subscribed: &executor.Event_Subscribed{
		ExecutorInfo:  mesos.ExecutorInfo{ExecutorID: mesos.ExecutorID{Value: "ex"}},
		FrameworkInfo: mesos.FrameworkInfo{User: "u", Name: "f", ID: &mesos.FrameworkID{Value: "fw"}},
		AgentInfo:     mesos.AgentInfo{Hostname: "h", ID: &mesos.AgentID{Value: "ag"}}}})
	return recordio.AppendRecord(nil, e)
}

// heldLegacyWire is the legacy wire a fallback opens, held at its opening
// until the test releases it; it records what it is asked to do.
type heldLegacyWire struct {
	opening chan struct{} // closed when the fallback starts opening it
	release chan struct{}
	sent    chan *executor.Call
	closed  chan struct{}
	once    sync.Once
}

func newHeldLegacyWire() *heldLegacyWire {
	return &heldLegacyWire{opening: make(chan struct{}), release: make(chan struct{}),
		sent: make(chan *executor.Call, 4), closed: make(chan struct{})}
}

func (w *heldLegacyWire) openWire() (wire, error) {
	close(w.opening)
	<-w.release
	return w, nil
}

func (w *heldLegacyWire) open() error                 { return nil }
func (w *heldLegacyWire) send(c *executor.Call) error { w.sent <- c; return nil }
func (w *heldLegacyWire) close()                      { w.once.Do(func() { close(w.closed) }) }
func (w *heldLegacyWire) name() string                { return "v0" }
func (w *heldLegacyWire) live(int) bool               { return true }

// startNegotiating starts a driver that may fall back from v1 to the
// legacy wire, the v1 endpoint at a, the legacy wire lw, and waits for the
// fallback to start.
func startNegotiating(t *testing.T, a *slowV1Agent, lw *heldLegacyWire, rec *recorder) *Driver {
	d, _ := startNegotiator(t, a, lw, rec, 50*time.Millisecond)
	await(t, lw.opening, "the fallback (no event within SubscribeTimeout)")
	return d
}

// startNegotiator starts a driver that may fall back from v1 to the legacy
// wire after subscribeTimeout, the v1 endpoint at a, the legacy wire lw,
// and waits for its first SUBSCRIBE.
func startNegotiator(t *testing.T, a *slowV1Agent, lw *heldLegacyWire, rec *recorder, subscribeTimeout time.Duration) (*Driver, *negotiator) {
	pid, err := upid.Parse("slave(1)@127.0.0.1:5051")
	require.NoError(t, err)
	cfg := Config{FrameworkID: "fw", ExecutorID: "ex", AgentID: "ag", AgentPID: pid,
		AgentEndpoint: a.endpoint(), HTTPCommandExecutor: "0", AgentSetGracePeriod: true,
		Directory: "/tmp", Sandbox: "/tmp", Checkpoint: true, RecoveryTimeout: time.Minute,
		ShutdownGracePeriod: time.Minute, SubscriptionBackoffMax: 2 * time.Millisecond,
		SubscribeTimeout: subscribeTimeout, KeepProcessGroup: true, Getenv: mapEnv(nil)}
	d, err := New(rec.executor(), cfg)
	require.NoError(t, err)
	require.True(t, d.choice.fallback)
	n, err := newNegotiator(d, cfg)
	require.NoError(t, err)
	n.legacy = lw.openWire
	d.started.Store(true)
	_, err = d.startOn(n)
	require.NoError(t, err)
	t.Cleanup(func() {
		select {
		case <-lw.release:
		default:
			close(lw.release)
		}
		d.Stop()
	})
	await(t, a.subscribes, "the first SUBSCRIBE")
	return d, n
}

// await waits for ch to deliver or close.
func await[T any](t *testing.T, ch <-chan T, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatalf("no %s", what)
	}
}

// A SUBSCRIBED that arrives while the fallback prepares the legacy wire
// counts: the executor is registered on v1 (the agent has made it an HTTP
// executor, and would shut it down on a legacy registration), so the
// fallback is abandoned before it registers on the legacy wire.
func TestASubscribedDuringTheFallbackKeepsV1(t *testing.T) {
	a := startSlowV1Agent(t)
	lw := newHeldLegacyWire()
	rec := newRecorder()
	d := startNegotiating(t, a, lw, rec)

	close(a.release)
	require.Equal(t, "Registered", rec.next(t))
	close(lw.release)
	select {
	case c := <-lw.sent:
		t.Fatalf("registered on the legacy wire (%s) after SUBSCRIBED on v1", c.Type)
	case <-lw.closed:
	case <-time.After(5 * time.Second):
		t.Fatal("the fallback neither registered nor gave up")
	}
	require.Equal(t, ProtocolV1, d.Protocol())
}

// A v1 failure while the fallback is under way is the fallback's to
// handle: the core must not take it as a lost first subscription and
// subscribe on v1 again (or give up) while the executor registers on the
// legacy wire.
func TestAV1FailureDuringTheFallbackIsLeftToIt(t *testing.T) {
	logs := logtest.Capture(t)
	from := logs.Mark()
	a := startSlowV1Agent(t)
	lw := newHeldLegacyWire()
	rec := newRecorder()
	d := startNegotiating(t, a, lw, rec)

	close(a.end)
	logs.Wait(t, from, 5*time.Second, "driver: v1 failed while falling back", "event stream ended")
	close(lw.release)
	select {
	case c := <-lw.sent:
		require.Equal(t, executor.Call_SUBSCRIBE, c.Type, "the registration")
	case <-time.After(5 * time.Second):
		t.Fatal("no registration on the legacy wire")
	}
	require.Equal(t, ProtocolV0, d.Protocol())
	require.Equal(t, int32(1), a.count.Load(), "no second SUBSCRIBE on v1")
}

// An agent that answers SUBSCRIBE with SHUTDOWN and no SUBSCRIBED (1.1+:
// an executor with nothing to run) has a working v1 endpoint, which a stub
// never shows: the executor, shutting down, must not then fall back and
// register on the legacy wire once SubscribeTimeout has passed.
func TestAShutdownWithoutSubscribedEndsTheNegotiation(t *testing.T) {
	a := startSlowV1Agent(t, &executor.Event{Type: executor.Event_SHUTDOWN})
	lw := newHeldLegacyWire()
	close(lw.release)
	rec := newRecorder()
	_, n := startNegotiator(t, a, lw, rec, time.Minute) // the test asks the fallback itself
	require.Equal(t, "Shutdown", rec.next(t))
	require.False(t, n.fallBack("the test's"), "the negotiation is over")
	require.Empty(t, lw.sent)
}
