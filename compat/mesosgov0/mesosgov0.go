package mesosgov0

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gogo/protobuf/proto"
	v0 "github.com/mesos/mesos-go/api/v0/mesosproto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/mesos-shim/executor/driver"
)

// Executor is mesos-go's v0 executor callback interface, with the v0
// mesosproto types. See the package documentation for when each is called.
type Executor interface {
	Registered(ExecutorDriver, *v0.ExecutorInfo, *v0.FrameworkInfo, *v0.SlaveInfo)
	Reregistered(ExecutorDriver, *v0.SlaveInfo)
	Disconnected(ExecutorDriver)
	LaunchTask(ExecutorDriver, *v0.TaskInfo)
	KillTask(ExecutorDriver, *v0.TaskID)
	FrameworkMessage(ExecutorDriver, string)
	Shutdown(ExecutorDriver)
	Error(ExecutorDriver, string)
}

// ExecutorDriver is mesos-go's v0 executor driver interface. Every method
// returns the driver's status after the call, and an error when the call
// could not be carried out.
type ExecutorDriver interface {
	Start() (v0.Status, error)
	Stop() (v0.Status, error)
	Abort() (v0.Status, error)
	Join() (v0.Status, error)
	Run() (v0.Status, error)
	SendStatusUpdate(*v0.TaskStatus) (v0.Status, error)
	SendFrameworkMessage(string) (v0.Status, error)
}

// DriverConfig mirrors mesos-go's v0 DriverConfig. Executor is required.
//
// HostnameOverride, BindingAddress, BindingPort and PublishedAddress are
// accepted so that code setting them compiles, and ignored: the driver
// takes its address from LIBPROCESS_IP, LIBPROCESS_PORT and
// LIBPROCESS_ADVERTISE_IP/PORT, as the agent sets them and as the C++
// driver reads them, and on the v1 wire it needs no address of its own.
// mesos-go's NewMessenger field is left out on purpose: the driver brings
// its own messaging and cannot use a mesos-go messenger, so code that sets
// it fails to compile instead of being silently ignored.
//
// Getenv and Config are this package's own, for tests and embedding
// programs: Config, when set, is used as is and the environment is not
// read; otherwise the agent's variables are read through Getenv (nil:
// os.Getenv, and then the agent's executor token is removed from the
// process environment, as driver.NewFromEnv does).
type DriverConfig struct {
	Executor         Executor
	HostnameOverride string // ignored
	BindingAddress   net.IP // ignored
	BindingPort      uint16 // ignored
	PublishedAddress net.IP // ignored

	Getenv func(string) string
	Config *driver.Config
}

// MesosExecutorDriver implements ExecutorDriver on this repository's driver.
type MesosExecutorDriver struct {
	exec Executor
	d    *driver.Driver
	// grace bounds the wait for acknowledgements after Shutdown.
	grace time.Duration

	// mu serialises Abort with the stop that follows Shutdown, which stops
	// only a running driver: stopping an aborted one would turn its
	// DRIVER_ABORTED into DRIVER_STOPPED. It also guards settled.
	mu sync.Mutex
	// settled, once Shutdown was called, is closed when the stop that
	// follows it is done; Join waits for it, so its status is final.
	settled chan struct{}
	// lost says the agent was lost and has not come back (Disconnected,
	// not yet followed by Reregistered). Only callbacks use it.
	lost bool
	// connected is Connected's answer.
	connected atomic.Bool
}

var (
	_ ExecutorDriver                         = (*MesosExecutorDriver)(nil)
	_ driver.Executor                        = adapter{}
	_ driver.ExecutorDriver                  = (*driver.Driver)(nil)
	_ interface{ Marshal() ([]byte, error) } = (*v0.TaskStatus)(nil)
)

// NewMesosExecutorDriver creates a driver for config.Executor. The error
// names every missing or malformed variable of the agent's environment.
func NewMesosExecutorDriver(config DriverConfig) (*MesosExecutorDriver, error) {
	if config.Executor == nil {
		return nil, errors.New("mesosgov0: nil Executor")
	}
	var cfg driver.Config
	switch {
	case config.Config != nil:
		cfg = *config.Config
	case config.Getenv != nil:
		c, err := driver.ConfigFromEnv(config.Getenv)
		if err != nil {
			return nil, err
		}
		cfg = c
	default:
		c, err := driver.ConfigFromEnv(os.Getenv)
		if err != nil {
			return nil, err
		}
		os.Unsetenv(driver.EnvExecutorAuthToken)
		cfg = c
	}
	md := &MesosExecutorDriver{exec: config.Executor, grace: cfg.ShutdownGracePeriod}
	if md.grace <= 0 {
		md.grace = driver.DefaultShutdownGracePeriod
	}
	d, err := driver.New(adapter{md}, cfg)
	if err != nil {
		return nil, err
	}
	md.d = d
	return md, nil
}

// Driver is the driver underneath, for what the v0 interface lacks:
// AwaitAcknowledgements, Protocol, Config and the executor's ids.
func (md *MesosExecutorDriver) Driver() *driver.Driver { return md.d }

// Start implements ExecutorDriver.
func (md *MesosExecutorDriver) Start() (v0.Status, error) { return status(md.d.Start()) }

// Stop implements ExecutorDriver.
func (md *MesosExecutorDriver) Stop() (v0.Status, error) { return status(md.d.Stop()) }

// Abort implements ExecutorDriver.
func (md *MesosExecutorDriver) Abort() (v0.Status, error) {
	md.mu.Lock()
	defer md.mu.Unlock()
	return status(md.d.Abort())
}

// Join implements ExecutorDriver. Do not call it from a callback. On a
// driver not started it returns at once with an error, as mesos-go's does.
func (md *MesosExecutorDriver) Join() (v0.Status, error) {
	if md.d.Status() == mesos.DRIVER_NOT_STARTED {
		return v0.Status_DRIVER_NOT_STARTED, errors.New("mesosgov0: Join: the driver is not started")
	}
	return md.settle(md.d.Join())
}

// Run implements ExecutorDriver.
func (md *MesosExecutorDriver) Run() (v0.Status, error) { return md.settle(md.d.Run()) }

// settle completes the driver's Join: once the driver has ended, it waits
// for the stop that follows Shutdown, if one is under way, and returns the
// status it left.
func (md *MesosExecutorDriver) settle(s mesos.Status, err error) (v0.Status, error) {
	if s == mesos.DRIVER_NOT_STARTED || s == mesos.DRIVER_RUNNING || err != nil {
		return status(s, err)
	}
	md.mu.Lock()
	settled := md.settled
	md.mu.Unlock()
	if settled == nil {
		return status(s, err)
	}
	<-settled
	return md.Status(), nil
}

// stopAfterShutdown stops the driver once every status update sent so far
// is acknowledged, or grace has passed, unless it has ended meanwhile; it
// aborts it instead when abort is set.
func (md *MesosExecutorDriver) stopAfterShutdown(settled chan struct{}, abort bool) {
	defer close(settled)
	ctx, cancel := context.WithTimeout(context.Background(), md.grace)
	defer cancel()
	_ = md.d.AwaitAcknowledgements(ctx) // stop anyway when it fails
	md.mu.Lock()
	defer md.mu.Unlock()
	switch {
	case md.d.Status() != mesos.DRIVER_RUNNING:
	case abort:
		md.d.Abort()
	default:
		md.d.Stop()
	}
}

// SendStatusUpdate implements ExecutorDriver. Unlike mesos-go's, it leaves
// the caller's TaskStatus unchanged, and refuses TASK_STAGING with an error
// without aborting the driver.
func (md *MesosExecutorDriver) SendStatusUpdate(s *v0.TaskStatus) (v0.Status, error) {
	if s == nil {
		return md.Status(), errors.New("mesosgov0: nil TaskStatus")
	}
	var out mesos.TaskStatus
	if err := convert(s, &out); err != nil {
		return md.Status(), fmt.Errorf("mesosgov0: TaskStatus: %w", err)
	}
	return status(md.d.SendStatusUpdate(&out))
}

// SendFrameworkMessage implements ExecutorDriver.
func (md *MesosExecutorDriver) SendFrameworkMessage(data string) (v0.Status, error) {
	return status(md.d.SendFrameworkMessage([]byte(data)))
}

// Status is the driver's current status, as mesos-go's Status method.
func (md *MesosExecutorDriver) Status() v0.Status { return v0.Status(md.d.Status()) }

// Running says whether the driver is running, as mesos-go's Running method.
func (md *MesosExecutorDriver) Running() bool { return md.d.Status() == mesos.DRIVER_RUNNING }

// Connected says whether the agent has accepted the executor and not been
// lost since, as mesos-go's Connected: true from Registered on, false from
// Disconnected until Reregistered.
func (md *MesosExecutorDriver) Connected() bool { return md.connected.Load() }

// AwaitAcknowledgements blocks until every status update sent so far is
// acknowledged, the driver ended, or ctx is done (see driver.ExecutorDriver).
func (md *MesosExecutorDriver) AwaitAcknowledgements(ctx context.Context) error {
	return md.d.AwaitAcknowledgements(ctx)
}

// setConnected records, from a callback, whether the agent is connected.
func (md *MesosExecutorDriver) setConnected(c bool) {
	md.lost = !c
	md.connected.Store(c)
}

func status(s mesos.Status, err error) (v0.Status, error) { return v0.Status(s), err }

// adapter is the driver.Executor that calls the v0 executor.
type adapter struct{ md *MesosExecutorDriver }

func (a adapter) Registered(_ driver.ExecutorDriver, e *mesos.ExecutorInfo, f *mesos.FrameworkInfo, ag *mesos.AgentInfo) {
	var (
		ve v0.ExecutorInfo
		vf v0.FrameworkInfo
		va v0.SlaveInfo
	)
	a.md.setConnected(true)
	if a.ok(convert(e, &ve), "ExecutorInfo") && a.ok(convert(f, &vf), "FrameworkInfo") && a.ok(slaveInfo(ag, &va), "AgentInfo") {
		a.md.exec.Registered(a.md, &ve, &vf, &va)
	}
}

func (a adapter) Reregistered(_ driver.ExecutorDriver, ag *mesos.AgentInfo) {
	var va v0.SlaveInfo
	a.md.setConnected(true)
	if a.ok(slaveInfo(ag, &va), "AgentInfo") {
		a.md.exec.Reregistered(a.md, &va)
	}
}

// slaveInfo converts ag to the v0 SlaveInfo, with checkpoint (a field the
// v1 AgentInfo lacks) true: every agent since 0.23 sends it so
// (Slave::initialize), and before that it was --checkpoint, true unless
// turned off.
func slaveInfo(ag *mesos.AgentInfo, va *v0.SlaveInfo) error {
	if err := convert(ag, va); err != nil {
		return err
	}
	va.Checkpoint = proto.Bool(true)
	return nil
}

func (a adapter) Disconnected(driver.ExecutorDriver) {
	a.md.setConnected(false)
	a.md.exec.Disconnected(a.md)
}

func (a adapter) LaunchTask(_ driver.ExecutorDriver, t *mesos.TaskInfo) {
	var vt v0.TaskInfo
	if a.ok(convert(t, &vt), "TaskInfo") {
		a.md.exec.LaunchTask(a.md, &vt)
	}
}

func (a adapter) LaunchTaskGroup(d driver.ExecutorDriver, g *mesos.TaskGroupInfo) {
	for i := range g.Tasks {
		if a.md.d.Status() != mesos.DRIVER_RUNNING {
			return // a failed conversion aborted the driver
		}
		a.LaunchTask(d, &g.Tasks[i])
	}
}

func (a adapter) KillTask(_ driver.ExecutorDriver, id *mesos.TaskID) {
	var vid v0.TaskID
	if a.ok(convert(id, &vid), "TaskID") {
		a.md.exec.KillTask(a.md, &vid)
	}
}

func (a adapter) FrameworkMessage(_ driver.ExecutorDriver, data []byte) {
	a.md.exec.FrameworkMessage(a.md, string(data))
}

// Shutdown calls the executor's, then stops the driver, as mesos-go's does;
// after a loss of the agent without checkpointing, mesos-go's aborts it
// (networkError), and so does this one.
func (a adapter) Shutdown(driver.ExecutorDriver) {
	abort := a.md.lost && !a.md.d.Config().Checkpoint
	a.md.exec.Shutdown(a.md)
	settled := make(chan struct{})
	a.md.mu.Lock()
	a.md.settled = settled
	a.md.mu.Unlock()
	// Never block the callbacks: acknowledgements come meanwhile.
	go a.md.stopAfterShutdown(settled, abort)
}

func (a adapter) Error(_ driver.ExecutorDriver, msg string) { a.md.exec.Error(a.md, msg) }

// ok reports a failed conversion as mesos-go reports a fatal problem: the
// driver is aborted, then Error is called.
func (a adapter) ok(err error, what string) bool {
	if err == nil {
		return true
	}
	a.md.Abort()
	a.md.exec.Error(a.md, fmt.Sprintf("mesosgov0: cannot convert %s to its v0 type: %v", what, err))
	return false
}
