package agentsim

import (
	"context"
	"net/http"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/executor"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/compat/httpapi"
)

// The captures' v1-c and v1-e runs: the agent dies (the stream is cut, no
// last chunk), comes back in RECOVERING, sends the v1 executor nothing,
// and takes its re-SUBSCRIBE; the unacknowledged update it carries is
// acknowledged once; every UPDATE gets 503 "Agent has not finished
// recovery" until the recovery window ends, then 202.
func TestV1RestartWithCheckpointTakesTheResubscription(t *testing.T) {
	const window = time.Second // long enough for the 503 to be seen
	a := startAgent(t, AgentConfig{Profile: Mesos112, Checkpoint: true, ReregistrationTimeout: window})
	require.NoError(t, a.Launch(CommandTask("t1", "sleep 30")))
	f := newV1Executor(t, a, httpapi.Protobuf)
	s := f.subscribe()
	s.expect(executor.Event_SUBSCRIBED)
	s.expect(executor.Event_LAUNCH)
	running := f.updateCall("t1", mesos.TASK_RUNNING)
	f.accepted(running)
	s.expect(executor.Event_ACKNOWLEDGED)

	a.SetAckDelay(time.Hour) // the crash comes first
	finished := f.updateCall("t1", mesos.TASK_FINISHED)
	f.accepted(finished)
	a.SetAckDelay(0)
	a.Crash()
	s.cut()

	done := restartAsync(t, a, true)
	require.NoError(t, a.WaitUp(testContext(t)))
	again := f.subscribe(finished)
	sub := again.expect(executor.Event_SUBSCRIBED).Subscribed
	require.Equal(t, DefaultAgentID, sub.AgentInfo.GetID().GetValue())
	ack := again.expect(executor.Event_ACKNOWLEDGED).Acknowledged
	require.Equal(t, finished.Update.Status.UUID, ack.UUID)

	res := <-done
	require.NoError(t, res.err)
	require.Positive(t, res.latency)
	require.Less(t, res.latency, window)

	killed := f.updateCall("t1", mesos.TASK_KILLED)
	r := f.post(killed)
	require.Equal(t, http.StatusServiceUnavailable, r.status)
	require.Equal(t, RecoveryBody, r.body)
	require.Equal(t, "text/plain; charset=utf-8", r.header.Get("Content-Type"))
	require.Equal(t, "31", r.header.Get("Content-Length"))
	r = f.post(f.messageCall([]byte("x")))
	require.Equal(t, http.StatusServiceUnavailable, r.status)

	require.NoError(t, a.WaitRecovered(testContext(t)))
	f.accepted(killed)
	require.Equal(t, killed.Update.Status.UUID, again.expect(executor.Event_ACKNOWLEDGED).Acknowledged.UUID)
	require.Equal(t, 1, countV1Acks(a.Trace(), finished.Update.Status.UUID), "acknowledged once, after the replay")
	require.Subset(t, names(a.Trace(), AtAgent), []string{EventAckLost, EventRecovering, EventReregistered, EventUpdateReplayed, EventUnavailable})
	require.Zero(t, countEntries(a.Trace(), ToExecutor, "ReconnectExecutorMessage"), "no Reconnect to a v1 executor")
}

// Before the restarted agent recovers its executors, every v1 call gets
// 503, a SUBSCRIBE too (the v1-e capture's first SUBSCRIBE).
func TestV1CallsBeforeRecoveryStartsGet503(t *testing.T) {
	a := startAgent(t, AgentConfig{Profile: Mesos14, Checkpoint: true, RecoveryStartDelay: time.Hour})
	require.NoError(t, a.Launch(CommandTask("t1", "sleep 30")))
	f := newV1Executor(t, a, httpapi.JSON)
	s := f.subscribe()
	s.expect(executor.Event_SUBSCRIBED)
	s.expect(executor.Event_LAUNCH)
	a.Crash()
	s.cut()

	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := a.Restart(ctx, true)
		done <- err
	}()
	require.NoError(t, a.WaitUp(testContext(t)))
	resp, _ := f.subscribeRaw(f.subscribeCall())
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	r := f.post(f.updateCall("t1", mesos.TASK_RUNNING))
	require.Equal(t, http.StatusServiceUnavailable, r.status)
	require.Equal(t, RecoveryBody, r.body)
	cancel()
	require.Error(t, <-done)
}

// Without checkpointing the restarted agent forgets the executor: its
// SUBSCRIBE and calls are refused with "Framework cannot be found".
func TestV1RestartWithoutCheckpointForgetsTheExecutor(t *testing.T) {
	a := startAgent(t, AgentConfig{Profile: Mesos112})
	require.NoError(t, a.Launch(CommandTask("t1", "sleep 30")))
	f := newV1Executor(t, a, httpapi.Protobuf)
	s := f.subscribe()
	s.expect(executor.Event_SUBSCRIBED)
	s.expect(executor.Event_LAUNCH)

	_, err := a.Restart(testContext(t), false)
	require.NoError(t, err)
	s.cut()
	for _, c := range []*executor.Call{f.subscribeCall(), f.updateCall("t1", mesos.TASK_FINISHED)} {
		r := f.post(c)
		require.Equal(t, http.StatusBadRequest, r.status)
		require.Equal(t, "Framework cannot be found", r.body)
	}
	require.Equal(t, Unknown, a.State())
}

// An HTTP executor that does not come back within the window is destroyed.
func TestV1ExecutorThatDoesNotResubscribeIsDestroyed(t *testing.T) {
	a := startAgent(t, AgentConfig{Profile: Mesos112, Checkpoint: true, ReregistrationTimeout: 50 * time.Millisecond})
	require.NoError(t, a.Launch(CommandTask("t1", "sleep 30")))
	newV1Executor(t, a, httpapi.Protobuf).subscribe().expect(executor.Event_SUBSCRIBED)
	_, err := a.Restart(testContext(t), true)
	require.Error(t, err)
	require.Equal(t, Terminated, a.State())
}

// Re-SUBSCRIBE while subscribed is accepted: the old stream ends (with its
// last chunk), and the unacknowledged updates the new SUBSCRIBE lists are
// acknowledged, once each, on the new stream.
func TestV1ResubscribeReplaysUnacknowledgedUpdatesOnce(t *testing.T) {
	a, f, s := subscribedExecutor(t, Mesos112, httpapi.Protobuf)
	require.NoError(t, a.CutStream()) // the RUNNING's acknowledgement is lost
	s.cut()
	running := f.updateCall("t1", mesos.TASK_RUNNING)
	f.accepted(running)
	require.Zero(t, a.Updates()[0].Acks)

	s2 := f.subscribe(running)
	s2.expect(executor.Event_SUBSCRIBED)
	require.Equal(t, running.Update.Status.UUID, s2.expect(executor.Event_ACKNOWLEDGED).Acknowledged.UUID)
	require.NoError(t, a.FrameworkMessage([]byte("next")))
	s2.expect(executor.Event_MESSAGE) // no second acknowledgement in between

	s3 := f.subscribe()
	s3.expect(executor.Event_SUBSCRIBED)
	s2.endedCleanly()
	require.NoError(t, a.Kill("t1", nil))
	s3.expect(executor.Event_KILL)
	require.Equal(t, 1, countV1Acks(a.Trace(), running.Update.Status.UUID))
	require.Contains(t, names(a.Trace(), AtAgent), EventStreamEnded)
}

func countV1Acks(tr *Trace, uuid []byte) int {
	n := 0
	for _, e := range tr.Entries() {
		if e.Wire == WireV1 && e.Dir == ToExecutor && e.Name == "ACKNOWLEDGED" && string(e.UUID) == string(uuid) {
			n++
		}
	}
	return n
}

func countEntries(tr *Trace, d Direction, name string) int {
	n := 0
	for _, e := range tr.Entries() {
		if e.Dir == d && e.Name == name {
			n++
		}
	}
	return n
}
