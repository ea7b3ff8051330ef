package driver

import (
	"context"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// Executor is what an executor program implements. The driver calls it as
// the agent drives the executor's lifecycle, on either wire.
//
// Contract, the same on the legacy and the v1 wire:
//   - Callbacks run one at a time, in the order the events happened, on one
//     goroutine of the driver's that does no I/O and holds no lock. A callback
//     may call Stop, Abort and every other ExecutorDriver method except Join
//     and Run, which wait for the callbacks to return.
//   - Registered comes before every other callback. Nothing is delivered
//     before it, except Error, and Shutdown when registration fails or the
//     agent answers it with a shutdown (as agents from 1.0 answer an
//     executor that has no task to run).
//   - After a lost connection to the agent, Disconnected is called exactly
//     once; then either Reregistered (the agent came back) or Shutdown (it did
//     not, or checkpointing is off and the connection closed: on v1 an agent
//     that only went silent is asked again, see Config.CallTimeout).
//   - A callback that panics, or calls runtime.Goexit (as t.FailNow does),
//     is reported through Error and aborts the driver.
//   - A callback that blocks holds back every later callback, not the wire:
//     messages keep being received and acknowledged meanwhile.
type Executor interface {
	// Registered is called once, when the agent accepted this executor.
	Registered(d ExecutorDriver, executor *mesos.ExecutorInfo, framework *mesos.FrameworkInfo, agent *mesos.AgentInfo)
	// Reregistered is called when a restarted agent accepted this executor
	// again. Status updates not yet acknowledged were resent for you.
	Reregistered(d ExecutorDriver, agent *mesos.AgentInfo)
	// Disconnected is called once per loss of the agent. With checkpointing
	// the driver waits up to the recovery timeout for the agent to return.
	Disconnected(d ExecutorDriver)
	// LaunchTask asks the executor to start a task. It should answer with
	// status updates, e.g. TASK_RUNNING then a terminal state. A task id
	// is in use until the agent has acknowledged its terminal update: a
	// launch, or a task group, naming a task id in use is dropped with a
	// log line, as is a launch that comes while the agent is away.
	LaunchTask(d ExecutorDriver, task *mesos.TaskInfo)
	// LaunchTaskGroup asks the executor to start every task of a group.
	LaunchTaskGroup(d ExecutorDriver, group *mesos.TaskGroupInfo)
	// KillTask asks the executor to kill a task and send a terminal update
	// (TASK_KILLED). Implement KillPolicyReceiver to get the kill policy.
	// A kill that comes before its task's launch is delivered right after
	// the launch; one whose launch does not come within a second is
	// delivered then, for a task this executor was never given.
	KillTask(d ExecutorDriver, taskID *mesos.TaskID)
	// FrameworkMessage delivers data sent by the scheduler. Delivery is not
	// guaranteed by Mesos.
	FrameworkMessage(d ExecutorDriver, data []byte)
	// Shutdown asks the executor to kill every task, send their terminal
	// updates and exit. Unless disabled in Config, the driver ends the
	// executor's process group once the shutdown grace period has passed.
	Shutdown(d ExecutorDriver)
	// Error reports a fatal problem; the driver is aborted when it is called.
	Error(d ExecutorDriver, message string)
}

// KillPolicyReceiver is implemented by executors that want the kill policy
// that came with a kill (Mesos 1.0 and later). When the executor implements
// it, KillTaskWithPolicy is called instead of KillTask; policy is nil when
// the agent sent none.
type KillPolicyReceiver interface {
	KillTaskWithPolicy(d ExecutorDriver, taskID *mesos.TaskID, policy *mesos.KillPolicy)
}

// ExecutorDriver is the executor's handle on its agent. Its methods are safe
// to call from any goroutine, callbacks included.
type ExecutorDriver interface {
	// Start connects to the agent and registers. It returns DRIVER_RUNNING,
	// or the current status and an error if the driver was already started.
	Start() (mesos.Status, error)
	// Stop ends the driver: the connection is closed and Join returns. It
	// returns DRIVER_STOPPED, or DRIVER_ABORTED if the driver had been
	// aborted. Nothing is sent to the agent.
	Stop() (mesos.Status, error)
	// Abort stops delivering callbacks (those queued are dropped, except
	// Error) and releases Join; only valid while running. It returns
	// DRIVER_ABORTED.
	Abort() (mesos.Status, error)
	// Join blocks until the driver is stopped or aborted and returns that
	// status. It returns at once if the driver is not running.
	Join() (mesos.Status, error)
	// Run is Start followed by Join. On a driver another Start has
	// started, and still running, it is Join.
	Run() (mesos.Status, error)
	// SendStatusUpdate sends a task's status to the agent, which forwards
	// it to the scheduler reliably. The driver keeps the update until the
	// agent acknowledges it and resends it after an agent restart. An
	// update made while no agent has the executor (before the registration
	// reply, or while the agent is away) waits in the driver and goes out
	// once the agent takes the executor (back) or asks it to shut down.
	// Updates of one task are delivered in the order they were sent.
	// TASK_STAGING is refused with an error (ErrStaging), and so is a
	// check_status a v1 agent refuses (ErrInvalidCheckStatus: a type other
	// than COMMAND, HTTP or TCP, or without the status of that type), on
	// either wire. At most 1,024 updates are
	// on the wire unacknowledged at a time; later ones wait in the driver,
	// encoded once, and go out as acknowledgements come. When
	// Config.MaxUnacknowledgedUpdates updates are awaiting their
	// acknowledgement, it blocks until one arrives (back-pressure).
	SendStatusUpdate(status *mesos.TaskStatus) (mesos.Status, error)
	// SendFrameworkMessage sends data to the scheduler, best effort. It
	// returns ErrNotConnected while the agent is away (the executor
	// disconnected or reregistering).
	SendFrameworkMessage(data []byte) (mesos.Status, error)
	// AwaitAcknowledgements blocks until the agent has acknowledged every
	// status update sent so far (nil), or returns an error when ctx is done
	// (wrapping ctx.Err()), or when the driver ended or no acknowledgement
	// can come any more, the agent lost for good (wrapping
	// ErrUnacknowledged). An executor calls it before exiting so that no
	// terminal update is lost.
	AwaitAcknowledgements(ctx context.Context) error
	// Status is the driver's current status.
	Status() mesos.Status
	// ExecutorID, FrameworkID and AgentID are this executor's identity, as
	// the agent gave it in the environment.
	ExecutorID() mesos.ExecutorID
	FrameworkID() mesos.FrameworkID
	AgentID() mesos.AgentID
}
