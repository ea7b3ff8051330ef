package core

import (
	"testing"
	"time"

	"github.com/mesos/mesos-go/api/v1/lib/executor"
	"github.com/stretchr/testify/require"
)

// A kill of a task whose launch never comes is not held for ever: after
// killOvertakeWait it is delivered for the executor to answer, as the C++
// driver delivers every kill.
func TestKillOfATaskNeverLaunchedIsDeliveredAfterTheWait(t *testing.T) {
	h := registered(t, testConfig())
	out := h.step(killEvent("t9"))
	require.Empty(t, out.Callbacks)
	require.Equal(t, h.now.Add(killOvertakeWait), out.Deadline, "the loop must wake for it")
	require.Empty(t, kinds(h.advance(killOvertakeWait-time.Nanosecond)))
	out = h.advance(time.Nanosecond)
	require.Equal(t, []CallbackKind{KillTask}, kinds(out))
	require.Equal(t, "t9", out.Callbacks[0].TaskID.Value)
	require.True(t, out.Deadline.IsZero(), "nothing left to wake for")
	require.Equal(t, []CallbackKind{LaunchTask}, kinds(h.step(launchEvent("t9"))), "a later task with that id is not killed")
}

// A launch dropped while disconnected leaves the agent believing the task
// launched; its kill must still reach the executor, and must not kill a
// task of that id launched after reregistration.
func TestKillOfALaunchDroppedWhileDisconnectedIsNotSwallowed(t *testing.T) {
	h := registered(t, testConfig())
	h.step(Lost{Cause: "EOF"})
	require.Empty(t, kinds(h.step(launchEvent("t2"))), "launches need a connection")
	require.Empty(t, kinds(h.step(killEvent("t2"))))
	require.Equal(t, []CallbackKind{KillTask}, kinds(h.advance(killOvertakeWait)))
	h.step(Reconnect{AgentID: "ag"})
	require.Equal(t, []CallbackKind{Reregistered}, kinds(h.step(subscribedEvent())))
	require.Equal(t, []CallbackKind{LaunchTask}, kinds(h.step(launchEvent("t2"))))
}

func TestParkedKillsAreDeliveredInOrderAndDroppedWhileShuttingDown(t *testing.T) {
	h := registered(t, testConfig())
	h.step(killEvent("a"))
	h.now = h.now.Add(time.Millisecond)
	h.step(killEvent("b"))
	out := h.advance(killOvertakeWait)
	require.Equal(t, []CallbackKind{KillTask, KillTask}, kinds(out))
	require.Equal(t, "a", out.Callbacks[0].TaskID.Value)
	require.Equal(t, "b", out.Callbacks[1].TaskID.Value)

	h.step(killEvent("c"))
	require.Equal(t, []CallbackKind{Shutdown}, kinds(h.step(shutdownEvent())))
	out = h.advance(killOvertakeWait)
	require.Empty(t, kinds(out), "work is dropped while shutting down")
	require.Contains(t, out.Logs[0].Text, "dropping kill of task c")
}

// Parked kills are bounded: past maxEarlyEvents a kill is delivered at once.
func TestParkedKillsAreBounded(t *testing.T) {
	h := registered(t, testConfig())
	for i := 0; i < maxEarlyEvents; i++ {
		require.Empty(t, kinds(h.step(killEvent(string(rune('a'+i%26))+"-"+time.Duration(i).String()))))
	}
	require.Equal(t, []CallbackKind{KillTask}, kinds(h.step(killEvent("one-too-many"))))
}

func shutdownEvent() Event { return Event{&executor.Event{Type: executor.Event_SHUTDOWN}} }
