// Package mesosgov0 runs an executor written against mesos-go's
// api/v0/executor package (mesos-go v0.0.11 and earlier) on this
// repository's driver, with only the import path of the executor package
// changed:
//
//	import (
//		executor "github.com/mesos-shim/executor/compat/mesosgov0" // was github.com/mesos/mesos-go/api/v0/executor
//		mesos "github.com/mesos/mesos-go/api/v0/mesosproto"        // unchanged
//	)
//
// The exported names mirror what such an executor uses: Executor (the
// callback interface), ExecutorDriver (the driver interface), DriverConfig,
// NewMesosExecutorDriver and MesosExecutorDriver, with every method of
// mesos-go's (Status, Running and Connected besides the interface's).
//
// # Types
//
// The callbacks and ExecutorDriver keep the v0 types of
// github.com/mesos/mesos-go/api/v0/mesosproto, so the executor's code does
// not change. Underneath, the driver works with the v1 types of
// github.com/mesos/mesos-go/api/v1/lib. The two are generated from
// wire-compatible protobuf definitions (SlaveInfo is AgentInfo under its old
// name), so every message crosses between them by marshalling one and
// unmarshalling the other: no field is copied by hand, and fields of v1 the
// v0 types do not know travel through in their unknown-field bytes. The v1
// types keep no unknown fields, so the few fields of v0 that v1 lacks, all
// dropped from the protocol before Mesos 1.0, are lost on the way into v1,
// in what the agent sends (the driver decodes it into v1 types) and in a
// TaskStatus: CommandInfo.container, and NetworkInfo.protocol and
// ip_address (set ip_addresses instead). The one an agent still sends,
// SlaveInfo.checkpoint, is set true, as every agent since 0.23 sends it.
// Status values have the same numbers in both packages.
//
// The v0 types are those of Mesos 0.24, which declare required some fields
// that newer agents leave out:
//
//	v0 field (required in 0.24)        left out since  when
//	ExecutorInfo.command               Mesos 1.1       the executor is a DEFAULT executor
//	Environment.Variable.value         Mesos 1.2       the variable is of type SECRET
//	Resource.ReservationInfo.principal later Mesos     the resources were reserved without one
//
// Such a field is left unset (nil) in what the executor gets, in the
// message itself or in one nested in it (a TaskInfo's executor, the
// environment of any command, a resource's reservation), and the rest of
// the message is delivered whole. Use the getters, which return the zero
// value for an unset field. What the v1 message holds instead (the
// executor's type, the variable's type and secret) stays in the
// unknown-field bytes. Any other required field missing would make a
// message that cannot be delivered complete: the driver is then aborted
// and Error names the field (no agent sends such a message: mesos-go's v1
// types write every field they require, and v0 requires no other field
// they leave optional). Likewise, SendStatusUpdate refuses, with an error,
// a TaskStatus that lacks a field either generation requires.
//
// # Callbacks
//
// Every v0 callback is called as its driver counterpart is (see the driver
// package's Executor): one at a time, in order, on one goroutine, with
// Registered first. The mapping:
//
//	driver.Executor            v0 Executor
//	Registered(e, f, agent)    Registered(d, e, f, slave)
//	Reregistered(agent)        Reregistered(d, slave)
//	Disconnected               Disconnected (once per loss of the agent)
//	LaunchTask(t)              LaunchTask(d, t)
//	LaunchTaskGroup(g)         LaunchTask(d, t) for each task of g, in order
//	KillTask(id)               KillTask(d, id) (the kill policy is dropped)
//	FrameworkMessage(data)     FrameworkMessage(d, string(data))
//	Shutdown                   Shutdown(d), then the driver stops (below)
//	Error(msg)                 Error(d, msg); the driver is already aborted
//
// The v0 interface has no task-group callback: a group launched on this
// executor (Mesos 1.1+) arrives as one LaunchTask per task, which is what a
// v0 executor can act on; the group's atomicity is the executor's to give
// up.
//
// Shutdown: mesos-go's v0 driver stops itself when the agent shuts the
// executor down, so a v0 executor does not call Stop. This package keeps
// that contract without mesos-go's race (it stopped concurrently with the
// Shutdown callback, so a TASK_KILLED sent from the callback could be
// lost): once Shutdown has returned, it waits until every status update
// sent so far is acknowledged, at most the shutdown grace period, and then
// stops the driver, unless it was stopped or aborted meanwhile. Join then
// returns DRIVER_STOPPED (DRIVER_ABORTED after an Abort), and only once
// that stop is done. When the Shutdown follows a loss of the agent
// (Disconnected) and the framework does not checkpoint, the driver is
// aborted instead, and Join returns DRIVER_ABORTED, as mesos-go's does
// (its networkError); with checkpointing, an agent that did not come back
// in time gives DRIVER_STOPPED, as mesos-go's recovery timeout does. Unless the process
// group is kept (driver.Config.KeepProcessGroup, MESOS_LOCAL), the driver
// still ends the process group once the grace period has passed.
//
// # Driver methods
//
// Every method returns mesos-go's status values, and an error where
// mesos-go's does, Join on a driver never started included, except where
// this driver keeps the C++ driver's behaviour (the driver package's
// ExecutorDriver) or refuses to lose an update:
//
//   - Join on a driver already stopped or aborted returns its status
//     without an error (mesos-go's adds one). Join from a callback never
//     returns, as it waits for the callbacks to finish; mesos-go's blocks
//     that callback, and every later one, until the driver ends.
//   - Stop on an aborted driver returns DRIVER_ABORTED without an error
//     and leaves it DRIVER_STOPPED (mesos-go's refuses, and it stays
//     DRIVER_ABORTED).
//   - Run on a driver started and still running joins it (mesos-go's
//     stops it).
//   - SendStatusUpdate refuses TASK_STAGING with an error and the driver
//     keeps running (mesos-go's aborts). A nil TaskStatus, or one that
//     lacks a required field or holds a nil element, is refused with an
//     error that names it, and the driver keeps running (mesos-go's takes
//     a status without a state for TASK_STAGING and aborts, returns the
//     encoder's error, or panics). The caller's TaskStatus is never
//     changed.
//
// # Environment
//
// NewMesosExecutorDriver reads the agent's environment as mesos-go's does,
// through os.Getenv, unless DriverConfig.Getenv or DriverConfig.Config says
// otherwise; tests use them to run the executor in-process against a
// simulated agent. Unlike mesos-go, a missing MESOS_* variable is an error
// that names it, and the agent's executor token is removed from the
// process environment once read.
package mesosgov0
