package mesosgov0

import (
	"context"
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

// startOn starts an agent of the newest profile with one task, t1, to give,
// and a driver for exec on it, on wire.
func startOn(t *testing.T, ctx context.Context, exec Executor, wire driver.Protocol) (*agentsim.Agent, *MesosExecutorDriver) {
	t.Helper()
	agent, err := agentsim.Start(ctx, agentsim.AgentConfig{Profile: agentsim.Newest(), ShutdownGracePeriod: 3 * time.Second})
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
			}}, wire)
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
