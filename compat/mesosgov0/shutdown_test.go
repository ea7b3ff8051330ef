package mesosgov0

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gogo/protobuf/proto"
	v0 "github.com/mesos/mesos-go/api/v0/mesosproto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/compat/agentsim"
	"github.com/mesos-shim/executor/driver"
)

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
			st, err := d.Abort()
			require.NoError(t, err)
			require.Equal(t, v0.Status_DRIVER_ABORTED, st)
			st, err = d.Join()
			require.NoError(t, err)
			require.Equal(t, v0.Status_DRIVER_ABORTED, st)
			require.Equal(t, v0.Status_DRIVER_ABORTED, d.Status())
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
				agent.Crash()
				st, err := d.Join()
				require.NoError(t, err)
				require.Equal(t, tc.want, st)
				require.Equal(t, tc.want, d.Status())
				require.Equal(t, []string{"Disconnected", "Shutdown"}, r.wait(ctx, t, 4)[2:])
			})
		}
	}
}
