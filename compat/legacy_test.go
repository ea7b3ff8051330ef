package compat

import (
	"bytes"
	"errors"
	"testing"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/executor"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/mesosproto"
)

func body(t *testing.T, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	require.NoError(t, err)
	return b
}

var (
	agentID = &mesos.AgentID{Value: "ag"}
	fwID    = &mesos.FrameworkID{Value: "fw"}
	taskID  = &mesos.TaskID{Value: "t1"}
)

func TestEveryLegacyMessageBecomesItsEvent(t *testing.T) {
	policy := &mesos.KillPolicy{GracePeriod: &mesos.DurationInfo{Nanoseconds: 5}}
	cases := []struct {
		msg  proto.Message
		want executor.Event_Type
		more func(t *testing.T, e *executor.Event)
	}{
		{&mesosproto.ExecutorRegisteredMessage{ExecutorInfo: &mesos.ExecutorInfo{ExecutorID: mesos.ExecutorID{Value: "ex"}},
			FrameworkID: fwID, FrameworkInfo: &mesos.FrameworkInfo{Name: "f"}, SlaveID: agentID, SlaveInfo: &mesos.AgentInfo{Hostname: "h"}},
			executor.Event_SUBSCRIBED, func(t *testing.T, e *executor.Event) {
				require.Equal(t, "fw", e.Subscribed.FrameworkInfo.ID.Value, "ids fill the infos that lack them")
				require.Equal(t, "ag", e.Subscribed.AgentInfo.ID.Value)
			}},
		{&mesosproto.ExecutorReregisteredMessage{SlaveID: agentID, SlaveInfo: &mesos.AgentInfo{Hostname: "h"}},
			executor.Event_SUBSCRIBED, func(t *testing.T, e *executor.Event) { require.Equal(t, "h", e.Subscribed.AgentInfo.Hostname) }},
		{&mesosproto.RunTaskMessage{Framework: &mesos.FrameworkInfo{Name: "f"}, Task: &mesos.TaskInfo{TaskID: *taskID}},
			executor.Event_LAUNCH, func(t *testing.T, e *executor.Event) { require.Equal(t, "t1", e.Launch.Task.TaskID.Value) }},
		{&mesosproto.KillTaskMessage{FrameworkID: fwID, TaskID: taskID, KillPolicy: policy},
			executor.Event_KILL, func(t *testing.T, e *executor.Event) { require.Equal(t, policy, e.Kill.KillPolicy) }},
		{&mesosproto.StatusUpdateAcknowledgementMessage{SlaveID: agentID, FrameworkID: fwID, TaskID: taskID, UUID: []byte{1, 2}},
			executor.Event_ACKNOWLEDGED, func(t *testing.T, e *executor.Event) { require.Equal(t, []byte{1, 2}, e.Acknowledged.UUID) }},
		{&mesosproto.FrameworkToExecutorMessage{Data: []byte("hi")},
			executor.Event_MESSAGE, func(t *testing.T, e *executor.Event) { require.Equal(t, []byte("hi"), e.Message.Data) }},
		{&mesosproto.ShutdownExecutorMessage{}, executor.Event_SHUTDOWN, nil},
		{&executor.Event{Type: executor.Event_LAUNCH_GROUP, LaunchGroup: &executor.Event_LaunchGroup{
			TaskGroup: mesos.TaskGroupInfo{Tasks: []mesos.TaskInfo{{TaskID: *taskID}}}}},
			executor.Event_LAUNCH_GROUP, nil},
	}
	for _, c := range cases {
		t.Run(mesosproto.Name(c.msg), func(t *testing.T) {
			in, err := EventFromLegacy(mesosproto.Name(c.msg), body(t, c.msg))
			require.NoError(t, err)
			require.Equal(t, c.want, in.Event.Type)
			if c.more != nil {
				c.more(t, in.Event)
			}
		})
	}
}

func TestReconnectIsNotAnEvent(t *testing.T) {
	in, err := EventFromLegacy("mesos.internal.ReconnectExecutorMessage", body(t, &mesosproto.ReconnectExecutorMessage{SlaveID: agentID}))
	require.NoError(t, err)
	require.True(t, in.IsReconnect)
	require.Equal(t, "ag", in.ReconnectAgentID)
	require.Nil(t, in.Event)
}

func TestBadLegacyMessagesAreErrors(t *testing.T) {
	_, err := EventFromLegacy("mesos.internal.NoSuchMessage", nil)
	require.True(t, errors.Is(err, ErrUnknownMessage))
	for name, b := range map[string][]byte{
		"mesos.internal.RunTaskMessage":                     nil, // no task
		"mesos.internal.KillTaskMessage":                    {0x12, 0x03, 0x0a},
		"mesos.internal.ExecutorRegisteredMessage":          {},
		"mesos.internal.StatusUpdateAcknowledgementMessage": {0xff},
		"mesos.internal.ReconnectExecutorMessage":           {},
		mesosproto.ExecutorEventName:                        {0x08, 0x05}, // a MESSAGE event
	} {
		_, err := EventFromLegacy(name, b)
		require.Error(t, err, name)
	}
}

func TestEveryCallBecomesItsLegacyMessage(t *testing.T) {
	id := Identity{AgentID: "ag", PID: "executor(1)@127.0.0.1:1"}
	base := executor.Call{FrameworkID: *fwID, ExecutorID: mesos.ExecutorID{Value: "ex"}}
	ts := 12.5
	status := mesos.TaskStatus{TaskID: *taskID, State: mesos.TASK_RUNNING.Enum(), UUID: []byte{9}, Timestamp: &ts}

	register := base
	register.Type = executor.Call_SUBSCRIBE
	m, err := LegacyFromCall(&register, id)
	require.NoError(t, err)
	require.IsType(t, &mesosproto.RegisterExecutorMessage{}, m)

	rereg := register
	rereg.Subscribe = &executor.Call_Subscribe{UnacknowledgedTasks: []mesos.TaskInfo{{TaskID: *taskID}},
		UnacknowledgedUpdates: []executor.Call_Update{{Status: status}}}
	m, err = LegacyFromCall(&rereg, id)
	require.NoError(t, err)
	r := m.(*mesosproto.ReregisterExecutorMessage)
	require.Len(t, r.Tasks, 1)
	require.Equal(t, []byte{9}, r.Updates[0].UUID)

	update := base
	update.Type, update.Update = executor.Call_UPDATE, &executor.Call_Update{Status: status}
	m, err = LegacyFromCall(&update, id)
	require.NoError(t, err)
	u := m.(*mesosproto.StatusUpdateMessage)
	require.Equal(t, id.PID, *u.PID, "acknowledgements go to the pid")
	require.Equal(t, ts, *u.Update.Timestamp)
	require.Equal(t, "ag", u.Update.SlaveID.Value)

	msg := base
	msg.Type, msg.Message = executor.Call_MESSAGE, &executor.Call_Message{Data: []byte("x")}
	m, err = LegacyFromCall(&msg, id)
	require.NoError(t, err)
	require.Equal(t, []byte("x"), m.(*mesosproto.ExecutorToFrameworkMessage).Data)

	heartbeat := base
	heartbeat.Type = executor.Call_HEARTBEAT
	_, err = LegacyFromCall(&heartbeat, id)
	require.ErrorContains(t, err, "no message for a HEARTBEAT")
}

// FuzzEventFromLegacy gives every message name an arbitrary body. The
// conversion must not panic; it must refuse exactly the names an agent
// never sends an executor with ErrUnknownMessage; and what it converts
// must round-trip: the event (or reconnect) devolves to the legacy message
// the agent sent, with every field the conversion keeps and nothing else
// (devolve and project), that message converts again to an equal event,
// and the event travels the v1 wire unchanged, so both wires give the
// driver the same events. The committed corpus holds every message an
// agent sent in the captures (see TestFuzzSeeds).
func FuzzEventFromLegacy(f *testing.F) {
	for name := range decoders {
		f.Add(name, []byte{})
		f.Add(name, []byte{0x0a, 0x02, 0x0a, 0x00})
	}
	f.Add("mesos.internal.NoSuchMessage", []byte{})
	f.Fuzz(checkEventFromLegacy)
}

// The agent's schema requires ExecutorToFrameworkMessage.data: a message
// without it fails to parse there and is dropped, so a nil payload goes
// out as an empty field (tag 4, length 0).
func TestAnEmptyFrameworkMessageStillCarriesItsData(t *testing.T) {
	c := &executor.Call{Type: executor.Call_MESSAGE, Message: &executor.Call_Message{}}
	m, err := LegacyFromCall(c, Identity{AgentID: "ag"})
	require.NoError(t, err)
	body, err := proto.Marshal(m)
	require.NoError(t, err)
	require.True(t, bytes.HasSuffix(body, []byte{4<<3 | 2, 0}), "no data field in %x", body)
}
