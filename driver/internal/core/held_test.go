package core

import (
	"time"

	"testing"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/stretchr/testify/require"
)

// An agent that answers the executor with a shutdown while updates wait in
// the book for it (a restarted agent with --recover=cleanup, or one that
// refuses the reregistration because the framework is gone) is an agent
// that takes messages: the waiting updates go to it, and so do the
// executor's final updates, which must not queue behind them for ever.
func TestAShutdownFromTheAgentSendsTheUpdatesHeldForIt(t *testing.T) {
	for name, reconnect := range map[string]bool{"while disconnected": false, "while reregistering": true} {
		t.Run(name, func(t *testing.T) {
			h := registered(t, testConfig())
			h.step(launchEvent("t1"))
			h.step(Lost{Cause: "EOF"})
			if reconnect {
				h.step(Reconnect{AgentID: "ag"})
			}
			require.Empty(t, h.step(statusUpdate("t1", mesos.TASK_RUNNING, 1)).Calls, "held: no agent")

			out := h.step(shutdownEvent())
			require.Equal(t, []CallbackKind{Shutdown}, kinds(out))
			require.Equal(t, []byte{1}, updateUUIDs(t, out), "the held update goes to the agent")
			out = h.step(statusUpdate("t1", mesos.TASK_KILLED, 2))
			require.NoError(t, out.Err)
			require.Equal(t, []byte{2}, updateUUIDs(t, out), "the final update goes out at once")
		})
	}
}

// Once the agent is gone for good, nothing is handed to the dead wire.
func TestAShutdownAfterLosingTheAgentKeepsHoldingUpdates(t *testing.T) {
	h := registered(t, testConfig())
	h.step(Lost{Cause: "EOF"})
	h.step(statusUpdate("t1", mesos.TASK_RUNNING, 1))
	out := h.advance(testConfig().RecoveryTimeout)
	require.Equal(t, []CallbackKind{Shutdown}, kinds(out))
	require.Empty(t, out.Calls)
}

// An update made before the first registration reply waits in the book for
// it: a v1 wire drops what it queued for a subscription that failed, and
// the next first SUBSCRIBE carries nothing, so an update handed to the wire
// early was lost when the first subscription was refused for now (503), or
// when the driver fell back to the legacy wire.
func TestAnUpdateMadeBeforeRegistrationGoesOutOnceRegistered(t *testing.T) {
	for name, failure := range map[string]Input{
		"first subscription retried":  Lost{Cause: "503", Retry: true},
		"fallback to the legacy wire": WireChanged{Resubscribe: false},
	} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, v1Config())
			h.step(Start{})
			out := h.step(statusUpdate("t1", mesos.TASK_RUNNING, 1))
			require.NoError(t, out.Err)
			require.Empty(t, out.Calls, "no agent has taken the executor yet")
			h.step(failure)
			h.advance(time.Second)
			out = h.step(subscribedEvent())
			require.Equal(t, []CallbackKind{Registered}, kinds(out))
			require.Equal(t, []byte{1}, updateUUIDs(t, out))
		})
	}
}
