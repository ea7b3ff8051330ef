package agentsim

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/executor"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/compat/httpapi"
	"github.com/mesos-shim/executor/recordio"
)

// v1Executor is a bare v1 executor on net/http, recordio and httpapi: the
// test decides every call it makes and reads every event it gets. Calls
// other than SUBSCRIBE share one keep-alive connection; each SUBSCRIBE has
// its own, as the C++ library does (MesosProcess::connect in Mesos's
// src/executor/executor.cpp).
type v1Executor struct {
	t     *testing.T
	url   string
	codec httpapi.Codec // of the calls
	// accept is the SUBSCRIBE's Accept header; "" sends none.
	accept string
	// token, if set, goes in "Authorization: Bearer".
	token  string
	fw, ex string
	calls  *http.Client
}

// newV1Executor talks to a's endpoint, found as the C++ library finds it:
// from MESOS_SLAVE_PID's ip:port, which MESOS_AGENT_ENDPOINT (0.27+)
// equals.
func newV1Executor(t *testing.T, a *Agent, codec httpapi.Codec) *v1Executor {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &v1Executor{
		t: t, url: "http://" + a.UPID().HostPort() + "/api/v1/executor", codec: codec, accept: codec.ContentType(),
		fw: a.Getenv("MESOS_FRAMEWORK_ID"), ex: a.Getenv("MESOS_EXECUTOR_ID"), calls: &http.Client{Transport: tr},
	}
}

func (f *v1Executor) call(t executor.Call_Type) *executor.Call {
	return &executor.Call{Type: t, FrameworkID: mesos.FrameworkID{Value: f.fw}, ExecutorID: mesos.ExecutorID{Value: f.ex}}
}

func (f *v1Executor) subscribeCall(updates ...*executor.Call) *executor.Call {
	c := f.call(executor.Call_SUBSCRIBE)
	c.Subscribe = &executor.Call_Subscribe{}
	for _, u := range updates {
		c.Subscribe.UnacknowledgedUpdates = append(c.Subscribe.UnacknowledgedUpdates, *u.Update)
	}
	return c
}

// updateCall is what an executor sends for a task's new state: a fresh
// random uuid, SOURCE_EXECUTOR, its own executor id.
func (f *v1Executor) updateCall(taskID string, state mesos.TaskState) *executor.Call {
	uuid := make([]byte, 16)
	rand.Read(uuid)
	uuid[6] = uuid[6]&0x0f | 0x40 // version 4, as the agent requires from 1.0 on
	now := float64(time.Now().UnixNano()) / 1e9
	c := f.call(executor.Call_UPDATE)
	c.Update = &executor.Call_Update{Status: mesos.TaskStatus{
		TaskID: mesos.TaskID{Value: taskID}, State: state.Enum(), Source: mesos.SOURCE_EXECUTOR.Enum(),
		ExecutorID: &c.ExecutorID, Timestamp: &now, UUID: uuid}}
	return c
}

func (f *v1Executor) messageCall(data []byte) *executor.Call {
	c := f.call(executor.Call_MESSAGE)
	c.Message = &executor.Call_Message{Data: data}
	return c
}

// encode encodes c with the executor's codec.
func (f *v1Executor) encode(c *executor.Call) []byte {
	f.t.Helper()
	body, err := f.codec.EncodeCall(c)
	require.NoError(f.t, err)
	return body
}

// request builds a POST of body with the executor's headers.
func (f *v1Executor) request(contentType string, body []byte) *http.Request {
	f.t.Helper()
	req, err := http.NewRequest(http.MethodPost, f.url, bytes.NewReader(body))
	require.NoError(f.t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if f.accept != "" {
		req.Header.Set("Accept", f.accept)
	}
	if f.token != "" {
		req.Header.Set("Authorization", "Bearer "+f.token)
	}
	return req
}

// reply is a non-streaming answer, read to its end.
type reply struct {
	status int
	header http.Header
	body   string
}

func (f *v1Executor) do(req *http.Request) reply {
	f.t.Helper()
	resp, err := f.calls.Do(req)
	require.NoError(f.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(f.t, err)
	return reply{status: resp.StatusCode, header: resp.Header, body: string(body)}
}

// post sends c on the calls connection and returns the answer.
func (f *v1Executor) post(c *executor.Call) reply {
	f.t.Helper()
	return f.do(f.request(f.codec.ContentType(), f.encode(c)))
}

// accepted posts c and requires 202 with an empty body.
func (f *v1Executor) accepted(c *executor.Call) {
	f.t.Helper()
	r := f.post(c)
	require.Equal(f.t, http.StatusAccepted, r.status, "%s answered %q", c.Type, r.body)
	require.Empty(f.t, r.body)
	require.Equal(f.t, "0", r.header.Get("Content-Length"))
}

// subscribeRaw sends c (a SUBSCRIBE) on a connection of its own and
// returns the response; a 200's body stays open as a stream.
func (f *v1Executor) subscribeRaw(c *executor.Call) (*http.Response, func()) {
	f.t.Helper()
	return f.subscribeBody(f.encode(c))
}

// subscribeBody is subscribeRaw for a body as it is.
func (f *v1Executor) subscribeBody(body []byte) (*http.Response, func()) {
	f.t.Helper()
	// A new subscription may be to a restarted agent: a kept-alive calls
	// connection to its predecessor is dead, and POSTs are not retried.
	f.calls.CloseIdleConnections()
	tr := &http.Transport{DisableKeepAlives: true}
	resp, err := (&http.Client{Transport: tr}).Do(f.request(f.codec.ContentType(), body))
	require.NoError(f.t, err)
	done := func() {
		resp.Body.Close()
		tr.CloseIdleConnections()
	}
	f.t.Cleanup(done)
	return resp, done
}

// subscribe sends a SUBSCRIBE and requires 200 with the negotiated
// Content-Type, chunked.
func (f *v1Executor) subscribe(updates ...*executor.Call) *v1Stream {
	f.t.Helper()
	resp, _ := f.subscribeRaw(f.subscribeCall(updates...))
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		require.FailNow(f.t, "SUBSCRIBE refused", "%s: %s", resp.Status, body)
	}
	want, ok := httpapi.NegotiateAccept(resp.Request.Header.Values("Accept"))
	require.True(f.t, ok)
	require.Equal(f.t, []string{want.ContentType()}, resp.Header.Values("Content-Type"))
	require.Equal(f.t, []string{"chunked"}, resp.TransferEncoding)
	return newV1Stream(f.t, resp, want)
}

// v1Stream reads a subscription's events in the background.
type v1Stream struct {
	t     *testing.T
	codec httpapi.Codec
	// reads delivers each record, then the error that ended the stream.
	reads chan streamRead
}

type streamRead struct {
	rec []byte
	err error
}

func newV1Stream(t *testing.T, resp *http.Response, codec httpapi.Codec) *v1Stream {
	s := &v1Stream{t: t, codec: codec, reads: make(chan streamRead, 64)}
	go func() {
		r := recordio.NewReader(resp.Body)
		for {
			rec, err := r.ReadRecord()
			s.reads <- streamRead{rec, err}
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { resp.Body.Close() })
	return s
}

// read returns the next record or the end of the stream.
func (s *v1Stream) read() streamRead {
	s.t.Helper()
	select {
	case r := <-s.reads:
		return r
	case <-time.After(testTimeout):
		require.FailNow(s.t, "nothing on the stream", "waited %s", testTimeout)
	}
	return streamRead{}
}

// nextRecord returns the next record, raw.
func (s *v1Stream) nextRecord() []byte {
	s.t.Helper()
	r := s.read()
	require.NoError(s.t, r.err, "the stream ended")
	return r.rec
}

// next returns the next event.
func (s *v1Stream) next() *executor.Event {
	s.t.Helper()
	ev, err := s.codec.DecodeEvent(s.nextRecord())
	require.NoError(s.t, err)
	return ev
}

// expect reads the next event, which must be of type t.
func (s *v1Stream) expect(t executor.Event_Type) *executor.Event {
	s.t.Helper()
	ev := s.next()
	require.Equal(s.t, t, ev.Type, "unexpected event %v", ev)
	return ev
}

// ended waits for the end of the stream and returns how it ended: io.EOF
// after the last chunk, io.ErrUnexpectedEOF when the connection was cut.
func (s *v1Stream) ended() error {
	s.t.Helper()
	r := s.read()
	require.Error(s.t, r.err, "an event instead of the end: %q", r.rec)
	return r.err
}

// endedCleanly: the agent ended the response with its last chunk.
func (s *v1Stream) endedCleanly() {
	s.t.Helper()
	require.ErrorIs(s.t, s.ended(), io.EOF)
}

// cut: the connection closed without the last chunk.
func (s *v1Stream) cut() {
	s.t.Helper()
	err := s.ended()
	require.True(s.t, errors.Is(err, io.ErrUnexpectedEOF), "want a cut stream, got %v", err)
}

// v1Entries lists "direction name" of the trace's v1 messages.
func v1Entries(tr *Trace) []string {
	var out []string
	for _, e := range tr.Entries() {
		if e.Wire == WireV1 && (e.Dir == ToExecutor || e.Dir == FromExecutor) {
			out = append(out, strings.SplitN(e.Dir.String(), " ", 2)[0]+" "+e.Name)
		}
	}
	return out
}
