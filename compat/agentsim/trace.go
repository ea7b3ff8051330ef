package agentsim

import (
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
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

// Names of trace entries that are not messages. Messages are named by
// their libprocess name without the "mesos.internal." prefix, e.g.
// "StatusUpdateMessage"; LAUNCH_GROUP is "mesos.executor.Event".
const (
	EventAgentStarted          = "AgentStarted"
	EventAgentCrashed          = "AgentCrashed"
	EventLaunched              = "ExecutorLaunched"
	EventExited                = "ExecutorExited"
	EventStdout                = "stdout"
	EventStderr                = "stderr"
	EventReregistered          = "Reregistered"          // Latency is set
	EventReregistrationTimeout = "ReregistrationTimeout" // the executor did not come back
	EventDestroyed             = "ExecutorDestroyed"
	EventUpdateReplayed        = "UpdateReplayed" // an update carried by a Reregister
	EventUpdateDropped         = "UpdateDropped"  // not acknowledged; Detail says why
	EventAckLost               = "AckLost"        // a delayed ack the crash cancelled
	EventNoAck                 = "NoAck"          // accepted, but its pid is empty or invalid: never acked
	EventLinkBroken            = "LinkBroken"
	EventRefused               = "Refused"        // a (re)registration answered with Shutdown
	EventForgotten             = "Forgotten"      // a restart without checkpoint
	EventRejected              = "Rejected"       // the messenger refused a request
	EventIgnored               = "MessageIgnored" // received but not handled
	EventSendFailed            = "SendFailed"
)

// Entry is one line of a Trace.
type Entry struct {
	At     time.Duration // since the trace began
	Dir    Direction
	Name   string
	TaskID string
	State  string // a TaskState name, e.g. "TASK_RUNNING"
	UUID   []byte // a status update's uuid
	Data   []byte // a framework message's data
	Detail string
	// Latency is set for EventReregistered: Reconnect sent → Reregister in.
	Latency time.Duration
	// Exit is set for EventExited.
	Exit *ExitStatus
}

// String formats e as one timeline line:
//
//   - 12.3ms  agent → executor  ExecutorRegisteredMessage  executor=e1 ...
func (e Entry) String() string {
	ms := float64(e.At) / float64(time.Millisecond)
	return strings.TrimRight(fmt.Sprintf("+%9.1fms  %-16s  %-34s  %s", ms, e.Dir, e.Name, e.Summary()), " ")
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
	entries []Entry
}

// NewTrace starts an empty trace; entry times count from now.
func NewTrace() *Trace { return &Trace{start: time.Now()} }

// add stamps e with the current time and appends it.
func (t *Trace) add(e Entry) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e.At = time.Since(t.start)
	t.entries = append(t.entries, e)
}

// Entries returns a copy of the entries so far, in order.
func (t *Trace) Entries() []Entry {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Entry(nil), t.entries...)
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
