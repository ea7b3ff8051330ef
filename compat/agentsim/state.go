package agentsim

import (
	"encoding/hex"

	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/mesos-shim/executor/upid"
)

// ExecutorState is the agent's view of its executor (slave.hpp's
// Executor::State, plus Unknown for an executor the agent forgot).
type ExecutorState int

// The executor states.
const (
	Registering ExecutorState = iota // launched or recovering, not (re)registered
	Running                          // registered
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
	// PID is StatusUpdateMessage.pid: where the acknowledgement goes.
	PID string
	// Replayed says the update came inside a ReregisterExecutorMessage.
	Replayed bool
	// Acks is how many acknowledgements of this uuid the agent has sent.
	Acks int
}

func uuidKey(u []byte) string { return hex.EncodeToString(u) }

// executorRecord is what the agent knows of its executor.
type executorRecord struct {
	state ExecutorState
	pid   upid.UPID
	// sentTask says a task or group was ever sent (the 1.5 taskless rule).
	sentTask bool
	// recovering says the record was recovered by a restart: a Reregister
	// is expected instead of a Register.
	recovering bool
}
