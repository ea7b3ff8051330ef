package agentsim

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mesos/mesos-go/api/v1/lib/executor"

	"github.com/mesos-shim/executor/compat/httpapi"
)

// RecoveryBody is the body of the agent's 503 while it recovers
// (Http::executor; the captures).
const RecoveryBody = "Agent has not finished recovery"

// maxCallBytes bounds a call's body.
const maxCallBytes = 64 << 20

// v1Server serves /api/v1/executor for one incarnation of the agent: the
// HTTP edge (authentication, method, content types, decoding, validation,
// Accept) in the order Http::executor checks them; what depends on the agent's
// state is decided under its lock (v1calls.go).
type v1Server struct {
	inc  incarnation
	srv  *http.Server
	done chan struct{} // closed once Serve has returned
	// down is closed once every connection is closed: a handler of a dead
	// agent waits for it, so that it answers nothing.
	down chan struct{}

	// ln is the router's listener; fallback is net/http's, fed with the
	// connections the plain loop hands on (v1conn.go).
	ln       net.Listener
	fallback *chanListener

	mu      sync.Mutex
	closing bool
	streams map[*stream]struct{}
	conns   map[net.Conn]struct{} // open connections, whoever serves them
	wg      sync.WaitGroup        // handlers
	connWG  sync.WaitGroup        // the accept loop and the plain loops
}

type connKey struct{}

func newV1Server(ln net.Listener, inc incarnation) *v1Server {
	s := &v1Server{inc: inc, done: make(chan struct{}), down: make(chan struct{}),
		streams: make(map[*stream]struct{}), conns: make(map[net.Conn]struct{}),
		ln: ln, fallback: newChanListener(ln.Addr())}
	s.srv = &http.Server{
		Handler:     s,
		ErrorLog:    log.New(io.Discard, "", 0),
		ConnContext: func(ctx context.Context, c net.Conn) context.Context { return context.WithValue(ctx, connKey{}, c) },
	}
	go func() {
		defer close(s.done)
		s.srv.Serve(s.fallback)
	}()
	s.connWG.Add(1)
	go s.acceptLoop()
	return s
}

// close closes every connection (streams end with a FIN, without their
// last chunk), then waits for the handlers.
func (s *v1Server) close() {
	s.mu.Lock()
	s.closing = true
	streams, conns := s.streams, s.conns
	s.streams, s.conns = nil, nil
	s.mu.Unlock()
	s.ln.Close()
	s.fallback.Close()
	s.srv.Close()
	for c := range conns {
		c.Close()
	}
	for st := range streams {
		st.cut()
	}
	close(s.down)
	<-s.done
	s.connWG.Wait()
	s.wg.Wait()
}

// enter counts a handler in, unless the server is closing.
func (s *v1Server) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.wg.Add(1)
	return true
}

func (s *v1Server) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

// v1Answer is the agent's decision on one call: a status and body, or a
// stream to serve as a SUBSCRIBE's 200 response.
type v1Answer struct {
	status int
	body   string
	stream *stream
	// gone: the agent is down; answer nothing.
	gone bool
}

func accepted() v1Answer { return v1Answer{status: http.StatusAccepted} }

func refused(status int, body string) v1Answer { return v1Answer{status: status, body: body} }

func unavailable() v1Answer { return refused(http.StatusServiceUnavailable, RecoveryBody) }

func (s *v1Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.enter() {
		return
	}
	defer s.wg.Done()
	ans, call := s.decide(r)
	switch {
	case ans.gone:
		<-s.down
	case ans.stream != nil:
		s.serveStream(w, r, ans.stream)
	default:
		s.answer(w, call, ans)
	}
}

// decide runs the checks of Http::executor in order and, if the call passes
// them, has the agent handle it.
func (s *v1Server) decide(r *http.Request) (v1Answer, *executor.Call) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxCallBytes+1))
	return s.decideBody(r, body, err, decodeCall(r, body, err))
}

// decideBody is decide once the body is read (err: why not) and decoded
// (call: nil if it does not decode).
func (s *v1Server) decideBody(r *http.Request, body []byte, err error, call *executor.Call) (v1Answer, *executor.Call) {
	p := s.inc.a.cfg.Profile
	s.traceCall(r, body, call)
	switch {
	case p.V1 == V1None:
		return refused(http.StatusNotFound, ""), call // no such route before 0.25
	case p.AuthenticatesExecutors && !bearer(r, s.inc.a.cfg.ExecutorToken):
		return refused(http.StatusUnauthorized, ""), call
	}
	if ans, early := s.inc.beforeRecovery(); early {
		return ans, call
	}
	if ans, bad := checkRequest(r, body, err, call); bad {
		return ans, call
	}
	if msg := validateCall(call, p); msg != "" {
		return refused(http.StatusBadRequest, "Failed to validate Executor::Call: "+msg), call
	}
	var out httpapi.Codec
	if call.Type == executor.Call_SUBSCRIBE {
		c, ok := httpapi.NegotiateAccept(r.Header.Values("Accept"))
		if !ok {
			return refused(http.StatusNotAcceptable, "Expecting 'Accept' to allow "+
				httpapi.ContentTypeJSON+" or "+httpapi.ContentTypeProtobuf), call
		}
		out = c.WithNumbering(numbering(p))
	}
	return s.inc.call(call, out), call
}

// checkRequest answers what is wrong with the request itself: its method,
// its Content-Type, its body.
func checkRequest(r *http.Request, body []byte, readErr error, call *executor.Call) (v1Answer, bool) {
	ct := r.Header.Values("Content-Type")
	switch {
	case r.Method != http.MethodPost:
		return refused(http.StatusMethodNotAllowed, ""), true
	case len(ct) == 0:
		return refused(http.StatusBadRequest, "Expecting 'Content-Type' to be present"), true
	case readErr != nil:
		return refused(http.StatusBadRequest, "Failed to read the body: "+readErr.Error()), true
	case len(body) > maxCallBytes:
		return refused(http.StatusRequestEntityTooLarge, ""), true
	}
	codec, ok := httpapi.CodecForContentType(ct[0])
	switch {
	case !ok:
		return refused(http.StatusUnsupportedMediaType, "Expecting 'Content-Type' of "+
			httpapi.ContentTypeJSON+" or "+httpapi.ContentTypeProtobuf), true
	case call == nil && codec.ContentType() == httpapi.ContentTypeJSON:
		return refused(http.StatusBadRequest, "Failed to parse body into JSON"), true
	case call == nil:
		return refused(http.StatusBadRequest, "Failed to parse body into Call protobuf"), true
	}
	return v1Answer{}, false
}

// decodeCall decodes a request's body by its Content-Type; nil if it does
// not decode.
func decodeCall(r *http.Request, body []byte, readErr error) *executor.Call {
	var call *executor.Call
	codec, ok := httpapi.CodecForContentType(r.Header.Get("Content-Type"))
	if ok && readErr == nil {
		call, _ = codec.DecodeCall(body)
	}
	return call
}

// traceCall records the call (nil: the body was not a call).
func (s *v1Server) traceCall(r *http.Request, body []byte, call *executor.Call) {
	e := Entry{Dir: FromExecutor, Wire: WireV1, Name: "Call"}
	if call != nil {
		e = describeCall(call)
	} else {
		e.Detail = fmt.Sprintf("%s %s, Content-Type %q, %d bytes: not a call", r.Method, r.URL.Path, r.Header.Get("Content-Type"), len(body))
	}
	s.inc.a.trace.add(e)
}

// bearer says whether r carries "Authorization: Bearer <token>".
func bearer(r *http.Request, token string) bool {
	scheme, got, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	return ok && strings.EqualFold(scheme, "Bearer") && got == token && token != ""
}

func numbering(p Profile) httpapi.Numbering {
	if p.V1EventNumbering027 {
		return httpapi.Numbering027
	}
	return httpapi.Numbering028
}

// answer writes a response without a body stream, as libprocess does:
// Date, and a text/plain body if there is one.
func (s *v1Server) answer(w http.ResponseWriter, call *executor.Call, ans v1Answer) {
	if ans.status != http.StatusAccepted {
		s.traceRefusal(call, ans)
	}
	h := w.Header()
	for _, f := range answerHeader(ans) {
		h.Set(f.key, f.value)
	}
	w.WriteHeader(ans.status)
	io.WriteString(w, ans.body)
}

// headerField is one field of a response's header.
type headerField struct{ key, value string }

// answerHeader is the header of an answer without a stream, but Date:
// keys in canonical form, sorted, as net/http writes a Header.
func answerHeader(ans v1Answer) []headerField {
	h := make([]headerField, 0, 3)
	if ans.status == http.StatusMethodNotAllowed {
		h = append(h, headerField{"Allow", http.MethodPost})
	}
	h = append(h, headerField{"Content-Length", strconv.Itoa(len(ans.body))})
	if ans.body != "" {
		h = append(h, headerField{"Content-Type", "text/plain; charset=utf-8"})
	}
	if ans.status == http.StatusUnauthorized {
		// canonical, as Header.Set makes it and net/http sends it
		h = append(h, headerField{"Www-Authenticate", `Bearer realm="mesos-agent-executor"`})
	}
	return h
}

func (s *v1Server) traceRefusal(call *executor.Call, ans v1Answer) {
	what, typ := "call", ""
	if call != nil {
		what, typ = call.Type.String(), call.Type.String()
	}
	name := EventRejected
	if ans.status == http.StatusServiceUnavailable && ans.body == RecoveryBody {
		name = EventUnavailable
	}
	detail := fmt.Sprintf("%s answered %d %s", what, ans.status, http.StatusText(ans.status))
	if ans.body != "" {
		detail += ": " + ans.body
	}
	s.inc.a.trace.add(Entry{Dir: AtAgent, Wire: WireV1, Name: name, Call: typ, Status: ans.status, Detail: detail})
}

// serveStream writes a SUBSCRIBE's 200 response: the negotiated
// Content-Type, chunked, one RecordIO record per chunk, until the agent
// ends or cuts the stream or the executor goes away.
func (s *v1Server) serveStream(w http.ResponseWriter, r *http.Request, st *stream) {
	if !s.track(st) {
		<-s.down
		return
	}
	defer s.untrack(st)
	c, _ := r.Context().Value(connKey{}).(net.Conn)
	st.attach(c)
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", st.codec.ContentType())
	w.WriteHeader(http.StatusOK)
	if rc.Flush() != nil {
		s.lost(st, "could not send the 200")
		return
	}
	var tick <-chan time.Time
	if st.heartbeat > 0 {
		t := time.NewTicker(st.heartbeat)
		defer t.Stop()
		tick = t.C
	}
	for {
		recs, ending := st.take()
		for _, rec := range recs {
			if _, err := w.Write(rec); err != nil {
				s.lost(st, err.Error())
				return
			}
			if err := rc.Flush(); err != nil {
				s.lost(st, err.Error())
				return
			}
		}
		if ending {
			return // the last chunk ends the response
		}
		select {
		case <-st.wake:
		case <-st.done:
			return
		case <-r.Context().Done():
			s.lost(st, "the executor closed the connection")
			return
		case <-tick:
			s.inc.heartbeat(st)
		}
	}
}

func (s *v1Server) track(st *stream) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.streams[st] = struct{}{}
	return true
}

func (s *v1Server) untrack(st *stream) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.streams, st)
}

// lost handles a stream whose executor side went away, unless the agent
// itself is going down.
func (s *v1Server) lost(st *stream, why string) {
	if s.isClosing() || !st.lost() {
		return
	}
	s.inc.streamLost(st, why)
}
