package core

import (
	"fmt"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/executor"
	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 11, 22, 6, 0, 0, 0, time.UTC)

func testConfig() Config {
	return Config{
		FrameworkID: "fw", ExecutorID: "ex", AgentID: "ag", Checkpoint: true,
		RecoveryTimeout: 15 * time.Minute, ShutdownGracePeriod: 5 * time.Second, Terminate: true,
	}
}

// harness drives a core and remembers every output.
type harness struct {
	t   *testing.T
	c   *Core
	now time.Time
}

func newHarness(t *testing.T, cfg Config) *harness {
	return &harness{t: t, c: New(cfg), now: t0}
}

func (h *harness) step(in Input) Output { return h.c.Step(h.now, in) }

func (h *harness) advance(d time.Duration) Output {
	h.now = h.now.Add(d)
	return h.step(Tick{})
}

func kinds(out Output) []CallbackKind {
	var ks []CallbackKind
	for _, cb := range out.Callbacks {
		ks = append(ks, cb.Kind)
	}
	return ks
}

func subscribedEvent() Event {
	return Event{&executor.Event{Type: executor.Event_SUBSCRIBED, Subscribed: &executor.Event_Subscribed{
		ExecutorInfo:  mesos.ExecutorInfo{ExecutorID: mesos.ExecutorID{Value: "ex"}},
		FrameworkInfo: mesos.FrameworkInfo{Name: "fw"},
		AgentInfo:     mesos.AgentInfo{Hostname: "agent"},
	}}}
}

func launchEvent(id string) Event {
	return Event{&executor.Event{Type: executor.Event_LAUNCH, Launch: &executor.Event_Launch{Task: mesos.TaskInfo{TaskID: mesos.TaskID{Value: id}}}}}
}

func ackEvent(id string, uuid []byte) Event {
	return Event{&executor.Event{Type: executor.Event_ACKNOWLEDGED, Acknowledged: &executor.Event_Acknowledged{TaskID: mesos.TaskID{Value: id}, UUID: uuid}}}
}

func statusUpdate(id string, state mesos.TaskState, uuid byte) SendUpdate {
	return SendUpdate{Status: &mesos.TaskStatus{TaskID: mesos.TaskID{Value: id}, State: state.Enum()}, UUID: []byte{uuid}}
}

// registered returns a harness whose executor is registered.
func registered(t *testing.T, cfg Config) *harness {
	h := newHarness(t, cfg)
	out := h.step(Start{})
	require.Equal(t, Open, out.Connection)
	require.Len(t, out.Calls, 1)
	require.Equal(t, executor.Call_SUBSCRIBE, out.Calls[0].Type)
	require.Nil(t, out.Calls[0].Subscribe, "a first registration carries nothing")
	out = h.step(subscribedEvent())
	require.Equal(t, []CallbackKind{Registered}, kinds(out))
	return h
}

func TestStartTwiceIsRefused(t *testing.T) {
	h := registered(t, testConfig())
	require.ErrorIs(t, h.step(Start{}).Err, ErrAlreadyStarted)
	require.Equal(t, mesos.DRIVER_RUNNING, h.c.Status())
}

func TestWorkThatOvertakesRegistrationIsDeliveredRightAfterRegistered(t *testing.T) {
	h := newHarness(t, testConfig())
	h.step(Start{})
	for _, in := range []Input{launchEvent("t1"),
		Event{&executor.Event{Type: executor.Event_KILL, Kill: &executor.Event_Kill{TaskID: mesos.TaskID{Value: "t1"}}}},
		Event{&executor.Event{Type: executor.Event_MESSAGE, Message: &executor.Event_Message{Data: []byte("x")}}},
	} {
		out := h.step(in)
		require.Empty(t, out.Callbacks, "nothing before Registered")
		require.NotEmpty(t, out.Logs, "a held event is logged")
	}
	require.Equal(t, []CallbackKind{Registered, LaunchTask, KillTask, FrameworkMessage}, kinds(h.step(subscribedEvent())))
}

func TestEarlyEventsAreBounded(t *testing.T) {
	h := newHarness(t, testConfig())
	h.step(Start{})
	for i := 0; i < maxEarlyEvents; i++ {
		h.step(launchEvent(fmt.Sprint("t", i)))
	}
	out := h.step(launchEvent("one-too-many"))
	require.Contains(t, out.Logs[0].Text, "too many")
	require.Len(t, h.step(subscribedEvent()).Callbacks, 1+maxEarlyEvents)
}

func TestWorkEventsBecomeCallbacks(t *testing.T) {
	h := registered(t, testConfig())
	require.Equal(t, []CallbackKind{LaunchTask}, kinds(h.step(launchEvent("t1"))))
	policy := &mesos.KillPolicy{GracePeriod: &mesos.DurationInfo{Nanoseconds: 7}}
	out := h.step(Event{&executor.Event{Type: executor.Event_KILL, Kill: &executor.Event_Kill{TaskID: mesos.TaskID{Value: "t1"}, KillPolicy: policy}}})
	require.Equal(t, []CallbackKind{KillTask}, kinds(out))
	require.Equal(t, policy, out.Callbacks[0].Policy)
	out = h.step(Event{&executor.Event{Type: executor.Event_MESSAGE, Message: &executor.Event_Message{Data: []byte("hi")}}})
	require.Equal(t, []CallbackKind{FrameworkMessage}, kinds(out))
	require.Equal(t, []byte("hi"), out.Callbacks[0].Data)
	out = h.step(Event{&executor.Event{Type: executor.Event_LAUNCH_GROUP, LaunchGroup: &executor.Event_LaunchGroup{
		TaskGroup: mesos.TaskGroupInfo{Tasks: []mesos.TaskInfo{{TaskID: mesos.TaskID{Value: "g1"}}, {TaskID: mesos.TaskID{Value: "g2"}}}}}}})
	require.Equal(t, []CallbackKind{LaunchTaskGroup}, kinds(out))
	require.Empty(t, kinds(h.step(Event{&executor.Event{Type: executor.Event_HEARTBEAT}})))
	unknown := h.step(Event{&executor.Event{Type: executor.Event_Type(42)}})
	require.Empty(t, unknown.Callbacks)
	require.NotEmpty(t, unknown.Logs)
}

func TestDuplicateTaskIDIsDroppedNotCrashed(t *testing.T) {
	h := registered(t, testConfig())
	h.step(launchEvent("t1"))
	out := h.step(launchEvent("t1"))
	require.Empty(t, out.Callbacks)
	require.Contains(t, out.Logs[0].Text, "still in use")
}

func TestUpdatesAreStampedAndKeptUntilAcknowledged(t *testing.T) {
	h := registered(t, testConfig())
	h.step(launchEvent("t1"))
	out := h.step(statusUpdate("t1", mesos.TASK_RUNNING, 1))
	require.NoError(t, out.Err)
	require.Len(t, out.Calls, 1)
	s := out.Calls[0].Update.Status
	require.Equal(t, []byte{1}, s.UUID)
	require.Equal(t, "ag", s.AgentID.Value)
	require.Equal(t, "ex", s.ExecutorID.Value)
	require.Equal(t, mesos.SOURCE_EXECUTOR, *s.Source)
	require.InDelta(t, float64(t0.Unix()), *s.Timestamp, 0.001)
	require.Equal(t, 1, h.c.Unacknowledged())

	out = h.step(ackEvent("t1", []byte{9}))
	require.Contains(t, out.Logs[0].Text, "unknown update")
	require.Equal(t, 1, h.c.Unacknowledged())
	h.step(ackEvent("t1", []byte{1}))
	require.Equal(t, 0, h.c.Unacknowledged())
}

func TestStagingIsRefused(t *testing.T) {
	h := registered(t, testConfig())
	out := h.step(statusUpdate("t1", mesos.TASK_STAGING, 1))
	require.ErrorIs(t, out.Err, ErrStaging)
	require.Empty(t, out.Calls)
	require.ErrorIs(t, h.step(SendUpdate{}).Err, ErrNoTaskID)
	noState := SendUpdate{Status: &mesos.TaskStatus{TaskID: mesos.TaskID{Value: "t1"}}, UUID: []byte{2}}
	require.ErrorIs(t, h.step(noState).Err, ErrNoState, "no agent could decode it")
	require.Zero(t, h.c.Unacknowledged())
}

func TestCheckpointedAgentLossWaitsThenReregistersWithEverythingUnacknowledged(t *testing.T) {
	h := registered(t, testConfig())
	h.step(launchEvent("t1"))
	h.step(statusUpdate("t1", mesos.TASK_RUNNING, 1))
	out := h.step(Lost{Cause: "EOF"})
	require.Equal(t, []CallbackKind{Disconnected}, kinds(out))
	require.Equal(t, t0.Add(15*time.Minute), out.Deadline)
	require.Empty(t, kinds(h.step(Lost{Cause: "again"})), "Disconnected fires once per loss")

	out = h.step(statusUpdate("t1", mesos.TASK_FINISHED, 2))
	require.NoError(t, out.Err)
	require.Empty(t, out.Calls, "held while the agent is away")

	out = h.step(Reconnect{AgentID: "ag"})
	require.Equal(t, Open, out.Connection)
	require.Len(t, out.Calls, 1)
	sub := out.Calls[0].Subscribe
	require.NotNil(t, sub)
	require.Len(t, sub.UnacknowledgedTasks, 1)
	require.Len(t, sub.UnacknowledgedUpdates, 2)
	require.Equal(t, []byte{1}, sub.UnacknowledgedUpdates[0].Status.UUID)
	require.Equal(t, []byte{2}, sub.UnacknowledgedUpdates[1].Status.UUID)

	out = h.step(subscribedEvent())
	require.Equal(t, []CallbackKind{Reregistered}, kinds(out))
	require.Empty(t, out.Calls, "updates carried by the reregistration are not sent twice")
	require.True(t, out.Deadline.IsZero(), "recovery timer disarmed")
}

func TestUpdatesMadeDuringReregistrationAreSentOnceReregistered(t *testing.T) {
	h := registered(t, testConfig())
	h.step(Lost{Cause: "EOF"})
	h.step(Reconnect{AgentID: "ag"})
	require.Empty(t, h.step(statusUpdate("t1", mesos.TASK_RUNNING, 3)).Calls)
	out := h.step(subscribedEvent())
	require.Len(t, out.Calls, 1)
	require.Equal(t, []byte{3}, out.Calls[0].Update.Status.UUID)
}

func TestReconnectForAnotherAgentIsIgnored(t *testing.T) {
	h := registered(t, testConfig())
	h.step(Lost{Cause: "EOF"})
	out := h.step(Reconnect{AgentID: "other"})
	require.Equal(t, Keep, out.Connection)
	require.Empty(t, out.Calls)
	require.Contains(t, out.Logs[0].Text, "other")
}

func TestReconnectWhileConnectedReregistersAndStaysConnected(t *testing.T) {
	h := registered(t, testConfig())
	out := h.step(Reconnect{AgentID: "ag"})
	require.Empty(t, kinds(out))
	require.Equal(t, Open, out.Connection)
	require.Len(t, out.Calls, 1)
	require.NotNil(t, out.Calls[0].Subscribe, "a reregistration")
	require.Equal(t, StateConnected, h.c.State())
	require.Len(t, h.step(statusUpdate("t1", mesos.TASK_RUNNING, 3)).Calls, 1, "updates are not held")
	// The agent had restarted unnoticed: its reply reports the loss and the return.
	require.Equal(t, []CallbackKind{Disconnected, Reregistered}, kinds(h.step(subscribedEvent())))
	require.Empty(t, kinds(h.step(subscribedEvent())), "one reply per reregistration")
}

// An agent with --executor_reregistration_retry_interval repeats its
// reconnect request until it handles the reregistration; a repeat that
// overtakes the reply finds the executor connected, and the agent ignores
// the reregistration that answers it. Nothing may wait for that reply.
func TestARepeatedReconnectRequestNeverAnsweredChangesNothing(t *testing.T) {
	h := registered(t, testConfig())
	h.step(Lost{Cause: "EOF"})
	h.step(Reconnect{AgentID: "ag"})
	require.Equal(t, []CallbackKind{Reregistered}, kinds(h.step(subscribedEvent())))
	h.step(Reconnect{AgentID: "ag"})
	out := h.advance(15 * time.Minute)
	require.Empty(t, kinds(out), "no recovery timeout runs")
	require.Len(t, h.step(statusUpdate("t1", mesos.TASK_RUNNING, 3)).Calls, 1)
	require.Equal(t, mesos.DRIVER_RUNNING, h.c.Status())
}

func TestRecoveryTimeoutTakesTheShutdownPath(t *testing.T) {
	h := registered(t, testConfig())
	h.step(Lost{Cause: "EOF"})
	require.Empty(t, kinds(h.advance(15*time.Minute-time.Nanosecond)))
	out := h.advance(time.Nanosecond)
	require.Equal(t, []CallbackKind{Shutdown}, kinds(out))
	require.Equal(t, h.now.Add(5*time.Second), out.Deadline)
	require.Equal(t, mesos.DRIVER_RUNNING, h.c.Status(), "updates can still be sent during shutdown")
	require.False(t, h.advance(5*time.Second-1).Terminate)
	require.True(t, h.advance(1).Terminate)
}

func TestLossWithoutCheckpointShutsDown(t *testing.T) {
	cfg := testConfig()
	cfg.Checkpoint = false
	h := registered(t, cfg)
	out := h.step(Lost{Cause: "EOF"})
	require.Equal(t, []CallbackKind{Disconnected, Shutdown}, kinds(out))
}

func TestLossBeforeRegistrationShutsDownWithoutDisconnected(t *testing.T) {
	h := newHarness(t, testConfig())
	h.step(Start{})
	require.Equal(t, []CallbackKind{Shutdown}, kinds(h.step(Lost{Cause: "refused"})))
}

func TestShutdownEventIgnoresLaterWorkButKeepsAcks(t *testing.T) {
	h := registered(t, testConfig())
	h.step(launchEvent("t1"))
	out := h.step(Event{&executor.Event{Type: executor.Event_SHUTDOWN}})
	require.Equal(t, []CallbackKind{Shutdown}, kinds(out))
	require.Empty(t, kinds(h.step(launchEvent("t2"))))
	out = h.step(statusUpdate("t1", mesos.TASK_KILLED, 4))
	require.Len(t, out.Calls, 1, "terminal updates still go out during shutdown")
	h.step(ackEvent("t1", []byte{4}))
	require.Zero(t, h.c.Unacknowledged())
	require.Empty(t, kinds(h.step(Event{&executor.Event{Type: executor.Event_SHUTDOWN}})), "one Shutdown only")
}

// As the C++ driver's shutdown outlives its stop, stopping or aborting the
// driver during the grace period hands its end to the driver rather than
// cancelling it; outside a shutdown there is nothing to hand over.
func TestEndingTheDriverKeepsTheShutdownGracePeriod(t *testing.T) {
	for _, end := range []Input{Stop{}, Abort{}} {
		h := registered(t, testConfig())
		require.True(t, h.step(end).TerminateAt.IsZero(), "%T outside a shutdown", end)

		h = registered(t, testConfig())
		h.step(Event{&executor.Event{Type: executor.Event_SHUTDOWN}})
		h.now = h.now.Add(time.Second)
		out := h.step(end)
		require.Equal(t, t0.Add(5*time.Second), out.TerminateAt, "%T during the grace period", end)
		require.False(t, h.advance(time.Hour).Terminate, "the core itself is done")

		cfg := testConfig()
		cfg.Terminate = false
		h = registered(t, cfg)
		h.step(Event{&executor.Event{Type: executor.Event_SHUTDOWN}})
		require.True(t, h.step(end).TerminateAt.IsZero(), "%T with Terminate off", end)
	}
}

func TestTerminateCanBeTurnedOff(t *testing.T) {
	cfg := testConfig()
	cfg.Terminate = false
	h := registered(t, cfg)
	out := h.step(Event{&executor.Event{Type: executor.Event_SHUTDOWN}})
	require.True(t, out.Deadline.IsZero())
}

func TestStopAndAbortFollowTheCDriver(t *testing.T) {
	h := newHarness(t, testConfig())
	require.ErrorIs(t, h.step(Stop{}).Err, ErrNotRunning)
	h.step(Start{})
	out := h.step(Abort{})
	require.Equal(t, Close, out.Connection)
	require.Equal(t, mesos.DRIVER_ABORTED, h.c.Status())
	require.ErrorIs(t, h.step(Abort{}).Err, ErrNotRunning)
	require.ErrorIs(t, h.step(statusUpdate("t", mesos.TASK_RUNNING, 1)).Err, ErrNotRunning)
	h.step(Stop{})
	require.Equal(t, mesos.DRIVER_STOPPED, h.c.Status())
}

func TestCallbackPanicIsReportedAndAborts(t *testing.T) {
	h := registered(t, testConfig())
	out := h.step(CallbackPanicked{Message: "boom"})
	require.Equal(t, []CallbackKind{Error}, kinds(out))
	require.Contains(t, out.Callbacks[0].Message, "boom")
	require.Equal(t, mesos.DRIVER_ABORTED, h.c.Status())
}

func TestFrameworkMessageNeedsAConnection(t *testing.T) {
	h := registered(t, testConfig())
	require.Len(t, h.step(SendMessage{Data: []byte("x")}).Calls, 1)
	h.step(Lost{Cause: "EOF"})
	require.ErrorIs(t, h.step(SendMessage{Data: []byte("x")}).Err, ErrNotConnected)
}

func TestKillIsDeliveredWhileDisconnected(t *testing.T) {
	h := registered(t, testConfig())
	h.step(launchEvent("t1"))
	h.step(Lost{Cause: "EOF"})
	out := h.step(Event{&executor.Event{Type: executor.Event_KILL, Kill: &executor.Event_Kill{TaskID: mesos.TaskID{Value: "t1"}}}})
	require.Equal(t, []CallbackKind{KillTask}, kinds(out))
	require.Empty(t, kinds(h.step(launchEvent("t2"))), "launches need a connection")
}

func TestAcknowledgementsCannotComeOnceTheAgentIsGoneForGood(t *testing.T) {
	cfg := testConfig()
	cfg.Checkpoint = false
	h := registered(t, cfg)
	h.step(statusUpdate("t1", mesos.TASK_RUNNING, 1))
	require.True(t, h.c.AcknowledgementsCanCome())
	h.step(Lost{Cause: "EOF"})
	require.False(t, h.c.AcknowledgementsCanCome(), "no checkpoint: nobody will acknowledge")

	h = registered(t, testConfig())
	h.step(Lost{Cause: "EOF"})
	require.True(t, h.c.AcknowledgementsCanCome(), "a checkpointed agent may come back")
	h.step(Event{&executor.Event{Type: executor.Event_SHUTDOWN}})
	require.True(t, h.c.AcknowledgementsCanCome())
	h.step(Lost{Cause: "EOF"})
	require.False(t, h.c.AcknowledgementsCanCome(), "lost while shutting down")
}

func killEvent(id string) Event {
	return Event{&executor.Event{Type: executor.Event_KILL, Kill: &executor.Event_Kill{TaskID: mesos.TaskID{Value: id}}}}
}

// A kill that overtakes its task's launch is kept, and delivered right
// after the launch, so the task does not run on unkilled.
func TestKillBeforeLaunchIsAnsweredWhenTheLaunchArrives(t *testing.T) {
	h := registered(t, testConfig())
	out := h.step(killEvent("t1"))
	require.Empty(t, out.Callbacks)
	require.Contains(t, out.Logs[0].Text, "before its launch")
	require.Equal(t, []CallbackKind{LaunchTask, KillTask}, kinds(h.step(launchEvent("t1"))))
	require.Equal(t, []CallbackKind{LaunchTask}, kinds(h.step(launchEvent("t2"))), "only once")

	h.step(killEvent("g2"))
	out = h.step(Event{&executor.Event{Type: executor.Event_LAUNCH_GROUP, LaunchGroup: &executor.Event_LaunchGroup{
		TaskGroup: mesos.TaskGroupInfo{Tasks: []mesos.TaskInfo{{TaskID: mesos.TaskID{Value: "g1"}}, {TaskID: mesos.TaskID{Value: "g2"}}}}}}})
	require.Equal(t, []CallbackKind{LaunchTaskGroup, KillTask}, kinds(out))
	require.Equal(t, "g2", out.Callbacks[1].TaskID.Value)
}

// Should the link a Reconnect opened break before the agent replies, the
// loss is the one the executor reports, and the recovery timeout runs from
// it.
func TestLossAfterReconnectWhileConnectedStartsTheRecoveryTimeout(t *testing.T) {
	h := registered(t, testConfig())
	require.Empty(t, kinds(h.step(Reconnect{AgentID: "ag"})))
	h.now = h.now.Add(time.Minute)
	require.Equal(t, []CallbackKind{Disconnected}, kinds(h.step(Lost{Cause: "link broke again"})))
	require.Empty(t, kinds(h.advance(15*time.Minute-time.Nanosecond)))
	require.Equal(t, []CallbackKind{Shutdown}, kinds(h.advance(time.Nanosecond)))
}

// A framework message with no data is sent as an empty one: data is
// required on both wires, and nil would not encode.
func TestFrameworkMessageWithoutDataIsSentEmpty(t *testing.T) {
	h := registered(t, testConfig())
	out := h.step(SendMessage{})
	require.NoError(t, out.Err)
	require.Len(t, out.Calls, 1)
	require.NotNil(t, out.Calls[0].Message.Data)
	_, err := out.Calls[0].Marshal()
	require.NoError(t, err)
}
