package agentsim

import (
	"bytes"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/mesosproto"
)

type restartResult struct {
	latency time.Duration
	err     error
}

func restartAsync(t *testing.T, a *Agent, checkpoint bool) chan restartResult {
	done := make(chan restartResult, 1)
	ctx := testContext(t)
	go func() {
		l, err := a.Restart(ctx, checkpoint)
		done <- restartResult{l, err}
	}()
	return done
}

// reconnected reads the Reconnect and re-links to the agent, as drivers do.
func (f *fakeExecutor) reconnected(a *Agent) {
	f.t.Helper()
	var rc mesosproto.ReconnectExecutorMessage
	msg := f.expect(&rc)
	require.Equal(f.t, a.UPID(), msg.From, "the restarted agent has the same UPID")
	require.Equal(f.t, DefaultAgentID, rc.GetSlaveID().GetValue())
	require.NoError(f.t, f.m.Relink(f.agent))
}

func (f *fakeExecutor) reregister(updates ...mesosproto.StatusUpdate) {
	fw, ex, _ := f.ids()
	f.send(&mesosproto.ReregisterExecutorMessage{ExecutorID: ex, FrameworkID: fw, Updates: updates})
}

func TestRestartWithCheckpointReconnectsAndReplaysTheUnacknowledgedUpdate(t *testing.T) {
	a := startAgent(t, AgentConfig{Profile: Mesos14, Checkpoint: true})
	f := newFakeExecutor(t, a)
	f.registerWithTask(a, "t1")
	f.update("t1", mesos.TASK_RUNNING)
	f.expect(&mesosproto.StatusUpdateAcknowledgementMessage{})

	a.SetAckDelay(time.Hour) // the crash comes first
	killed := f.update("t1", mesos.TASK_KILLED)
	_, err := a.WaitUpdate(testContext(t), "t1", mesos.TASK_KILLED)
	require.NoError(t, err)
	a.SetAckDelay(0)
	done := restartAsync(t, a, true)

	f.reconnected(a)
	f.reregister(*killed.Update)
	var rr mesosproto.ExecutorReregisteredMessage
	f.expect(&rr)
	require.Equal(t, DefaultAgentID, rr.GetSlaveID().GetValue())
	require.Equal(t, DefaultAgentID, rr.GetSlaveInfo().GetID().GetValue())
	var ack mesosproto.StatusUpdateAcknowledgementMessage
	f.expect(&ack)
	require.Equal(t, killed.Update.UUID, ack.UUID)

	res := <-done
	require.NoError(t, res.err)
	require.Positive(t, res.latency)
	require.Less(t, res.latency, DefaultReregistrationTimeout)
	require.Equal(t, Running, a.State())
	require.Equal(t, 1, countAcks(a.Trace(), killed.Update.UUID), "acknowledged exactly once")
	require.Subset(t, names(a.Trace(), AtAgent), []string{EventAgentCrashed, EventAckLost, EventReregistered, EventUpdateReplayed})
}

func countAcks(tr *Trace, uuid []byte) int {
	n := 0
	for _, e := range tr.Entries() {
		if e.Dir == ToExecutor && e.Name == "StatusUpdateAcknowledgementMessage" && bytes.Equal(e.UUID, uuid) {
			n++
		}
	}
	return n
}

func TestRestartWithoutCheckpointForgetsTheExecutor(t *testing.T) {
	a := startAgent(t, AgentConfig{Profile: Mesos14})
	f := newFakeExecutor(t, a)
	f.registerWithTask(a, "t1")

	latency, err := a.Restart(testContext(t), false)
	require.NoError(t, err)
	require.Zero(t, latency)
	require.Equal(t, Unknown, a.State())

	require.NoError(t, f.m.Relink(f.agent))
	f.update("t1", mesos.TASK_FINISHED)
	f.register()
	f.expect(&mesosproto.ShutdownExecutorMessage{}) // the first message since the restart
	require.Empty(t, a.Updates(), "updates for a forgotten framework are dropped")

	sent := 0
	restarted := false
	for _, e := range a.Trace().Entries() {
		restarted = restarted || e.Name == "Restart"
		if restarted && e.Dir == ToExecutor {
			sent++
		}
	}
	require.Equal(t, 1, sent, "only the Shutdown answering the registration")
}

func TestExecutorThatDoesNotReregisterInTimeIsDestroyed(t *testing.T) {
	a := startAgent(t, AgentConfig{Profile: Mesos14, Checkpoint: true, ReregistrationTimeout: 50 * time.Millisecond})
	f := newFakeExecutor(t, a)
	f.registerWithTask(a, "t1")

	_, err := a.Restart(testContext(t), true)
	require.Error(t, err)
	require.Equal(t, Terminated, a.State())
	require.Subset(t, names(a.Trace(), AtAgent), []string{EventReregistrationTimeout, EventDestroyed})

	f.reconnected(a)
	f.reregister()
	f.expect(&mesosproto.ShutdownExecutorMessage{})
}

func TestReregistrationWithoutRestartIsAnsweredWithShutdown(t *testing.T) {
	a := startAgent(t, AgentConfig{Checkpoint: true})
	f := newFakeExecutor(t, a)
	f.registerWithTask(a, "t1")

	f.reregister()
	f.expect(&mesosproto.ShutdownExecutorMessage{})
}

func TestRegistrationWhileRecoveringIsAnsweredWithShutdown(t *testing.T) {
	a := startAgent(t, AgentConfig{Checkpoint: true})
	f := newFakeExecutor(t, a)
	f.registerWithTask(a, "t1")
	done := restartAsync(t, a, true)

	f.reconnected(a)
	f.register()
	f.reregister()
	// The Shutdown goes on a temporary connection, the Reregistered on the
	// new link: they may arrive in either order.
	got := []string{f.next().Name, f.next().Name}
	require.ElementsMatch(t, []string{
		"mesos.internal.ShutdownExecutorMessage", "mesos.internal.ExecutorReregisteredMessage"}, got)
	require.NoError(t, (<-done).err)
}

// With --executor_reregistration_retry_interval the agent repeats the
// Reconnect until the executor reregisters, and ignores a reregistration
// from an executor already running instead of shutting it down.
func TestRetryIntervalRepeatsTheReconnectAndIgnoresALateReregistration(t *testing.T) {
	a := startAgent(t, AgentConfig{Profile: Mesos14, Checkpoint: true, ReregistrationRetryInterval: 10 * time.Millisecond})
	f := newFakeExecutor(t, a)
	f.registerWithTask(a, "t1")
	done := restartAsync(t, a, true)

	f.expect(&mesosproto.ReconnectExecutorMessage{}) // not answered: the agent asks again
	f.reconnected(a)
	f.reregister()
	f.expect(&mesosproto.ExecutorReregisteredMessage{})
	require.NoError(t, (<-done).err)

	f.reregister() // as an answer to a repeat that overtook the reply would be
	f.update("t1", mesos.TASK_RUNNING)
	f.expect(&mesosproto.StatusUpdateAcknowledgementMessage{}) // no ShutdownExecutorMessage before it
	require.Equal(t, Running, a.State())
	require.Contains(t, names(a.Trace(), AtAgent), EventIgnored)
}

// Without it, a reregistration from a running executor is refused with a
// shutdown, as by agents without the flag (before 1.1.3, 1.2.2, 1.3.1, 1.4.0).
func TestWithoutRetryIntervalALateReregistrationShutsTheExecutorDown(t *testing.T) {
	a := startAgent(t, AgentConfig{Profile: Mesos14, Checkpoint: true})
	f := newFakeExecutor(t, a)
	f.registerWithTask(a, "t1")
	f.reregister()
	f.expect(&mesosproto.ShutdownExecutorMessage{})
}
