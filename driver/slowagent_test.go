package driver_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/compat/agentsim"
	"github.com/mesos-shim/executor/driver"
)

// An agent that takes a second to acknowledge each update: senders block
// in SendStatusUpdate at MaxUnacknowledgedUpdates (the documented
// back-pressure), so the updates the driver keeps never exceed the bound,
// and every task's updates reach the agent in the order they were sent.
func TestSlowAgentGetsBoundedOrderedUpdates(t *testing.T) {
	const (
		bound   = 200
		tasks   = 4
		perTask = 150 // 600 updates: three times the bound
		delay   = time.Second
	)
	for _, wire := range []driver.Protocol{driver.ProtocolV0, driver.ProtocolV1} {
		t.Run(string(wire), func(t *testing.T) {
			t.Parallel() // each waits on its agent's delays
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			agent, err := agentsim.Start(ctx, agentsim.AgentConfig{AckDelay: delay})
			require.NoError(t, err)
			defer agent.Close()
			for i := 0; i < tasks; i++ {
				require.NoError(t, agent.Launch(task(fmt.Sprint("t", i), "")))
			}
			rec := newRecorder()
			d := startInProcess(t, agent, rec, wire, func(c *driver.Config) { c.MaxUnacknowledgedUpdates = bound })
			defer d.Stop()
			rec.waitForCount(t, "LaunchTask", tasks)

			var wg sync.WaitGroup
			errs := make(chan error, tasks)
			for i := 0; i < tasks; i++ {
				wg.Add(1)
				go func(id string) { // one sender per task, as an executor's task goroutines would
					defer wg.Done()
					for seq := 0; seq < perTask; seq++ {
						msg := strconv.Itoa(seq)
						if _, err := d.SendStatusUpdate(&mesos.TaskStatus{TaskID: mesos.TaskID{Value: id},
							State: mesos.TASK_RUNNING.Enum(), Message: &msg}); err != nil {
							errs <- err
							return
						}
					}
				}(fmt.Sprint("t", i))
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				require.NoError(t, err)
			}
			require.NoError(t, d.AwaitAcknowledgements(ctx))
			require.NoError(t, agent.WaitAllAcknowledged(ctx))

			entries := agent.Trace().Entries()
			n, problems := agentsim.AckProblems(entries)
			require.Empty(t, problems)
			require.Equal(t, tasks*(perTask+1), n, "every update, and each task's TASK_RUNNING at launch")
			worst := mostOutstanding(entries)
			t.Logf("%s: at most %d updates unacknowledged at the agent (bound %d)", wire, worst, bound)
			require.LessOrEqual(t, worst, bound, "the driver kept more than its bound")
			require.Greater(t, worst, bound/2, "the senders were not held back by the bound but by something else")
			requireOrderedPerTask(t, agent.Updates())
		})
	}
}

// mostOutstanding is the largest number of updates the agent had received
// and not yet acknowledged, over the trace: what the driver was keeping.
func mostOutstanding(entries []agentsim.Entry) int {
	outstanding, worst := map[string]bool{}, 0
	for _, e := range entries {
		switch {
		case e.Dir == agentsim.FromExecutor && e.Kind() == "UPDATE":
			outstanding[string(e.UUID)] = true
		case e.Dir == agentsim.ToExecutor && e.Kind() == "ACKNOWLEDGED":
			delete(outstanding, string(e.UUID))
		}
		worst = max(worst, len(outstanding))
	}
	return worst
}

// requireOrderedPerTask checks that each task's numbered updates arrived
// in increasing order.
func requireOrderedPerTask(t *testing.T, updates []agentsim.Update) {
	t.Helper()
	last := map[string]int{}
	for _, u := range updates {
		seq, err := strconv.Atoi(u.Message)
		if err != nil {
			continue // not one of the numbered updates
		}
		if prev, ok := last[u.TaskID]; ok {
			require.Greater(t, seq, prev, "task %s: update %d after %d", u.TaskID, seq, prev)
		}
		last[u.TaskID] = seq
	}
	require.NotEmpty(t, last)
}
