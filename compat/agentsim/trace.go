package agentsim

import (
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/mesos/mesos-go/api/v1/lib/executor"
)

// Direction says where a trace entry happened.
type Direction int

// The directions of trace entries.
const (
	ToExecutor   Direction = iota + 1 // a message the agent sent
	FromExecutor                      // a message the agent received
	AtAgent                           // something the agent did or decided
	AtExecutor                        // the executor process: launch, output, exit
	Script                            // an operation of the test or scenario
)

func (d Direction) String() string {
	switch d {
	case ToExecutor:
		return "agent → executor"
	case FromExecutor:
		return "executor → agent"
	case AtAgent:
		return "agent"
	case AtExecutor:
		return "executor"
	case Script:
		return "script"
	}
	return "?"
}

// Wire is the generation of the executor protocol a message used.
type Wire string

// The two wires. An entry that is not a message has no wire ("").
const (
	WireV0 Wire = "v0" // libprocess messages
	WireV1 Wire = "v1" // the v1 executor HTTP API
)

// Names of trace entries that are not messages. Messages on the legacy wire
// are named by their libprocess name without the "mesos.internal." prefix,
// e.g. "StatusUpdateMessage" (LAUNCH_GROUP is "mesos.executor.Event"); on
// the v1 wire by their call or event type, e.g. "UPDATE", "ACKNOWLEDGED".
// Entry.Kind names both alike.
const (
	EventAgentStarted          = "AgentStarted"
	EventAgentCrashed          = "AgentCrashed"
	EventLaunched              = "ExecutorLaunched"
	EventExited                = "ExecutorExited"
	EventStdout                = "stdout"
	EventStderr                = "stderr"
	EventRecovering            = "RecoveringExecutor"    // a restarted agent starts recovering its executor
	EventReregistered          = "Reregistered"          // or re-subscribed; Latency is set
	EventReregistrationTimeout = "ReregistrationTimeout" // the executor did not come back
	EventDestroyed             = "ExecutorDestroyed"
	EventUpdateReplayed        = "UpdateReplayed" // an update carried by a Reregister or a SUBSCRIBE
	EventUpdateDropped         = "UpdateDropped"  // not acknowledged; Detail says why
	EventAckLost               = "AckLost"        // a delayed ack the crash cancelled
	EventNoAck                 = "NoAck"          // accepted, but its pid is empty or invalid: never acked
	EventLinkBroken            = "LinkBroken"
	EventRefused               = "Refused"        // a (re)registration answered with Shutdown, a SUBSCRIBE with SHUTDOWN
	EventForgotten             = "Forgotten"      // a restart without checkpoint
	EventRejected              = "Rejected"       // the messenger refused a request; a v1 call refused (Call, Status)
	EventIgnored               = "MessageIgnored" // received but not handled (a 0.25-0.26 stub's calls too)
	EventSendFailed            = "SendFailed"
	EventUnavailable           = "Unavailable"   // v1: 503, the agent has not finished recovery
	EventStreamEnded           = "StreamEnded"   // v1: the agent ended a subscription stream
	EventStreamLost            = "StreamLost"    // v1: the executor's side of a stream went away
	EventFaultInjected         = "FaultInjected" // a fault hook changed an answer
)

// Entry is one line of a Trace.
type Entry struct {
	At     time.Duration // since the trace began
	Dir    Direction
	Wire   Wire // the wire a message used; "" for what is not a message
	Name   string
	TaskID string
	State  string // a TaskState name, e.g. "TASK_RUNNING"
	UUID   []byte // a status update's uuid
	Data   []byte // a framework message's data
	Detail string
	// Latency is set for EventReregistered: Reconnect sent → Reregister
	// in, or on v1 listener up → SUBSCRIBE in.
	Latency time.Duration
	// Exit is set for EventExited.
	Exit *ExitStatus
	// Call and Status are set for a v1 call the agent refused (an
	// EventRejected, EventUnavailable or EventFaultInjected entry): the
	// call's type ("" if the body was not a call) and the HTTP status.
	Call   string
	Status int
}

// String formats e as one timeline line, the wire in its own column:
//
//   - 12.3ms  agent → executor  v0  ExecutorRegisteredMessage  executor=e1 ...
//   - 14.0ms  agent → executor  v1  ACKNOWLEDGED  task=t1 uuid=...
func (e Entry) String() string {
	ms := float64(e.At) / float64(time.Millisecond)
	return strings.TrimRight(fmt.Sprintf("+%9.1fms  %-16s  %-2s  %-34s  %s", ms, e.Dir, e.Wire, e.Name, e.Summary()), " ")
}

// legacyKinds names the legacy messages by the v1 call or event that carries
// the same thing (the agent's evolve functions, src/internal/evolve.cpp).
var legacyKinds = map[string]string{
	"RegisterExecutorMessage":            "SUBSCRIBE",
	"ReregisterExecutorMessage":          "SUBSCRIBE",
	"StatusUpdateMessage":                "UPDATE",
	"ExecutorToFrameworkMessage":         "MESSAGE",
	"ExecutorRegisteredMessage":          "SUBSCRIBED",
	"ExecutorReregisteredMessage":        "SUBSCRIBED",
	"RunTaskMessage":                     "LAUNCH",
	"mesos.executor.Event":               "LAUNCH_GROUP",
	"KillTaskMessage":                    "KILL",
	"StatusUpdateAcknowledgementMessage": "ACKNOWLEDGED",
	"FrameworkToExecutorMessage":         "MESSAGE",
	"ShutdownExecutorMessage":            "SHUTDOWN",
}

// Kind names a message the same on both wires, by its v1 call or event
// type ("UPDATE", "ACKNOWLEDGED", "SHUTDOWN", ...), so that a check can
// hold on either wire; it is "" for entries that are not messages and for
// ReconnectExecutorMessage, which has no v1 counterpart.
func (e Entry) Kind() string {
	switch {
	case e.Dir != ToExecutor && e.Dir != FromExecutor:
		return ""
	case e.Wire == WireV1 && e.Dir == ToExecutor:
		if _, ok := executor.Event_Type_value[e.Name]; ok {
			return e.Name
		}
		return ""
	case e.Wire == WireV1:
		if _, ok := executor.Call_Type_value[e.Name]; ok {
			return e.Name
		}
		return ""
	}
	return legacyKinds[e.Name]
}

// Summary is the entry's details in a short readable form.
func (e Entry) Summary() string {
	var parts []string
	if e.TaskID != "" {
		parts = append(parts, "task="+e.TaskID)
	}
	if e.State != "" {
		parts = append(parts, e.State)
	}
	if len(e.UUID) > 0 {
		parts = append(parts, "uuid="+ShortUUID(e.UUID))
	}
	if e.Name == EventReregistered {
		parts = append(parts, fmt.Sprintf("latency=%.1fms", float64(e.Latency)/float64(time.Millisecond)))
	}
	if e.Exit != nil {
		parts = append(parts, e.Exit.String())
	}
	if e.Detail != "" {
		parts = append(parts, e.Detail)
	}
	return strings.Join(parts, " ")
}

// ShortUUID is the first 8 hex digits of a uuid, as traces print it.
func ShortUUID(u []byte) string {
	s := hex.EncodeToString(u)
	if len(s) > 8 {
		return s[:8]
	}
	return s
}

// Trace is an ordered, timestamped record of everything on the wire in
// both directions and of the outcomes around it. It is safe for concurrent
// use.
type Trace struct {
	start time.Time

	mu      sync.Mutex
	entries blocks[Entry]
}

// NewTrace starts an empty trace; entry times count from now.
func NewTrace() *Trace { return &Trace{start: time.Now()} }

// add stamps e with the current time and appends it.
func (t *Trace) add(e Entry) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e.At = time.Since(t.start)
	t.entries.add(e)
}

// Entries returns a copy of the entries so far, in order.
func (t *Trace) Entries() []Entry {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.entries.all()
}

// WriteTo writes the timeline, one entry per line.
func (t *Trace) WriteTo(w io.Writer) (int64, error) {
	var n int64
	for _, e := range t.Entries() {
		k, err := fmt.Fprintln(w, e.String())
		n += int64(k)
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// String is the whole timeline.
func (t *Trace) String() string {
	var b strings.Builder
	t.WriteTo(&b)
	return b.String()
}
