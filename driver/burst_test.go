package driver_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/compat/agentsim"
	"github.com/mesos-shim/executor/driver"
)

// An agent restarts (checkpointed) in the middle of a burst of status
// updates: on either wire, every update reaches the agent, the executor's
// bookkeeping ends empty, and the resubscription or reregistration lands
// inside the agent's window.
func TestAgentRestartDuringABurstOfUpdates(t *testing.T) {
	const tasks, perTask = 8, 250
	for _, wire := range []driver.Protocol{driver.ProtocolV0, driver.ProtocolV1} {
		t.Run(string(wire), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			agent, err := agentsim.Start(ctx, agentsim.AgentConfig{Checkpoint: true, RestartDowntime: 20 * time.Millisecond})
			require.NoError(t, err)
			defer agent.Close()
			for i := 0; i < tasks; i++ {
				require.NoError(t, agent.Launch(task(fmt.Sprint("t", i), "")))
			}
			rec := newRecorder()
			d := startInProcess(t, agent, rec, wire)
			defer d.Stop()
			for i := 0; i < tasks; i++ {
				rec.waitFor(t, fmt.Sprint("LaunchTask t", i))
			}

			sent := make(chan error, 1)
			go func() { sent <- burst(d, tasks, perTask) }()
			_, err = agent.WaitUpdate(ctx, fmt.Sprint("t", tasks-1), mesos.TASK_RUNNING) // the burst is under way
			require.NoError(t, err)
			latency, err := agent.Restart(ctx, true)
			require.NoError(t, err)
			t.Logf("%s: back %v after the agent returned", wire, latency)
			require.Less(t, latency, 2*time.Second)
			require.NoError(t, <-sent)
			require.NoError(t, d.AwaitAcknowledgements(ctx))
			require.NoError(t, agent.WaitAllAcknowledged(ctx))

			// Each update reached the agent; one that reached the old agent
			// without its acknowledgement coming back is resent, and only
			// inside the reregistration or resubscription.
			fresh, acks := map[string]int{}, map[string]int{}
			for _, u := range agent.Updates() {
				if !u.Replayed {
					fresh[string(u.UUID)]++
				}
				acks[string(u.UUID)] += u.Acks
			}
			require.Len(t, acks, tasks*(perTask+1), "every update reached the agent (the +1: TASK_RUNNING at launch)")
			for uuid, n := range acks {
				require.LessOrEqual(t, fresh[uuid], 1, "an update sent twice outside the recovery path")
				require.GreaterOrEqual(t, n, 1, "an update never acknowledged")
			}
		})
	}
}

// burst sends perTask TASK_RUNNING updates for each task, interleaved.
func burst(d driver.ExecutorDriver, tasks, perTask int) error {
	for j := 0; j < perTask; j++ {
		for i := 0; i < tasks; i++ {
			if _, err := d.SendStatusUpdate(&mesos.TaskStatus{TaskID: mesos.TaskID{Value: fmt.Sprint("t", i)},
				State: mesos.TASK_RUNNING.Enum(), Message: &[]string{fmt.Sprint(j)}[0]}); err != nil {
				return err
			}
		}
	}
	return nil
}
