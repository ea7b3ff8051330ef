package driver

import (
	"errors"

	"github.com/mesos-shim/executor/driver/internal/core"
)

// Errors the driver's methods return, for errors.Is. A method may wrap
// one in an error that says more.
var (
	// ErrAlreadyStarted: Start on a driver started before.
	ErrAlreadyStarted = core.ErrAlreadyStarted
	// ErrNotRunning: the driver is not running (not started, stopped or
	// aborted).
	ErrNotRunning = core.ErrNotRunning
	// ErrNilTaskStatus: SendStatusUpdate with a nil status.
	ErrNilTaskStatus = errors.New("driver: nil TaskStatus")
	// ErrStaging: an update in state TASK_STAGING, which only the agent
	// sends; an agent shuts down an executor that sends it.
	ErrStaging = core.ErrStaging
	// ErrNoTaskID: an update without a task id.
	ErrNoTaskID = core.ErrNoTaskID
	// ErrNoState: an update without a state.
	ErrNoState = core.ErrNoState
	// ErrInvalidCheckStatus: an update whose check_status a v1 agent
	// refuses (its type must be COMMAND, HTTP or TCP, with the field of
	// that name set); refused on both wires.
	ErrInvalidCheckStatus = core.ErrInvalidCheckStatus
	// ErrNotConnected: a framework message while the agent is away.
	ErrNotConnected = core.ErrNotConnected
	// ErrUnacknowledged: AwaitAcknowledgements found updates that can no
	// longer be acknowledged (the driver ended, or the agent is gone for
	// good).
	ErrUnacknowledged = errors.New("driver: updates can no longer be acknowledged")
)
