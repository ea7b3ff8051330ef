package driver_test

import (
	"errors"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/compat/agentsim"
	"github.com/mesos-shim/executor/driver"
)

// Every refusal a caller may want to tell apart is an exported error the
// returned error wraps, on both wires.
func TestRefusalsAreExportedErrors(t *testing.T) {
	for _, wire := range []driver.Protocol{driver.ProtocolV0, driver.ProtocolV1} {
		t.Run(string(wire), func(t *testing.T) {
			f := startFaulty(t, wire, agentsim.AgentConfig{Checkpoint: true})
			ctx, agent, rec, d := f.ctx, f.agent, f.rec, f.d

			_, err := d.Start()
			require.ErrorIs(t, err, driver.ErrAlreadyStarted)
			for want, status := range map[error]*mesos.TaskStatus{
				driver.ErrNilTaskStatus: nil,
				driver.ErrStaging:       {TaskID: mesos.TaskID{Value: "t1"}, State: mesos.TASK_STAGING.Enum()},
				driver.ErrNoTaskID:      {State: mesos.TASK_RUNNING.Enum()},
				driver.ErrNoState:       {TaskID: mesos.TaskID{Value: "t1"}},
				driver.ErrInvalidCheckStatus: {TaskID: mesos.TaskID{Value: "t1"}, State: mesos.TASK_RUNNING.Enum(),
					CheckStatus: &mesos.CheckStatusInfo{Type: mesos.CheckInfo_COMMAND.Enum()}},
			} {
				_, err := d.SendStatusUpdate(status)
				require.ErrorIs(t, err, want)
			}

			agent.SetAckDelay(time.Hour)
			_, err = d.SendStatusUpdate(&mesos.TaskStatus{TaskID: mesos.TaskID{Value: "t1"}, State: mesos.TASK_FINISHED.Enum()})
			require.NoError(t, err)
			_, err = agent.WaitUpdate(ctx, "t1", mesos.TASK_FINISHED)
			require.NoError(t, err)
			agent.Crash()
			rec.waitFor(t, "Disconnected")
			_, err = d.SendFrameworkMessage([]byte("while away"))
			require.ErrorIs(t, err, driver.ErrNotConnected)

			_, err = d.Abort()
			require.NoError(t, err)
			require.ErrorIs(t, d.AwaitAcknowledgements(ctx), driver.ErrUnacknowledged)
			_, err = d.SendStatusUpdate(&mesos.TaskStatus{TaskID: mesos.TaskID{Value: "t1"}, State: mesos.TASK_RUNNING.Enum()})
			require.ErrorIs(t, err, driver.ErrNotRunning)
			require.False(t, errors.Is(err, driver.ErrStaging))
		})
	}
}
