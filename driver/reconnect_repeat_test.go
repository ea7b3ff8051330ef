package driver_test

import (
	"context"
	"strings"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/compat/agentsim"
	"github.com/mesos-shim/executor/driver"
	"github.com/mesos-shim/executor/mesosproto"
)

// An agent run with --executor_reregistration_retry_interval repeats its
// Reconnect until it has handled the reregistration; a repeat can reach
// the executor after the agent's reply (they travel on different
// connections). The executor answers it with a reregistration the agent
// ignores, stays registered, and its updates keep being acknowledged.
func TestAReconnectRepeatedAfterTheReplyLeavesTheExecutorRegistered(t *testing.T) {
	f := startFaulty(t, driver.ProtocolV0, agentsim.AgentConfig{Checkpoint: true, RestartDowntime: 20 * time.Millisecond,
		ReregistrationRetryInterval: time.Hour})
	ctx, agent, rec, d := f.ctx, f.agent, f.rec, f.d
	_, err := agent.Restart(ctx, true)
	require.NoError(t, err)
	rec.waitFor(t, "Reregistered")

	id := agent.Config().AgentID
	body, err := (&mesosproto.ReconnectExecutorMessage{SlaveID: &mesos.AgentID{Value: id}}).Marshal()
	require.NoError(t, err)
	require.NoError(t, agent.InjectRaw("mesos.internal.ReconnectExecutorMessage", body))
	require.NoError(t, agent.FrameworkMessage([]byte("after the repeat"))) // same connection: handled after it
	rec.waitFor(t, `FrameworkMessage "after the repeat"`)

	_, err = d.SendStatusUpdate(&mesos.TaskStatus{TaskID: mesos.TaskID{Value: "t1"}, State: mesos.TASK_FINISHED.Enum()})
	require.NoError(t, err)
	wait, cancelWait := context.WithTimeout(ctx, 5*time.Second)
	defer cancelWait()
	require.NoError(t, d.AwaitAcknowledgements(wait), "the update after the repeat was held; trace:\n%s", agent.Trace())
	require.Equal(t, 1, strings.Count(rec.trace(), "Disconnected"), "one loss: the restart")
	require.Equal(t, mesos.DRIVER_RUNNING, d.Status())
}
