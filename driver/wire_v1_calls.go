package driver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/mesos-shim/executor/logging"
	"github.com/mesos/mesos-go/api/v1/lib/executor"

	"github.com/mesos-shim/executor/compat/httpapi"
)

// sendCalls posts queued calls one at a time, in order, on the calls
// connection. A call the agent refuses for now (503 while it recovers, or a
// broken connection) is retried after callRetryDelay until accepted or until
// a new subscription replaces its generation: an UPDATE must not be left
// for a re-subscription that may never come (PROTOCOL.md §11).
func (w *httpWire) sendCalls() {
	defer w.wg.Done()
	for {
		qc, ok := w.head()
		if !ok {
			select {
			case <-w.wake:
				continue
			case <-w.done:
				return
			}
		}
		if w.post1(qc) {
			w.pop(qc)
			continue
		}
		select {
		case <-time.After(callRetryDelay):
		case <-w.done:
			return
		}
	}
}

// head returns the first queued call of the current generation, dropping
// stale ones.
func (w *httpWire) head() (queuedCall, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for len(w.queue) > 0 && w.queue[0].gen != w.gen {
		w.queue = w.queue[1:]
	}
	if len(w.queue) == 0 || !w.subscribed {
		return queuedCall{}, false
	}
	return w.queue[0], true
}

func (w *httpWire) pop(qc queuedCall) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.queue) > 0 && w.queue[0] == qc {
		w.queue = w.queue[1:]
	}
}

// post1 sends one call; it reports false when the call should be retried.
func (w *httpWire) post1(qc queuedCall) bool {
	body, err := w.codec.EncodeCall(qc.call)
	if err != nil {
		logging.Errorf("driver: dropping %s call: cannot encode it: %v", qc.call.Type, err)
		return true
	}
	req, err := w.request(context.Background(), body)
	if err != nil {
		logging.Errorf("driver: dropping %s call: %v", qc.call.Type, err)
		return true
	}
	resp, err := w.calls.Do(req)
	if err != nil {
		logging.Warningf("driver: %s call failed, will retry: %v", qc.call.Type, err)
		return false
	}
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	return w.answered(qc.call, resp.StatusCode, msg)
}

// answered handles the agent's answer to a call; false means retry.
func (w *httpWire) answered(c *executor.Call, status int, msg []byte) bool {
	err := httpapi.ClassifyResponse(status, msg, false)
	if c.Type == executor.Call_HEARTBEAT && err != nil {
		logging.Warningf("driver: agent refused a HEARTBEAT call: %v", err)
		return true
	}
	var apiErr *httpapi.APIError
	switch {
	case err == nil:
		return true
	case errors.As(err, &apiErr) && apiErr.Kind == httpapi.Retry:
		logging.V(1).Infof("driver: agent refused %s for now (%d); retrying", describeCall(c), status)
		return false
	default:
		logging.Errorf("driver: agent rejected %s: %v", describeCall(c), err)
		return true
	}
}

func describeCall(c *executor.Call) string {
	if c.Type == executor.Call_UPDATE && c.Update != nil {
		s := c.Update.Status
		return fmt.Sprintf("UPDATE %s of task %s (uuid %x)", s.GetState(), s.TaskID.Value, s.UUID)
	}
	return c.Type.String()
}

// heartbeatSeen: only agents from 1.8 on send HEARTBEAT events, and they
// take HEARTBEAT calls too. Older agents refuse the call (400), so the
// driver sends none until the agent has shown it takes them.
func (w *httpWire) heartbeatSeen() {
	w.mu.Lock()
	first := w.heartbeat != heartbeatSupported
	w.heartbeat = heartbeatSupported
	w.mu.Unlock()
	if first {
		logging.V(1).Infof("driver: the agent sends heartbeats (1.8+); sending one every %v", heartbeatInterval)
		w.enqueue(httpapi.HeartbeatCall())
	}
}

// heartbeats sends a HEARTBEAT call every heartbeatInterval to an agent
// that takes them.
func (w *httpWire) heartbeats() {
	defer w.wg.Done()
	t := time.NewTicker(heartbeatInterval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			w.mu.Lock()
			ok := w.heartbeat == heartbeatSupported
			w.mu.Unlock()
			if ok {
				w.enqueue(httpapi.HeartbeatCall())
			}
		case <-w.done:
			return
		}
	}
}
