package core

import (
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/executor"
)

// Input is one thing that happened: a request from the executor program, an
// event from the wire, or the passing of time.
type Input interface{ isInput() }

// Start begins registration.
type Start struct{}

// Stop ends the driver (ExecutorDriver.Stop).
type Stop struct{}

// Abort aborts the driver (ExecutorDriver.Abort).
type Abort struct{}

// SendUpdate asks to send a status update. Status is the executor's and is
// never changed: the core stamps a shallow copy, which the Output's calls
// share the values of, so nothing it points to may change until the wire
// has encoded them (the driver's caller waits for that). UUID is a fresh random v4 UUID, made by
// the caller so that the core needs no source of randomness; the core
// keeps it and the caller must not change it.
type SendUpdate struct {
	Status *mesos.TaskStatus
	UUID   []byte
}

// SendMessage asks to send a framework message.
type SendMessage struct{ Data []byte }

// Event is an event from the agent, in v1 shape whatever the wire.
type Event struct{ Event *executor.Event }

// Reconnect is the legacy agent's request, after its restart, that the
// executor register again (ReconnectExecutorMessage).
type Reconnect struct{ AgentID string }

// Lost says the connection to the agent broke, or an attempt to subscribe
// failed. Retry says the failure is temporary (the agent is recovering, or
// restarting): an executor that re-subscribes by itself tries again.
type Lost struct {
	Cause string
	Retry bool
	// Silent says the connections went quiet rather than closed (v1: calls
	// unanswered, or no SUBSCRIBED): the agent may be alive, and takes a
	// new subscription from a running executor even without checkpointing.
	Silent bool
}

// WireChanged says the driver now speaks another wire, before the first
// registration succeeded (the v1 endpoint was missing and the driver fell
// back to the legacy wire). Resubscribe is the new wire's recovery style.
type WireChanged struct{ Resubscribe bool }

// Tick says time has passed; the core checks its deadlines against now.
type Tick struct{}

// CallbackPanicked says an executor callback panicked.
type CallbackPanicked struct{ Message string }

func (Start) isInput()            {}
func (Stop) isInput()             {}
func (Abort) isInput()            {}
func (SendUpdate) isInput()       {}
func (SendMessage) isInput()      {}
func (Event) isInput()            {}
func (Reconnect) isInput()        {}
func (Lost) isInput()             {}
func (Tick) isInput()             {}
func (WireChanged) isInput()      {}
func (CallbackPanicked) isInput() {}

// Output is what the driver must do, in this order: apply Connection, send
// Calls, queue Callbacks, log Logs, arm a timer for Deadline (zero: none),
// and, when Terminate is set, end the process group. TerminateAt is set
// when the driver ends while a shutdown grace period runs: the process
// group is still to be ended then, as the C++ driver's shutdown outlives
// its stop, unless the process has exited by itself. Err is the answer to
// a request input (Start, Stop, SendUpdate...).
type Output struct {
	Connection  Connection
	Calls       []*executor.Call
	Callbacks   []Callback
	Logs        []Log
	Deadline    time.Time
	Terminate   bool
	TerminateAt time.Time
	Err         error
}

// Connection is a change to the connection with the agent.
type Connection int

const (
	// Keep leaves the connection as it is.
	Keep Connection = iota
	// Open opens a fresh connection (a new link, a new subscription
	// stream), replacing any existing one, before the calls are sent.
	Open
	// Close closes the connection; nothing more will be sent.
	Close
)

// Callback is one executor callback to run, in order.
type Callback struct {
	Kind      CallbackKind
	Executor  *mesos.ExecutorInfo
	Framework *mesos.FrameworkInfo
	Agent     *mesos.AgentInfo
	Task      *mesos.TaskInfo
	TaskGroup *mesos.TaskGroupInfo
	TaskID    *mesos.TaskID
	Policy    *mesos.KillPolicy
	Data      []byte
	Message   string
}

// CallbackKind names an Executor method.
type CallbackKind int

// The executor callbacks.
const (
	Registered CallbackKind = iota + 1
	Reregistered
	Disconnected
	LaunchTask
	LaunchTaskGroup
	KillTask
	FrameworkMessage
	Shutdown
	Error
)

var callbackNames = [...]string{"?", "Registered", "Reregistered", "Disconnected", "LaunchTask",
	"LaunchTaskGroup", "KillTask", "FrameworkMessage", "Shutdown", "Error"}

func (k CallbackKind) String() string {
	if int(k) < len(callbackNames) {
		return callbackNames[k]
	}
	return "?"
}

// Log is a line for the driver's log.
type Log struct {
	Level Level
	Text  string
}

// Level is a log severity.
type Level int

// Log levels, as glog has them.
const (
	Info Level = iota
	Warning
	ErrorLevel
)
