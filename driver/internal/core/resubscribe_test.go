package core

import (
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/executor"
	"github.com/stretchr/testify/require"
)

// v1Config re-subscribes by itself with a fixed "random" delay.
func v1Config() Config {
	cfg := testConfig()
	cfg.Resubscribe = true
	cfg.BackoffMax = 2 * time.Second
	cfg.Jitter = func(max time.Duration) time.Duration { return max / 2 }
	return cfg
}

func TestV1LossResubscribesAtOnceWithEverythingUnacknowledged(t *testing.T) {
	h := registered(t, v1Config())
	h.step(launchEvent("t1"))
	h.step(statusUpdate("t1", mesos.TASK_RUNNING, 1))
	out := h.step(Lost{Cause: "EOF"})
	require.Equal(t, []CallbackKind{Disconnected}, kinds(out))
	require.Equal(t, Open, out.Connection)
	require.Len(t, out.Calls, 1)
	require.Equal(t, executor.Call_SUBSCRIBE, out.Calls[0].Type)
	require.Len(t, out.Calls[0].Subscribe.UnacknowledgedUpdates, 1)
	require.Len(t, out.Calls[0].Subscribe.UnacknowledgedTasks, 1)
	require.Equal(t, []CallbackKind{Reregistered}, kinds(h.step(subscribedEvent())))
}

func TestV1BackoffStaysWithinHalfASmallBackoffMax(t *testing.T) {
	cfg := v1Config()
	cfg.BackoffMax = 400 * time.Millisecond
	cfg.Jitter = func(max time.Duration) time.Duration { return max }
	h := registered(t, cfg)
	h.step(Lost{Cause: "EOF"})
	for i := 0; i < 5; i++ {
		out := h.step(Lost{Cause: "refused", Retry: true})
		require.LessOrEqual(t, out.Deadline.Sub(h.now), 200*time.Millisecond)
		h.now = out.Deadline
		h.step(Tick{})
	}
}

func TestV1FailedResubscriptionsRetryAfterJitterUntilTheRecoveryTimeout(t *testing.T) {
	cfg := v1Config()
	cfg.RecoveryTimeout = 5 * time.Second
	h := registered(t, cfg)
	h.step(Lost{Cause: "EOF"})
	out := h.step(Lost{Cause: "connection refused", Retry: true})
	require.Empty(t, out.Calls)
	require.Equal(t, h.now.Add(50*time.Millisecond), out.Deadline, "half (the jitter) of the first bound, 100ms")
	require.Empty(t, h.advance(50*time.Millisecond-1).Calls)
	out = h.advance(1)
	require.Len(t, out.Calls, 1, "the next attempt")
	require.Empty(t, kinds(out), "Disconnected was reported once")
	var delays []time.Duration
	for i := 0; i < 6; i++ {
		out = h.step(Lost{Cause: "503", Retry: true})
		delays = append(delays, out.Deadline.Sub(h.now))
		h.now = out.Deadline
		require.Len(t, h.step(Tick{}).Calls, 1)
	}
	require.Equal(t, []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 250 * time.Millisecond,
		250 * time.Millisecond, 250 * time.Millisecond, 250 * time.Millisecond}, delays,
		"the bound doubles up to 500ms, halved by this test's jitter")
	h.step(Lost{Cause: "503", Retry: true})
	out = h.advance(5 * time.Second)
	require.Equal(t, []CallbackKind{Shutdown}, kinds(out), "recovery timeout")
	require.Empty(t, h.advance(time.Hour).Calls, "no attempt after giving up")
}

func TestV1FirstSubscriptionRefusedForNowIsRetried(t *testing.T) {
	h := newHarness(t, v1Config())
	h.step(Start{})
	out := h.step(Lost{Cause: "503 Agent has not finished recovery", Retry: true})
	require.Empty(t, kinds(out))
	out = h.advance(50 * time.Millisecond)
	require.Len(t, out.Calls, 1)
	require.Nil(t, out.Calls[0].Subscribe, "still a first registration")
	require.Equal(t, []CallbackKind{Registered}, kinds(h.step(subscribedEvent())))
}

func TestV1FirstSubscriptionFailingForGoodShutsDown(t *testing.T) {
	h := newHarness(t, v1Config())
	h.step(Start{})
	require.Equal(t, []CallbackKind{Shutdown}, kinds(h.step(Lost{Cause: "400 Framework cannot be found"})))
}

func TestFallbackToTheLegacyWireWaitsForTheAgent(t *testing.T) {
	h := newHarness(t, v1Config())
	h.step(Start{})
	h.step(WireChanged{Resubscribe: false})
	h.step(subscribedEvent())
	out := h.step(Lost{Cause: "EOF"})
	require.Equal(t, []CallbackKind{Disconnected}, kinds(out))
	require.Empty(t, out.Calls, "the legacy wire waits for the agent's Reconnect")
}

// Without checkpointing, connections that only went silent (calls
// unanswered) may belong to a slow agent that is alive: the executor
// subscribes again once instead of shutting its tasks down.
func TestV1SilentLossWithoutCheckpointSubscribesAgainOnce(t *testing.T) {
	cfg := v1Config()
	cfg.Checkpoint, cfg.RecoveryTimeout = false, 0
	h := registered(t, cfg)
	h.step(statusUpdate("t1", mesos.TASK_RUNNING, 1))
	out := h.step(Lost{Cause: "no answer", Retry: true, Silent: true})
	require.Equal(t, []CallbackKind{Disconnected}, kinds(out))
	require.Len(t, out.Calls, 1)
	require.Len(t, out.Calls[0].Subscribe.UnacknowledgedUpdates, 1)
	require.True(t, h.c.AcknowledgementsCanCome())
	require.Equal(t, []CallbackKind{Reregistered}, kinds(h.step(subscribedEvent())))

	out = h.step(Lost{Cause: "no answer", Retry: true, Silent: true})
	require.Equal(t, []CallbackKind{Disconnected}, kinds(out))
	out = h.step(Lost{Cause: "connection refused", Retry: true})
	require.Equal(t, []CallbackKind{Shutdown}, kinds(out), "the new subscription failed: the agent is gone")
	require.False(t, h.c.AcknowledgementsCanCome())
}

func TestV1ClosedConnectionWithoutCheckpointShutsDown(t *testing.T) {
	cfg := v1Config()
	cfg.Checkpoint = false
	h := registered(t, cfg)
	require.Equal(t, []CallbackKind{Disconnected, Shutdown}, kinds(h.step(Lost{Cause: "EOF", Retry: true})))
}
