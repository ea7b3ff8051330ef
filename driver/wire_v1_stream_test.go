package driver

import (
	"context"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mesos/mesos-go/api/v1/lib/executor"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/compat/httpapi"
	"github.com/mesos-shim/executor/driver/internal/core"
	"github.com/mesos-shim/executor/internal/tlsopt"
	"github.com/mesos-shim/executor/recordio"
)

// streamWire is a v1 wire with only what readSubscription uses, to the
// agent at endpoint, its inputs collected.
type streamWire struct {
	*httpWire
	mu     sync.Mutex
	inputs []core.Input
}

func newStreamWire(t *testing.T, endpoint string, env map[string]string) *streamWire {
	tlsCfg, err := clientTLSFromEnv(mapEnv(env))
	require.NoError(t, err)
	sw := &streamWire{}
	sw.httpWire = &httpWire{url: "https://" + endpoint + "/api/v1/executor", codec: httpapi.Protobuf,
		token: "tok", maxEvent: 1 << 20, post: func(_ int, in core.Input) {
			sw.mu.Lock()
			defer sw.mu.Unlock()
			sw.inputs = append(sw.inputs, in)
		}}
	sw.callsTo, err = newCallsTarget(endpoint, tlsCfg, sw.codec, sw.token)
	require.NoError(t, err)
	return sw
}

// The subscription's connection follows the same TLS rules and sends the
// same request as the calls connection (TestCallsConnectionTLSAndRequests),
// checks the answer's Content-Type and reads its events as they come.
func TestSubscriptionStreamTLSAndRequest(t *testing.T) {
	needTLS(t)
	reverseDNS(t, tlsopt.Hosts{"127.0.0.1": {"example.com"}})
	event, err := httpapi.Protobuf.EncodeEvent(&executor.Event{Type: executor.Event_MESSAGE,
		Message: &executor.Event_Message{Data: []byte("hello")}})
	require.NoError(t, err)
	got := make(chan *http.Request, 1)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		got <- r
		w.Header().Set("Content-Type", httpapi.ContentTypeProtobuf)
		w.WriteHeader(http.StatusOK)
		w.Write(recordio.AppendRecord(nil, event))
	}))
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600))
	endpoint := srv.Listener.Addr().String()

	w := newStreamWire(t, endpoint, map[string]string{"LIBPROCESS_SSL_ENABLED": "true",
		"LIBPROCESS_SSL_CA_FILE": ca, "LIBPROCESS_SSL_VERIFY_SERVER_CERT": "true"})
	f := w.readSubscription(context.Background(), 1, []byte("subscribe"))
	require.Equal(t, subscribeFailure{cause: "event stream ended: EOF", retry: true}, f)
	require.Len(t, w.inputs, 1)
	require.Equal(t, []byte("hello"), w.inputs[0].(core.Event).Event.Message.Data)
	r := <-got
	require.Equal(t, "POST", r.Method)
	require.Equal(t, "/api/v1/executor", r.URL.Path)
	require.Equal(t, endpoint, r.Host)
	require.Equal(t, httpapi.ContentTypeProtobuf, r.Header.Get("Content-Type"))
	require.Equal(t, httpapi.ContentTypeProtobuf, r.Header.Get("Accept"))
	require.Equal(t, "Bearer tok", r.Header.Get("Authorization"))
	body, _ := io.ReadAll(r.Body)
	require.Equal(t, "subscribe", string(body))

	w = newStreamWire(t, endpoint, map[string]string{"LIBPROCESS_SSL_ENABLED": "1", "LIBPROCESS_SSL_VERIFY_CERT": "1"})
	f = w.readSubscription(context.Background(), 1, nil)
	require.Contains(t, f.cause, "certificate", "verification against the system roots fails for a test certificate")
	require.False(t, f.noV1, "a TLS failure is not a missing endpoint")
	require.Empty(t, w.inputs)
}

// Connection refused is a missing v1 endpoint, for negotiation to fall
// back on; a refusal's status and text reach the failure's cause.
func TestSubscriptionRefusals(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	f := newStreamWire(t, addr, nil).readSubscription(context.Background(), 1, nil)
	require.True(t, f.noV1 && f.retry, "%+v", f)

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "Agent has not finished recovery", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	f = newStreamWire(t, srv.Listener.Addr().String(), nil).readSubscription(context.Background(), 1, nil)
	require.Equal(t, subscribeFailure{cause: "SUBSCRIBE answered 503 Service Unavailable: Agent has not finished recovery", retry: true}, f)
}

// A stream whose HTTP chunk framing breaks once subscribed cannot be read
// on, as one whose RecordIO framing breaks: the agent is alive (it sent the
// bytes), so the loss is silent, and an executor that does not checkpoint
// subscribes again rather than shutting its tasks down.
func TestBrokenChunkFramingIsAnUnreadableStream(t *testing.T) {
	rec := subscribedRecord()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body)
		c, bw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer c.Close()
		fmt.Fprintf(bw, "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\nzz\r\n",
			httpapi.ContentTypeProtobuf, len(rec), rec)
		bw.Flush()
		io.Copy(io.Discard, c) // until the executor closes the stream
	}))
	defer srv.Close()
	w := newStreamWire(t, srv.Listener.Addr().String(), nil)
	f := w.readSubscription(context.Background(), 1, nil)
	require.Contains(t, f.cause, `invalid chunk size line "zz"`)
	require.True(t, f.everSawV1 && f.retry && f.silent, "%+v", f)
}

// Ending a subscription's context ends the read of its stream at once.
func TestSubscriptionCancelEndsTheStream(t *testing.T) {
	streaming := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", httpapi.ContentTypeProtobuf)
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		close(streaming)
		<-r.Context().Done() // silent until the client goes
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan subscribeFailure, 1)
	go func() { done <- newStreamWire(t, srv.Listener.Addr().String(), nil).readSubscription(ctx, 1, nil) }()
	<-streaming // the answer's head is on its way: the cancel ends a stream, not a dial
	cancel()
	select {
	case f := <-done:
		require.Contains(t, f.cause, "context canceled")
		require.NotContains(t, f.cause, "dial", "the cancel came before the stream")
	case <-time.After(5 * time.Second):
		t.Fatal("the stream was read on after its subscription ended")
	}
}

// An executor on this driver links no net/http: the v1 wire speaks HTTP
// through internal/httppipe, and the package's own imports are checked
// (issue 7: net/http costs every executor megabytes of RSS and start-up).
func TestAnExecutorDoesNotLinkNetHTTP(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", "../examples/minimal").CombinedOutput()
	require.NoError(t, err, "%s", out)
	deps := strings.Fields(string(out))
	require.Contains(t, deps, "github.com/mesos-shim/executor/driver", "the list is the example's")
	for _, banned := range []string{"net/http", "net/http/httptrace", "mime/multipart"} {
		require.NotContains(t, deps, banned)
	}
}

// needTLS skips a test that speaks TLS in a build without it (the
// mesosshim_notls tag), where make test runs only the NoTLS tests.
func needTLS(t *testing.T) {
	t.Helper()
	if !tlsopt.Available {
		t.Skip("speaks TLS, which a " + tlsopt.Tag + " build leaves out")
	}
}

// Built with the mesosshim_notls tag, an executor does not link
// crypto/tls, whose initialisation alone costs every process 1.5-2 MB
// (internal/tlsopt); by default it does, for agents with SSL.
func TestTheNoTLSTagLeavesCryptoTLSOut(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	deps := func(tags string) []string {
		out, err := exec.Command("go", "list", "-deps", "-tags", tags, "-f", "{{.ImportPath}}", "../examples/minimal").CombinedOutput()
		require.NoError(t, err, "%s", out)
		return strings.Fields(string(out))
	}
	require.Contains(t, deps(""), "crypto/tls")
	lean := deps(tlsopt.Tag)
	require.Contains(t, lean, "github.com/mesos-shim/executor/driver", "the list is the example's")
	for _, banned := range []string{"crypto/tls", "crypto/x509"} {
		require.NotContains(t, lean, banned)
	}
}
