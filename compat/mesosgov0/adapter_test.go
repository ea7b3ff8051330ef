package mesosgov0

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/gogo/protobuf/proto"
	v0 "github.com/mesos/mesos-go/api/v0/mesosproto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/compat/agentsim"
	"github.com/mesos-shim/executor/driver"
)

// recorder is a v0 Executor that records its callbacks.
type recorder struct {
	mu      sync.Mutex
	log     []string
	changed chan struct{}
}

func (r *recorder) record(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.log = append(r.log, fmt.Sprintf(format, args...))
	if r.changed == nil {
		r.changed = make(chan struct{})
	}
	close(r.changed)
	r.changed = make(chan struct{})
}

// wait returns the log once it has n lines.
func (r *recorder) wait(ctx context.Context, t *testing.T, n int) []string {
	t.Helper()
	for {
		r.mu.Lock()
		if r.changed == nil {
			r.changed = make(chan struct{})
		}
		log, changed := append([]string(nil), r.log...), r.changed
		r.mu.Unlock()
		if len(log) >= n {
			return log
		}
		select {
		case <-changed:
		case <-ctx.Done():
			t.Fatalf("waiting for %d callbacks: %v; so far: %q", n, ctx.Err(), log)
		}
	}
}

func (r *recorder) Registered(_ ExecutorDriver, e *v0.ExecutorInfo, _ *v0.FrameworkInfo, _ *v0.SlaveInfo) {
	r.record("Registered %s", e.GetExecutorId().GetValue())
}
func (r *recorder) Reregistered(ExecutorDriver, *v0.SlaveInfo) { r.record("Reregistered") }
func (r *recorder) Disconnected(ExecutorDriver)                { r.record("Disconnected") }
func (r *recorder) LaunchTask(_ ExecutorDriver, t *v0.TaskInfo) {
	r.record("LaunchTask %s", t.GetTaskId().GetValue())
}
func (r *recorder) KillTask(_ ExecutorDriver, id *v0.TaskID)    { r.record("KillTask %s", id.GetValue()) }
func (r *recorder) FrameworkMessage(_ ExecutorDriver, m string) { r.record("FrameworkMessage %s", m) }
func (r *recorder) Shutdown(ExecutorDriver)                     { r.record("Shutdown") }
func (r *recorder) Error(_ ExecutorDriver, msg string)          { r.record("Error %s", msg) }

// A message convert refuses is not delivered: the driver is aborted and
// the executor's Error callback names the field, on both wires. Every
// message a real agent sends converts (mesos-go's v1 types write every
// field v1 requires, and v0 requires only mayBeAbsent besides), so the
// test takes a SECRET variable's value off mayBeAbsent.
func TestARefusedConversionAbortsAndCallsError(t *testing.T) {
	value := requiredField{reflect.TypeOf(v0.Environment_Variable{}), "value"}
	delete(mayBeAbsent, value)
	t.Cleanup(func() { mayBeAbsent[value] = true })
	for _, wire := range []driver.Protocol{driver.ProtocolV0, driver.ProtocolV1} {
		t.Run(string(wire), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			agent, err := agentsim.Start(ctx, agentsim.AgentConfig{Profile: agentsim.Newest(), ShutdownGracePeriod: 3 * time.Second})
			require.NoError(t, err)
			defer agent.Close()
			cfg, err := driver.ConfigFromEnv(agent.InProcessGetenv)
			require.NoError(t, err)
			cfg.KeepProcessGroup = true
			cfg.Protocol = wire

			// The agent gives the task once the executor registers.
			require.NoError(t, agent.Launch(mesos.TaskInfo{TaskID: mesos.TaskID{Value: "t1"},
				Command: &mesos.CommandInfo{Environment: &mesos.Environment{Variables: []mesos.Environment_Variable{secret("T")}}}}))

			r := &recorder{}
			d, err := NewMesosExecutorDriver(DriverConfig{Executor: r, Config: &cfg})
			require.NoError(t, err)
			_, err = d.Start()
			require.NoError(t, err)
			defer d.Stop()
			require.Equal(t, []string{
				"Registered " + agentsim.DefaultExecutorID,
				"Error mesosgov0: cannot convert TaskInfo to its v0 type: required field command.environment.variables[0].value not set",
			}, r.wait(ctx, t, 2))
			st, err := d.Join()
			require.NoError(t, err)
			require.Equal(t, v0.Status_DRIVER_ABORTED, st)
		})
	}
}

// Join on a driver never started returns at once, and, as mesos-go's,
// with an error: there is nothing to wait for, and an executor that
// forgot Start should not take that for an orderly end.
func TestJoinBeforeStartIsAnError(t *testing.T) {
	env := map[string]string{driver.EnvFrameworkID: "f", driver.EnvExecutorID: "e", driver.EnvAgentID: "a",
		driver.EnvAgentPID: "slave(1)@127.0.0.1:5051", driver.EnvDirectory: t.TempDir()}
	d, err := NewMesosExecutorDriver(DriverConfig{Executor: &recorder{}, Getenv: func(k string) string { return env[k] }})
	require.NoError(t, err)
	st, err := d.Join()
	require.ErrorContains(t, err, "not started")
	require.Equal(t, v0.Status_DRIVER_NOT_STARTED, st)
}

// slaves records the SlaveInfo of Registered and Reregistered.
type slaves struct {
	recorder
	got []*v0.SlaveInfo
}

func (s *slaves) Registered(_ ExecutorDriver, _ *v0.ExecutorInfo, _ *v0.FrameworkInfo, si *v0.SlaveInfo) {
	s.got = append(s.got, si)
}
func (s *slaves) Reregistered(_ ExecutorDriver, si *v0.SlaveInfo) { s.got = append(s.got, si) }

// Every agent since 0.23 sends SlaveInfo.checkpoint true (Slave::initialize:
// "Checkpointing of slaves is always enabled"; the captures' slave_info
// ends with it), and mesos-go hands it on. The v1 AgentInfo has no such
// field and keeps no unknown ones, so the driver cannot pass it through:
// the adapter sets it, as every agent does.
func TestSlaveInfoSaysTheAgentCheckpoints(t *testing.T) {
	s := &slaves{}
	a := adapter{&MesosExecutorDriver{exec: s}}
	agent := &mesos.AgentInfo{Hostname: "h", ID: &mesos.AgentID{Value: "a1"},
		Attributes: []mesos.Attribute{{Name: "rack", Type: mesos.TEXT, Text: &mesos.Value_Text{Value: "r1"}}}}
	a.Registered(nil, &mesos.ExecutorInfo{ExecutorID: mesos.ExecutorID{Value: "e"}}, &mesos.FrameworkInfo{User: "u", Name: "f"}, agent)
	a.Reregistered(nil, agent)
	require.Len(t, s.got, 2)
	for _, si := range s.got {
		require.True(t, si.GetCheckpoint())
		require.Equal(t, "a1", si.GetId().GetValue())
		require.Equal(t, "r1", si.GetAttributes()[0].GetText().GetValue())
	}
}

// onShutdown is a recorder that also runs f in its Shutdown callback.
type onShutdown struct {
	*recorder
	f func(ExecutorDriver)
}

func (o onShutdown) Shutdown(d ExecutorDriver) {
	o.recorder.Shutdown(d)
	o.f(d)
}

// startOn starts an agent of the newest profile, configured as ac
// otherwise, with one task, t1, to give, and a driver for exec on it, on
// wire.
func startOn(t *testing.T, ctx context.Context, exec Executor, wire driver.Protocol, ac agentsim.AgentConfig) (*agentsim.Agent, *MesosExecutorDriver) {
	t.Helper()
	ac.Profile, ac.ShutdownGracePeriod = agentsim.Newest(), 3*time.Second
	agent, err := agentsim.Start(ctx, ac)
	require.NoError(t, err)
	t.Cleanup(func() { agent.Close() })
	cfg, err := driver.ConfigFromEnv(agent.InProcessGetenv)
	require.NoError(t, err)
	cfg.KeepProcessGroup = true
	cfg.Protocol = wire
	require.NoError(t, agent.Launch(mesos.TaskInfo{TaskID: mesos.TaskID{Value: "t1"}}))
	d, err := NewMesosExecutorDriver(DriverConfig{Executor: exec, Config: &cfg})
	require.NoError(t, err)
	_, err = d.Start()
	require.NoError(t, err)
	t.Cleanup(func() { d.Stop() })
	return agent, d
}

// After Shutdown the driver waits for the acknowledgements of the updates
// sent so far before it stops itself. An executor that aborts the driver
// meanwhile gets DRIVER_ABORTED from Join, and keeps it: the stop that
// follows Shutdown must not turn the abort into DRIVER_STOPPED.
func TestAnAbortWhileShutdownWaitsForAcknowledgementsStays(t *testing.T) {
	for _, wire := range []driver.Protocol{driver.ProtocolV0, driver.ProtocolV1} {
		t.Run(string(wire), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			killed := make(chan error, 1)
			r := &recorder{}
			agent, d := startOn(t, ctx, onShutdown{r, func(d ExecutorDriver) {
				_, err := d.SendStatusUpdate(&v0.TaskStatus{TaskId: &v0.TaskID{Value: proto.String("t1")}, State: v0.TaskState_TASK_KILLED.Enum()})
				killed <- err
			}}, wire, agentsim.AgentConfig{})
			r.wait(ctx, t, 2)              // Registered, LaunchTask
			agent.SetAckDelay(time.Minute) // the wait lasts until the abort
			require.NoError(t, agent.Shutdown())
			require.NoError(t, <-killed)
			aborted := wantStatus(t, v0.Status_DRIVER_ABORTED)
			aborted(d.Abort())
			aborted(d.Join())
			aborted(d.Status(), nil)
		})
	}
}

// mesos-go's driver ends DRIVER_ABORTED when it loses the agent without
// checkpointing (networkError: Shutdown, then abort), and DRIVER_STOPPED
// when a checkpointing executor's agent does not come back in time
// (recoveryTimedOut: Shutdown, then stop). Join returns the same here.
func TestJoinAfterLosingTheAgentReturnsWhatMesosGosDoes(t *testing.T) {
	for _, tc := range []struct {
		checkpoint bool
		want       v0.Status
	}{{false, v0.Status_DRIVER_ABORTED}, {true, v0.Status_DRIVER_STOPPED}} {
		for _, wire := range []driver.Protocol{driver.ProtocolV0, driver.ProtocolV1} {
			t.Run(fmt.Sprintf("%s/checkpoint=%v", wire, tc.checkpoint), func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				r := &recorder{}
				agent, d := startOn(t, ctx, r, wire, agentsim.AgentConfig{Checkpoint: tc.checkpoint, RecoveryTimeout: 200 * time.Millisecond})
				r.wait(ctx, t, 2) // Registered, LaunchTask
				require.True(t, d.Connected())
				agent.Crash()
				wantStatus(t, tc.want)(d.Join())
				wantStatus(t, tc.want)(d.Status(), nil)
				require.False(t, d.Connected())
				require.Equal(t, []string{"Disconnected", "Shutdown"}, r.wait(ctx, t, 4)[2:])
			})
		}
	}
}

// wantStatus returns a check that a driver method returned want, without
// an error.
func wantStatus(t *testing.T, want v0.Status) func(v0.Status, error) {
	return func(st v0.Status, err error) {
		t.Helper()
		require.NoError(t, err)
		require.Equal(t, want, st)
	}
}
