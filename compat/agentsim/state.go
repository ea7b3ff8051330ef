package agentsim

import (
	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/mesos-shim/executor/upid"
)

// ExecutorState is the agent's view of its executor (slave.hpp's
// Executor::State, plus Unknown for an executor the agent forgot).
type ExecutorState int

// The executor states.
const (
	Registering ExecutorState = iota // launched or recovering, not (re)registered or subscribed
	Running                          // registered or subscribed
	Terminating                      // sent ShutdownExecutor
	Terminated                       // destroyed or gone
	Unknown                          // forgotten by a restart without checkpointing
)

func (s ExecutorState) String() string {
	switch s {
	case Registering:
		return "REGISTERING"
	case Running:
		return "RUNNING"
	case Terminating:
		return "TERMINATING"
	case Terminated:
		return "TERMINATED"
	case Unknown:
		return "UNKNOWN"
	}
	return "?"
}

// phase is the agent's own state (slave.hpp's Slave::State, simplified).
type phase int

const (
	phaseDown       phase = iota // crashed or not started
	phaseRecovering              // restarted, waiting for executors to reregister
	phaseRunning
)

// Update is one status update the agent accepted from the executor.
type Update struct {
	TaskID string
	State  mesos.TaskState
	UUID   []byte
	// Wire is the wire the update came on; on v1 the acknowledgement goes
	// onto the executor's subscription stream.
	Wire Wire
	// PID is StatusUpdateMessage.pid: where the acknowledgement goes on the
	// legacy wire ("" on v1).
	PID string
	// Replayed says the update came inside a ReregisterExecutorMessage or
	// a SUBSCRIBE's unacknowledged_updates.
	Replayed bool
	// Acks is how many acknowledgements of this uuid the agent has sent.
	Acks int
	// Message is TaskStatus.message, which long runs use to number their
	// updates.
	Message string
	// unknownTask says the agent never launched the task: a v1 update for
	// it is not acknowledged.
	unknownTask bool
}

// ackable says whether the agent acknowledges u: on v1 if it knows the
// task, on the legacy wire only to a valid pid.
func (u Update) ackable() bool {
	if u.Wire == WireV1 {
		return !u.unknownTask
	}
	return ackable(u.PID)
}

// uuidKey is an update's uuid as a map key: its bytes as they are.
func uuidKey(u []byte) string { return string(u) }

// executorRecord is what the agent knows of its executor.
type executorRecord struct {
	state ExecutorState
	// wire is the wire of the executor's first successful contact: a
	// RegisterExecutorMessage makes it a PID executor, a SUBSCRIBE answered
	// with SUBSCRIBED an HTTP one (Slave::registerExecutor, Slave::subscribe);
	// "" before.
	wire Wire
	// pid is where legacy messages go (cleared by a SUBSCRIBE).
	pid upid.UPID
	// pidFile is the checkpointed libprocess.pid: written by a legacy
	// registration and never removed, it makes the executor a PID one at
	// recovery even if it subscribed since (RunState::recover: it wins over
	// http.marker).
	pidFile upid.UPID
	// stream is the current v1 subscription, nil if none.
	stream *stream
	// sentTask says a task or group was ever sent (the 1.5.1 taskless rule).
	sentTask bool
	// recovering says the record was recovered by a restart: a Reregister
	// is expected instead of a Register.
	recovering bool
	// tasks are the ids of the tasks queued for or sent to the executor
	// (Framework::getExecutor(TaskID) finds the executor by them).
	tasks map[string]bool
}
