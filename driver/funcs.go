package driver

import (
	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// Funcs adapts a set of functions to Executor, for executors that handle
// only some callbacks. A nil field ignores its callback, except:
// a nil OnShutdown calls Stop on the driver, and a nil OnError does nothing
// (the driver is aborted and the error logged anyway).
type Funcs struct {
	OnRegistered       func(ExecutorDriver, *mesos.ExecutorInfo, *mesos.FrameworkInfo, *mesos.AgentInfo)
	OnReregistered     func(ExecutorDriver, *mesos.AgentInfo)
	OnDisconnected     func(ExecutorDriver)
	OnLaunchTask       func(ExecutorDriver, *mesos.TaskInfo)
	OnLaunchTaskGroup  func(ExecutorDriver, *mesos.TaskGroupInfo)
	OnKillTask         func(ExecutorDriver, *mesos.TaskID, *mesos.KillPolicy)
	OnFrameworkMessage func(ExecutorDriver, []byte)
	OnShutdown         func(ExecutorDriver)
	OnError            func(ExecutorDriver, string)
}

var (
	_ Executor           = Funcs{}
	_ KillPolicyReceiver = Funcs{}
)

// Registered implements Executor.
func (f Funcs) Registered(d ExecutorDriver, e *mesos.ExecutorInfo, fw *mesos.FrameworkInfo, a *mesos.AgentInfo) {
	if f.OnRegistered != nil {
		f.OnRegistered(d, e, fw, a)
	}
}

// Reregistered implements Executor.
func (f Funcs) Reregistered(d ExecutorDriver, a *mesos.AgentInfo) {
	if f.OnReregistered != nil {
		f.OnReregistered(d, a)
	}
}

// Disconnected implements Executor.
func (f Funcs) Disconnected(d ExecutorDriver) {
	if f.OnDisconnected != nil {
		f.OnDisconnected(d)
	}
}

// LaunchTask implements Executor.
func (f Funcs) LaunchTask(d ExecutorDriver, t *mesos.TaskInfo) {
	if f.OnLaunchTask != nil {
		f.OnLaunchTask(d, t)
	}
}

// LaunchTaskGroup implements Executor.
func (f Funcs) LaunchTaskGroup(d ExecutorDriver, g *mesos.TaskGroupInfo) {
	if f.OnLaunchTaskGroup != nil {
		f.OnLaunchTaskGroup(d, g)
	}
}

// KillTask implements Executor; it is not called by the driver, which
// prefers KillTaskWithPolicy.
func (f Funcs) KillTask(d ExecutorDriver, id *mesos.TaskID) { f.KillTaskWithPolicy(d, id, nil) }

// KillTaskWithPolicy implements KillPolicyReceiver.
func (f Funcs) KillTaskWithPolicy(d ExecutorDriver, id *mesos.TaskID, p *mesos.KillPolicy) {
	if f.OnKillTask != nil {
		f.OnKillTask(d, id, p)
	}
}

// FrameworkMessage implements Executor.
func (f Funcs) FrameworkMessage(d ExecutorDriver, data []byte) {
	if f.OnFrameworkMessage != nil {
		f.OnFrameworkMessage(d, data)
	}
}

// Shutdown implements Executor.
func (f Funcs) Shutdown(d ExecutorDriver) {
	if f.OnShutdown != nil {
		f.OnShutdown(d)
		return
	}
	d.Stop()
}

// Error implements Executor.
func (f Funcs) Error(d ExecutorDriver, msg string) {
	if f.OnError != nil {
		f.OnError(d, msg)
	}
}
