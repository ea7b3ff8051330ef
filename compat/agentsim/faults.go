package agentsim

import (
	"fmt"
	"net/http"

	"github.com/mesos/mesos-go/api/v1/lib/executor"

	"github.com/mesos-shim/executor/compat/httpapi"
)

// Fault hooks for the v1 wire. They act on valid calls, after the request
// checks and validation, before the agent looks at the call; each firing is
// recorded as EventFaultInjected.

// faults are the armed hooks.
type faults struct {
	calls  map[executor.Call_Type]callFault
	stalls int
	// unanswered counts RegisterExecutorMessages still to be ignored.
	unanswered int
	// fired counts the hooks' firings (see WaitFaults).
	fired int
}

// firedLocked records a hook's firing in the trace and wakes waiters.
func (a *Agent) firedLocked(e Entry) {
	e.Dir, e.Name = AtAgent, EventFaultInjected
	a.trace.add(e)
	a.faults.fired++
	a.broadcastLocked()
}

type callFault struct{ n, status int }

// FailCalls makes the agent answer the next n v1 calls of type t with
// status instead of handling them; n = 0 disarms. A 503 carries the
// agent's recovery body (RecoveryBody, text/plain), as a recovering agent's
// does; other statuses have no body. For example FailCalls(Call_UPDATE, 2,
// 503) makes an executor retry its update, FailCalls(Call_SUBSCRIBE, 1, 404)
// makes the endpoint look absent once.
func (a *Agent) FailCalls(t executor.Call_Type, n, status int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.faults.calls == nil {
		a.faults.calls = make(map[executor.Call_Type]callFault)
	}
	a.faults.calls[t] = callFault{n: n, status: status}
	a.trace.add(Entry{Dir: Script, Wire: WireV1, Name: "FailCalls", Detail: fmt.Sprintf("next %d %s answered %d", n, t, status)})
}

// StallSubscribes makes the agent answer the next n SUBSCRIBEs with 200 and
// a stream that never carries anything, as a 0.25-0.26 stub does; the
// executor's state does not change, so a legacy registration still works.
func (a *Agent) StallSubscribes(n int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.faults.stalls = n
	a.trace.add(Entry{Dir: Script, Wire: WireV1, Name: "StallSubscribes", Detail: fmt.Sprintf("next %d SUBSCRIBE(s) get a silent stream", n)})
}

// IgnoreRegistrations makes the agent receive the next n
// RegisterExecutorMessages and never answer them, as an agent whose reply
// is lost would; the executor stays registering. A real agent destroys an
// executor that has not registered within --executor_registration_timeout
// (1 minute); this one leaves that to the test.
func (a *Agent) IgnoreRegistrations(n int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.faults.unanswered = n
	a.trace.add(Entry{Dir: Script, Wire: WireV0, Name: "IgnoreRegistrations", Detail: fmt.Sprintf("next %d RegisterExecutorMessage(s) unanswered", n)})
}

// ignoreRegistrationLocked fires IgnoreRegistrations, if armed.
func (a *Agent) ignoreRegistrationLocked() bool {
	if a.faults.unanswered <= 0 {
		return false
	}
	a.faults.unanswered--
	a.firedLocked(Entry{Wire: WireV0, Detail: fmt.Sprintf("RegisterExecutorMessage left unanswered (%d more)", a.faults.unanswered)})
	return true
}

// faultLocked fires an armed hook for c, if any.
func (a *Agent) faultLocked(c *executor.Call, out httpapi.Codec) (v1Answer, bool) {
	if f := a.faults.calls[c.Type]; f.n > 0 {
		f.n--
		a.faults.calls[c.Type] = f
		body := ""
		if f.status == http.StatusServiceUnavailable {
			body = RecoveryBody
		}
		a.firedLocked(Entry{Wire: WireV1, Call: c.Type.String(), Status: f.status,
			Detail: fmt.Sprintf("%s answered %d (%d more)", c.Type, f.status, f.n)})
		return refused(f.status, body), true
	}
	if c.Type == executor.Call_SUBSCRIBE && a.faults.stalls > 0 {
		a.faults.stalls--
		a.firedLocked(Entry{Wire: WireV1, Call: c.Type.String(), Status: http.StatusOK,
			Detail: fmt.Sprintf("SUBSCRIBE stalled: 200 and a silent stream (%d more)", a.faults.stalls)})
		return v1Answer{stream: a.newStreamLocked(out, true)}, true
	}
	return v1Answer{}, false
}
