package cmdexec

import (
	"context"
	"errors"
	"os"
	"sync"
	"time"

	"github.com/golang/glog"
	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/mesos-shim/executor/driver"
)

// Defaults used when Options leaves a duration at zero.
const (
	// DefaultKillGracePeriod is the time between SIGTERM and SIGKILL when
	// neither the task nor the kill carries a kill policy.
	DefaultKillGracePeriod = 3 * time.Second
	// DefaultShutdownGracePeriod matches the agent's default
	// --executor_shutdown_grace_period.
	DefaultShutdownGracePeriod = driver.DefaultShutdownGracePeriod
	// DefaultAckTimeout bounds the wait for the acknowledgement of the
	// task's terminal update before the executor stops all the same, as
	// Mesos's command executor exits 60 s after it at the latest.
	DefaultAckTimeout = 60 * time.Second
)

// Options configures an Executor. The zero value is usable.
type Options struct {
	// Sandbox is the tasks' working directory; empty means the executor's.
	Sandbox string
	// Environ is the environment every task starts from, before its
	// command's variables are added; nil means os.Environ().
	Environ []string
	// Stdin, Stdout and Stderr are the tasks' standard streams; nil
	// means the executor's own, as with Mesos's command executor, whose
	// stdout and stderr the agent sends to the sandbox's stdout and
	// stderr files.
	Stdin, Stdout, Stderr *os.File
	// KillGracePeriod is the default time between SIGTERM and SIGKILL.
	KillGracePeriod time.Duration
	// ShutdownGracePeriod bounds Shutdown: killing the tasks and awaiting
	// the acknowledgement of their terminal updates.
	ShutdownGracePeriod time.Duration
	// AckTimeout bounds how long, once every task ended (or could not
	// start), the executor awaits the acknowledgement of their terminal
	// updates before it stops the driver.
	AckTimeout time.Duration
	// SendKilling sends TASK_KILLING when a kill starts, whatever the
	// framework. Without it, TASK_KILLING is sent only when the framework
	// that Registered names has the TASK_KILLING_STATE capability (Mesos
	// 1.1+), as Mesos's command executor does: other schedulers do not
	// understand that state.
	SendKilling bool
}

// Executor runs tasks' commands. It implements driver.Executor and
// driver.KillPolicyReceiver; create one with New.
type Executor struct {
	opts Options

	mu       sync.Mutex
	tasks    map[string]*task // running tasks, by task ID
	launched bool             // a launch came
	active   int              // launches whose terminal update is not sent yet
	shutdown bool             // Shutdown was called: launches are refused
	ending   bool             // the executor's work is done: it stops
	killing  bool             // send TASK_KILLING when a kill starts
	// cancelFinish, while the executor awaits the acknowledgements before
	// stopping, cancels that wait and the stop: a launch calls it.
	cancelFinish context.CancelFunc
}

var (
	_ driver.Executor           = (*Executor)(nil)
	_ driver.KillPolicyReceiver = (*Executor)(nil)
)

// New returns an Executor with opts, defaults filled in.
func New(opts Options) *Executor {
	if opts.Environ == nil {
		opts.Environ = os.Environ()
	}
	opts.Stdin = orFile(opts.Stdin, os.Stdin)
	opts.Stdout = orFile(opts.Stdout, os.Stdout)
	opts.Stderr = orFile(opts.Stderr, os.Stderr)
	if opts.KillGracePeriod <= 0 {
		opts.KillGracePeriod = DefaultKillGracePeriod
	}
	if opts.ShutdownGracePeriod <= 0 {
		opts.ShutdownGracePeriod = DefaultShutdownGracePeriod
	}
	if opts.AckTimeout <= 0 {
		opts.AckTimeout = DefaultAckTimeout
	}
	return &Executor{opts: opts, tasks: make(map[string]*task), killing: opts.SendKilling}
}

// orFile is f, or def when f is nil.
func orFile(f, def *os.File) *os.File {
	if f == nil {
		return def
	}
	return f
}

// Registered implements driver.Executor. It learns from the framework's
// capabilities whether its scheduler understands TASK_KILLING.
func (e *Executor) Registered(_ driver.ExecutorDriver, ei *mesos.ExecutorInfo, fw *mesos.FrameworkInfo, a *mesos.AgentInfo) {
	killing := e.opts.SendKilling || hasCapability(fw, mesos.FrameworkInfo_Capability_TASK_KILLING_STATE)
	e.mu.Lock()
	e.killing = killing
	e.mu.Unlock()
	glog.Infof("registered executor %s of framework %s on agent %s (TASK_KILLING: %t)",
		ei.GetExecutorID().Value, fw.GetName(), a.GetHostname(), killing)
}

// hasCapability reports whether fw declares the capability c.
func hasCapability(fw *mesos.FrameworkInfo, c mesos.FrameworkInfo_Capability_Type) bool {
	for _, fc := range fw.GetCapabilities() {
		if fc.GetType() == c {
			return true
		}
	}
	return false
}

// sendKilling reports whether a kill is announced with TASK_KILLING.
func (e *Executor) sendKilling() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.killing
}

// Reregistered implements driver.Executor.
func (e *Executor) Reregistered(_ driver.ExecutorDriver, a *mesos.AgentInfo) {
	glog.Infof("reregistered with agent %s", a.GetHostname())
}

// Disconnected implements driver.Executor. Tasks keep running: the driver
// waits for the agent to come back, or calls Shutdown.
func (e *Executor) Disconnected(driver.ExecutorDriver) {
	glog.Warning("disconnected from the agent")
}

// Error implements driver.Executor; the driver aborts after it.
func (e *Executor) Error(_ driver.ExecutorDriver, msg string) {
	glog.Errorf("driver error: %s", msg)
}

// FrameworkMessage implements driver.Executor by echoing data back.
func (e *Executor) FrameworkMessage(d driver.ExecutorDriver, data []byte) {
	glog.V(1).Infof("framework message of %d bytes; echoing it", len(data))
	if _, err := d.SendFrameworkMessage(data); err != nil {
		glog.Errorf("echoing a framework message: %v", err)
	}
}

// LaunchTask implements driver.Executor: it starts the task's command and
// returns once the process runs.
func (e *Executor) LaunchTask(d driver.ExecutorDriver, ti *mesos.TaskInfo) {
	e.launch(d, ti)
}

// LaunchTaskGroup implements driver.Executor: each task of the group is
// launched as by LaunchTask. The group counts as one more task while its
// tasks are launched, so that one ending before the next has begun does
// not make the executor stop with the rest of the group unlaunched.
func (e *Executor) LaunchTaskGroup(d driver.ExecutorDriver, g *mesos.TaskGroupInfo) {
	e.mu.Lock()
	e.active++
	e.mu.Unlock()
	defer e.ended(d)
	tasks := g.GetTasks()
	for i := range tasks {
		if i > 0 && testHookBetweenGroupLaunches != nil {
			testHookBetweenGroupLaunches()
		}
		e.launch(d, &tasks[i])
	}
}

// testHookBetweenGroupLaunches, when set by a test, runs between the
// launches of a group's tasks.
var testHookBetweenGroupLaunches func()

// KillTask implements driver.Executor with the task's own kill policy.
func (e *Executor) KillTask(d driver.ExecutorDriver, id *mesos.TaskID) {
	e.KillTaskWithPolicy(d, id, nil)
}

// KillTaskWithPolicy implements driver.KillPolicyReceiver. The grace period
// between SIGTERM and SIGKILL is policy's, else the task's, else the
// default. Unknown and ended tasks are ignored. A repeated kill only
// brings SIGKILL forward, when its grace period, counted from the first
// kill, ends sooner.
func (e *Executor) KillTaskWithPolicy(d driver.ExecutorDriver, id *mesos.TaskID, policy *mesos.KillPolicy) {
	t := e.lookup(id.GetValue())
	if t == nil {
		e.killUnknown(d, id.GetValue())
		return
	}
	t.kill(d, gracePeriod(policy, t.grace), e.sendKilling())
}

// Shutdown implements driver.Executor: every task is killed, and once
// their terminal updates are acknowledged, or the shutdown grace period
// ran out, the driver is stopped. It returns at once. As with Mesos's
// command executor, a task's SIGKILL comes ShutdownKillMargin before the
// end of the shutdown grace period, whatever the task's kill policy (an
// agent gives a task with a kill policy its grace period plus that margin
// as the executor's shutdown grace period), or sooner if a kill in
// progress was due to end sooner: the margin is for its terminal update,
// before the agent destroys the container.
func (e *Executor) Shutdown(d driver.ExecutorDriver) {
	e.mu.Lock()
	first := !e.shutdown
	e.shutdown = true
	running := e.running()
	e.mu.Unlock()
	if first {
		glog.Infof("shutting down: killing %d tasks", len(running))
		go e.shutdownTasks(d, running)
	}
}

// Close sends SIGKILL to the process tree of every task still running.
// A program calls it before exiting so that no task outlives it.
func (e *Executor) Close() {
	e.mu.Lock()
	running := e.running()
	e.mu.Unlock()
	for _, t := range running {
		t.forceKill()
	}
}

// ShutdownKillMargin is the part of the shutdown grace period left after
// a task's SIGKILL at shutdown: Mesos's command executor leaves its
// reaper's longest interval (1 s) plus 1 s.
const ShutdownKillMargin = 2 * time.Second

// shutdownKillGrace is the time between SIGTERM and SIGKILL when the
// executor is shut down with the grace period sgp.
func shutdownKillGrace(sgp time.Duration) time.Duration {
	return max(0, sgp-ShutdownKillMargin)
}

// shutdownTasks kills tasks, waits for their terminal updates and their
// acknowledgement, and stops d, all within the shutdown grace period.
func (e *Executor) shutdownTasks(d driver.ExecutorDriver, tasks []*task) {
	ctx, cancel := context.WithTimeout(context.Background(), e.opts.ShutdownGracePeriod)
	defer cancel()
	grace := shutdownKillGrace(e.opts.ShutdownGracePeriod)
	killing := e.sendKilling()
	for _, t := range tasks {
		t.kill(d, grace, killing)
	}
	for _, t := range tasks {
		select {
		case <-t.done:
		case <-ctx.Done():
		}
	}
	if err := d.AwaitAcknowledgements(ctx); err != nil {
		glog.Warningf("shutdown: not every status update was acknowledged: %v", err)
	}
	if _, err := d.Stop(); err != nil {
		glog.Errorf("shutdown: stopping the driver: %v", err)
	}
}

// launch starts ti's command, or reports why it cannot run.
func (e *Executor) launch(d driver.ExecutorDriver, ti *mesos.TaskInfo) {
	id := ti.GetTaskID()
	if !e.begin(d, id) {
		return
	}
	cmd, err := newCommand(ti.GetCommand(), e.opts.Sandbox, e.opts.Environ)
	if err != nil {
		sendStatus(d, id, mesos.TASK_FAILED, err.Error())
		e.ended(d)
		return
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = e.opts.Stdin, e.opts.Stdout, e.opts.Stderr
	cmd.Env = append(cmd.Env, allocationRole(ti)...)
	t := &task{
		id:            id,
		grace:         gracePeriod(ti.GetKillPolicy(), e.opts.KillGracePeriod),
		maxCompletion: time.Duration(ti.GetMaxCompletionTime().GetNanoseconds()),
		cmd:           cmd,
		unchecked:     uncheckedChecks(ti),
		done:          make(chan struct{}),
	}
	if !e.add(d, t) {
		e.ended(d)
		return
	}
	if !t.start(d) {
		e.remove(t)
		e.ended(d)
		return
	}
	go func() {
		t.wait(d)
		e.remove(t)
		e.ended(d)
	}()
}

// allocationRole is MESOS_ALLOCATION_ROLE, the role the task's resources
// are allocated to, which Mesos's command executor (1.9+) sets for every
// task over any other value; nothing for a task without resources.
func allocationRole(ti *mesos.TaskInfo) []string {
	if len(ti.Resources) == 0 {
		return nil
	}
	return []string{"MESOS_ALLOCATION_ROLE=" + ti.Resources[0].GetAllocationInfo().GetRole()}
}

// uncheckedChecks names the checks ti asks for, none of which this
// executor runs (Mesos's runs both), or is empty.
func uncheckedChecks(ti *mesos.TaskInfo) string {
	switch {
	case ti.HealthCheck != nil && ti.Check != nil:
		return "health check and check"
	case ti.HealthCheck != nil:
		return "health check"
	case ti.Check != nil:
		return "check"
	}
	return ""
}

// add records t as running. A task is refused, with TASK_FAILED, during
// shutdown; a second launch of a running task ID is ignored.
func (e *Executor) add(d driver.ExecutorDriver, t *task) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, dup := e.tasks[t.id.Value]; dup {
		glog.Errorf("task %s is already running; launch ignored", t.id.Value)
		return false
	}
	if e.shutdown {
		sendStatus(d, t.id, mesos.TASK_FAILED, "executor is shutting down")
		return false
	}
	e.tasks[t.id.Value] = t
	return true
}

// remove forgets t once it ended.
func (e *Executor) remove(t *task) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.tasks[t.id.Value] == t {
		delete(e.tasks, t.id.Value)
	}
}

// begin counts a launch of task id, and cancels a pending stop: the
// executor lives on until this task too has ended. During shutdown, or
// once the executor is stopping, the launch is refused with TASK_FAILED and
// begin returns false. Every launch begin accepts ends with one call of
// ended.
func (e *Executor) begin(d driver.ExecutorDriver, id mesos.TaskID) bool {
	e.mu.Lock()
	refused := e.shutdown || e.ending
	if !refused {
		e.launched = true
		e.active++
		if e.cancelFinish != nil {
			glog.Infof("task %s launched while awaiting acknowledgements: not stopping", id.Value)
			e.cancelFinish()
			e.cancelFinish = nil
		}
	}
	e.mu.Unlock()
	if refused {
		glog.Errorf("launch of task %s refused: executor is shutting down", id.Value)
		sendStatus(d, id, mesos.TASK_FAILED, "executor is shutting down")
	}
	return !refused
}

// ended is called once a launched task's terminal update was sent, whether
// it ran or could not start, or once its launch was ignored. When no other
// task is left, the executor's work is done, as Mesos's command executor's
// is when its one task ended: unless Shutdown is already seeing to it, it
// awaits the acknowledgements and stops the driver, and the program exits.
// A launch that comes during that wait cancels the stop.
func (e *Executor) ended(d driver.ExecutorDriver) {
	e.mu.Lock()
	e.active--
	end := e.active == 0 && !e.shutdown && !e.ending
	var ctx context.Context
	if end {
		// No wait is pending: the launch that began this task cancelled
		// any, and cleared cancelFinish.
		ctx, e.cancelFinish = context.WithTimeout(context.Background(), e.opts.AckTimeout)
	}
	e.mu.Unlock()
	if end {
		glog.Info("every task ended: stopping once their updates are acknowledged")
		go e.finish(ctx, d)
	}
}

// killUnknown handles a kill of a task that is not running. Before any
// launch it means the task is not coming (its launch was lost): the
// executor stops, as Mesos's does. Otherwise the kill is ignored.
func (e *Executor) killUnknown(d driver.ExecutorDriver, id string) {
	e.mu.Lock()
	end := !e.launched && !e.shutdown && !e.ending && e.cancelFinish == nil
	var ctx context.Context
	if end {
		ctx, e.cancelFinish = context.WithTimeout(context.Background(), e.opts.AckTimeout)
	}
	e.mu.Unlock()
	if !end {
		glog.Warningf("kill of unknown or ended task %s ignored", id)
		return
	}
	glog.Errorf("kill of task %s before any task was launched: stopping", id)
	go e.finish(ctx, d)
}

// finish awaits the acknowledgement of every update sent until ctx is
// done, at most Options.AckTimeout, and stops d, unless a launch cancelled
// ctx meanwhile. Once it decided to stop, launches are refused.
func (e *Executor) finish(ctx context.Context, d driver.ExecutorDriver) {
	err := d.AwaitAcknowledgements(ctx)
	e.mu.Lock()
	cancelled := errors.Is(ctx.Err(), context.Canceled)
	stop := !cancelled && !e.ending
	if stop {
		e.ending = true
		e.cancelFinish()
		e.cancelFinish = nil
	}
	e.mu.Unlock()
	if !stop {
		return
	}
	if err != nil {
		glog.Warningf("not every status update was acknowledged: %v", err)
	}
	if _, err := d.Stop(); err != nil {
		glog.Errorf("stopping the driver: %v", err)
	}
}

// lookup returns the running task with ID id, or nil.
func (e *Executor) lookup(id string) *task {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.tasks[id]
}

// running lists the running tasks; the caller holds e.mu.
func (e *Executor) running() []*task {
	out := make([]*task, 0, len(e.tasks))
	for _, t := range e.tasks {
		out = append(out, t)
	}
	return out
}

// gracePeriod is the kill policy's grace period, or def without one.
func gracePeriod(p *mesos.KillPolicy, def time.Duration) time.Duration {
	if gp := p.GetGracePeriod(); gp != nil && gp.GetNanoseconds() >= 0 {
		return time.Duration(gp.GetNanoseconds())
	}
	return def
}
