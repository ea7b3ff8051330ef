package driver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/mesos-shim/executor/logging"
	"github.com/mesos/mesos-go/api/v1/lib/executor"

	"github.com/mesos-shim/executor/compat/httpapi"
	"github.com/mesos-shim/executor/driver/internal/core"
	"github.com/mesos-shim/executor/internal/httppipe"
	"github.com/mesos-shim/executor/recordio"
)

// Defaults of the v1 wire.
const (
	defaultMaxEventBytes    = 256 << 20
	defaultSubscribeTimeout = 10 * time.Second
	// streamDialTimeout bounds the connect and TLS handshake of a
	// subscription's connection.
	streamDialTimeout = 10 * time.Second
	// callRetryDelay spaces retries of a call the agent refused for now
	// (503 while it recovers: Http::executor in Mesos's
	// src/slave/http.cpp, seen in testdata/captures).
	callRetryDelay = 100 * time.Millisecond
	// heartbeatInterval is how often a 1.8+ agent hears from us.
	heartbeatInterval = 30 * time.Minute
)

// subscribeFailure is why a subscription attempt ended before or without
// SUBSCRIBED; negotiation decides from it whether to fall back.
type subscribeFailure struct {
	cause     string
	retry     bool // temporary: try again later
	silent    bool // the connections went quiet: the agent may be alive
	noV1      bool // the agent has no v1 endpoint, or none that works
	everSawV1 bool
}

// v1Hooks lets negotiation watch the v1 wire. Both may be nil.
type v1Hooks struct {
	// answered: an event came on a subscription's stream, so the v1
	// endpoint works (a stub sends none). It is SUBSCRIBED but for an
	// executor the agent shuts down at once (SHUTDOWN alone, 1.1+).
	answered func()
	// failed returns true when it handled the failure (by falling back);
	// otherwise the failure reaches the core as a Lost input.
	failed func(subscribeFailure) bool
}

// httpWire speaks the v1 executor HTTP API: SUBSCRIBE on its own
// connection, whose RecordIO event stream is read as it arrives, and every
// other call in order, pipelined, on a second persistent connection
// (wire_v1_calls.go). Both go through internal/httppipe, to the same
// address with the same TLS and request fields (callsTarget): net/http
// would add megabytes of code and start-up to every executor (issue 7).
type httpWire struct {
	post        func(gen int, in core.Input)
	url         string
	codec       httpapi.Codec
	token       string
	maxEvent    int
	hooks       v1Hooks
	callsTo     callsTarget // the subscriptions' target too
	callTimeout time.Duration
	// silentAfter bounds the wait for SUBSCRIBED on a subscription that
	// negotiation does not watch (see watchForSilence).
	silentAfter time.Duration

	mu         sync.Mutex
	gen        int                     // subscription generation; older ones are stale
	subscribed bool                    // subscription gen has sent SUBSCRIBED and still runs
	everWorked bool                    // some subscription has sent SUBSCRIBED
	cancel     context.CancelCauseFunc // of the current subscription
	calls      callQueue
	heartbeat  heartbeatState
	closed     bool
	wake       chan struct{} // has the calls sender look at its queue
	done       chan struct{}
	wg         sync.WaitGroup
}

type heartbeatState int

const (
	heartbeatUnknown heartbeatState = iota
	heartbeatSupported
)

func newHTTPWire(cfg Config, post func(int, core.Input), hooks v1Hooks) (*httpWire, error) {
	tlsCfg, err := clientTLSFromEnv(cfg.Getenv)
	if err != nil {
		return nil, fmt.Errorf("driver: %w", err)
	}
	scheme := "http"
	if tlsCfg != nil {
		scheme = "https"
	}
	w := &httpWire{
		post:        post,
		url:         scheme + "://" + cfg.AgentEndpoint + "/api/v1/executor",
		codec:       codecFor(cfg),
		token:       cfg.AuthToken,
		maxEvent:    cfg.MaxEventBytes,
		hooks:       hooks,
		callTimeout: cfg.CallTimeout,
		silentAfter: cfg.SubscribeTimeout,
		wake:        make(chan struct{}, 1),
		done:        make(chan struct{}),
	}
	if w.callsTo, err = newCallsTarget(cfg.AgentEndpoint, tlsCfg, w.codec, w.token); err != nil {
		return nil, fmt.Errorf("driver: v1 calls to %s: %w", cfg.AgentEndpoint, err)
	}
	if w.maxEvent == 0 {
		w.maxEvent = defaultMaxEventBytes
	}
	if w.callTimeout <= 0 {
		w.callTimeout = defaultCallTimeout
	}
	if w.silentAfter <= 0 {
		w.silentAfter = defaultSubscribeTimeout
	}
	w.wg.Add(2)
	go w.sendCalls()
	go w.heartbeats()
	logging.Infof("driver: v1 (HTTP) wire: %s", w.url)
	return w, nil
}

// codecFor is the encoding and event numbering to speak to this agent:
// protobuf unless Config.JSON, with 0.27's numbering on a 0.27 agent.
func codecFor(cfg Config) httpapi.Codec {
	c := httpapi.Protobuf
	if cfg.JSON {
		c = httpapi.JSON
	}
	if cfg.HTTPCommandExecutor == "" && !cfg.AgentSetGracePeriod {
		c = c.WithNumbering(httpapi.Numbering027)
	}
	return c
}

func (w *httpWire) name() string { return "v1" }

// live reports whether inputs of subscription gen still count.
func (w *httpWire) live(gen int) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return gen == w.gen && !w.closed
}

// open is part of SUBSCRIBE on this wire: each subscription is a fresh
// connection.
func (w *httpWire) open() error { return nil }

func (w *httpWire) send(c *executor.Call) error {
	if c.Type == executor.Call_SUBSCRIBE {
		w.subscribe(c)
		return nil
	}
	w.enqueue(c)
	return nil
}

// subscribe starts a new subscription, ending the current one. Calls still
// queued for the old one are dropped: every update among them is still
// unacknowledged in the core and rides the new SUBSCRIBE.
func (w *httpWire) subscribe(c *executor.Call) {
	if c.Subscribe == nil {
		withPart := *c                                  // the caller's call stays as it was
		withPart.Subscribe = &executor.Call_Subscribe{} // the agent requires it
		c = &withPart
	}
	body, err := w.codec.EncodeCall(c)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cancel != nil {
		w.cancel(nil)
	}
	w.gen++
	w.subscribed = false
	// The agent may have restarted: a kept-alive calls connection to its
	// predecessor is dead, and would cost the first call after this
	// subscription a failed write and a retry. Calls in flight on it were
	// of the replaced subscription.
	w.calls.drop()
	w.wakeSender()
	if w.closed {
		return
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	w.cancel = cancel
	gen := w.gen
	if err != nil { // reported from a goroutine: subscribe runs on the loop, which post feeds
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			w.post(gen, core.Lost{Cause: "encoding SUBSCRIBE: " + err.Error()})
		}()
		return
	}
	w.wg.Add(1)
	go w.runSubscription(ctx, gen, body)
	w.watchForSilence(ctx, gen, cancel)
}

// silentSubscription ends a subscription whose stream never brought
// SUBSCRIBED.
type silentSubscription struct{ after time.Duration }

func (s *silentSubscription) Error() string {
	return fmt.Sprintf("no SUBSCRIBED within %v of SUBSCRIBE (Config.SubscribeTimeout)", s.after)
}

// watchForSilence ends subscription gen if SUBSCRIBED has not come within
// silentAfter, so that it is tried again on a fresh connection: an agent
// that took the SUBSCRIBE answers at once, and one that did not (a stuck
// or half-open connection) would otherwise hold the executor until the
// agent destroys it. A SUBSCRIBE may be repeated safely, unlike a legacy
// registration: the agent closes the previous subscription. Until v1 has
// worked once, a negotiated wire leaves this to the negotiator, which
// falls back to the legacy wire instead (0.25 and 0.26 agents have a stub
// that never answers).
func (w *httpWire) watchForSilence(ctx context.Context, gen int, cancel context.CancelCauseFunc) {
	if w.hooks.failed != nil && !w.everWorked { // called with w.mu held
		return
	}
	t := time.AfterFunc(w.silentAfter, func() {
		w.mu.Lock()
		silent := gen == w.gen && !w.subscribed
		w.mu.Unlock()
		if silent {
			cancel(&silentSubscription{after: w.silentAfter})
		}
	})
	context.AfterFunc(ctx, func() { t.Stop() })
}

// runSubscription performs one SUBSCRIBE and reads its event stream until
// it ends, then reports why.
func (w *httpWire) runSubscription(ctx context.Context, gen int, body []byte) {
	defer w.wg.Done()
	f := w.readSubscription(ctx, gen, body)
	w.setSubscribed(gen, false)
	if ctx.Err() != nil {
		var lost *callsLost
		var silent *silentSubscription
		switch cause := context.Cause(ctx); {
		case errors.As(cause, &lost):
			f = subscribeFailure{cause: lost.Error(), retry: true, silent: true, everSawV1: true}
		case errors.As(cause, &silent):
			logging.Warningf("driver: %v: subscribing again", silent)
			f = subscribeFailure{cause: silent.Error(), retry: true, silent: true}
		default:
			return // replaced or closed: nothing to report
		}
	}
	if w.hooks.failed != nil && !f.everSawV1 && w.hooks.failed(f) {
		return
	}
	w.post(gen, core.Lost{Cause: f.cause, Retry: f.retry, Silent: f.silent})
}

// readSubscription sends SUBSCRIBE on a connection of its own, which ends
// with ctx, and reads the event stream it answers with.
func (w *httpWire) readSubscription(ctx context.Context, gen int, body []byte) subscribeFailure {
	t := w.callsTo
	nc, err := httppipe.Dial(ctx, t.addr, t.tls, streamDialTimeout)
	if err != nil {
		return subscribeFailure{cause: "SUBSCRIBE to " + w.url + ": " + err.Error(), retry: true, noV1: isRefused(err)}
	}
	resp, err := httppipe.Do(ctx, nc, t.head, body)
	if err != nil {
		return subscribeFailure{cause: "SUBSCRIBE to " + w.url + ": " + err.Error(), retry: true}
	}
	defer resp.Body.Close()
	if resp.Status != 200 {
		return refusal(resp)
	}
	if ct := resp.ContentType; ct != w.codec.ContentType() {
		return subscribeFailure{cause: fmt.Sprintf("SUBSCRIBE answered with Content-Type %q, want %q", ct, w.codec.ContentType())}
	}
	return w.readEvents(gen, resp.Body)
}

// refusal turns a non-200 answer to SUBSCRIBE into a failure.
func refusal(resp *httppipe.Stream) subscribeFailure {
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	err := httpapi.ClassifyResponse(resp.Status, msg, true)
	status := strings.TrimSpace(fmt.Sprintf("%d %s", resp.Status, resp.Reason)) // as the agent put it
	f := subscribeFailure{cause: fmt.Sprintf("SUBSCRIBE answered %s: %s", status, strings.TrimSpace(string(msg)))}
	var apiErr *httpapi.APIError
	if errors.As(err, &apiErr) {
		f.retry = apiErr.Kind == httpapi.Retry
		f.noV1 = apiErr.Kind == httpapi.NotFound
	}
	return f
}

// readEvents posts every event of the stream until it ends.
//
// Once subscribed, an event that does not decode is dropped and the stream
// read on, as the legacy wire drops a message that does not decode: its
// record was well framed, a new subscription would not bring it back, and
// ending the stream would cost an executor that does not checkpoint its
// tasks. A stream whose framing is broken (RecordIO's or HTTP's chunks)
// cannot be read on: it is ended as silent (the agent is alive, only its
// stream unreadable), so that even such an executor subscribes again.
func (w *httpWire) readEvents(gen int, body io.Reader) subscribeFailure {
	records := recordio.NewReader(body, recordio.WithMaxRecordBytes(w.maxEvent))
	f := subscribeFailure{retry: true}
	heard := false
	for {
		rec, err := records.ReadRecord()
		if err != nil {
			f.cause = "event stream ended: " + err.Error()
			f.silent = f.everSawV1 && unreadable(err)
			return f
		}
		e, err := w.codec.DecodeEvent(rec)
		if err != nil && f.everSawV1 {
			logging.Errorf("driver: dropping an undecodable event (%d bytes) from the agent: %v", len(rec), err)
			continue
		}
		if err != nil {
			logging.Errorf("driver: undecodable event (%d bytes) from the agent: %v", len(rec), err)
			f.cause = "undecodable event: " + err.Error()
			return f
		}
		if !heard && w.hooks.answered != nil {
			w.hooks.answered()
		}
		heard = true
		switch {
		case e.Type == executor.Event_SUBSCRIBED && !f.everSawV1:
			f.everSawV1 = true
			w.setSubscribed(gen, true)
		case e.Type == executor.Event_HEARTBEAT:
			w.heartbeatSeen()
		case e.Type == executor.Event_ACKNOWLEDGED && e.Acknowledged != nil:
			w.acknowledged(gen, e.Acknowledged.UUID)
		}
		w.post(gen, core.Event{Event: e})
	}
}

// unreadable reports whether err is broken framing of the event stream,
// rather than its end: a bad RecordIO length line, or bad chunk framing
// (a stream cut short is io.ErrUnexpectedEOF, not a ProtocolError).
func unreadable(err error) bool {
	var bad *recordio.FormatError
	var badChunk *httppipe.ProtocolError
	return errors.As(err, &bad) || errors.As(err, &badChunk) && badChunk.Err == nil
}

func isRefused(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// setSubscribed records whether subscription gen is live; calls go out
// only while it is, as an agent refuses them otherwise.
func (w *httpWire) setSubscribed(gen int, live bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if gen != w.gen {
		return
	}
	w.subscribed = live
	if live {
		w.everWorked = true
		w.wakeSender()
	}
}

// stop ends the wire's subscription and sender without waiting for them:
// safe from the wire's own goroutines.
func (w *httpWire) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	w.closed = true
	if w.cancel != nil {
		w.cancel(nil)
	}
	w.calls.drop()
	close(w.done)
}

// close stops the wire and waits for its goroutines.
func (w *httpWire) close() {
	w.stop()
	w.wg.Wait()
}
