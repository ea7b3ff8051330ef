package compat

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/executor"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/compat/httpapi"
	"github.com/mesos-shim/executor/internal/fuzzseed"
	"github.com/mesos-shim/executor/mesosproto"
)

// The round trips of the legacy conversions: an inverse of each, written
// here as the other side of the wire reads it (devolve: the v1 event back
// to the legacy message an agent sent; evolve: the legacy message an
// executor sent back to the v1 call), and what each conversion keeps of
// its input (project), so that the fuzz targets can check that nothing is
// lost, added or mixed up on the way.

// devolve returns the legacy message name that carries in, as the agent
// wrote it, holding exactly what the conversion keeps.
func devolve(name string, in Inbound) proto.Message {
	if in.IsReconnect {
		return &mesosproto.ReconnectExecutorMessage{SlaveID: &mesos.AgentID{Value: in.ReconnectAgentID}}
	}
	e := in.Event
	switch name {
	case "mesos.internal.ExecutorRegisteredMessage":
		s := e.Subscribed
		return &mesosproto.ExecutorRegisteredMessage{ExecutorInfo: &s.ExecutorInfo, FrameworkID: s.FrameworkInfo.ID,
			FrameworkInfo: &s.FrameworkInfo, SlaveID: s.AgentInfo.ID, SlaveInfo: &s.AgentInfo}
	case "mesos.internal.ExecutorReregisteredMessage":
		return &mesosproto.ExecutorReregisteredMessage{SlaveID: e.Subscribed.AgentInfo.ID, SlaveInfo: &e.Subscribed.AgentInfo}
	case "mesos.internal.RunTaskMessage":
		return &mesosproto.RunTaskMessage{Task: &e.Launch.Task}
	case "mesos.internal.KillTaskMessage":
		return &mesosproto.KillTaskMessage{TaskID: &e.Kill.TaskID, KillPolicy: e.Kill.KillPolicy}
	case "mesos.internal.StatusUpdateAcknowledgementMessage":
		return &mesosproto.StatusUpdateAcknowledgementMessage{TaskID: &e.Acknowledged.TaskID, UUID: e.Acknowledged.UUID}
	case "mesos.internal.FrameworkToExecutorMessage":
		return &mesosproto.FrameworkToExecutorMessage{Data: e.Message.Data}
	case "mesos.internal.ShutdownExecutorMessage":
		return &mesosproto.ShutdownExecutorMessage{}
	case mesosproto.ExecutorEventName:
		return e
	}
	panic("devolve: " + name)
}

// project returns what of the legacy message m the conversion keeps: the
// ids it moves into the infos that lack them, without the fields an
// executor is not told about (the framework of a RunTask, the ids of an
// acknowledgement) and without unknown fields.
func project(m proto.Message) proto.Message {
	switch m := m.(type) {
	case *mesosproto.ExecutorRegisteredMessage:
		fw, agent := *m.FrameworkInfo, *m.SlaveInfo
		if fw.ID == nil {
			fw.ID = m.FrameworkID
		}
		if agent.ID == nil {
			agent.ID = m.SlaveID
		}
		return &mesosproto.ExecutorRegisteredMessage{ExecutorInfo: m.ExecutorInfo, FrameworkID: fw.ID,
			FrameworkInfo: &fw, SlaveID: agent.ID, SlaveInfo: &agent}
	case *mesosproto.ExecutorReregisteredMessage:
		agent := *m.SlaveInfo
		if agent.ID == nil {
			agent.ID = m.SlaveID
		}
		return &mesosproto.ExecutorReregisteredMessage{SlaveID: agent.ID, SlaveInfo: &agent}
	case *mesosproto.ReconnectExecutorMessage:
		return &mesosproto.ReconnectExecutorMessage{SlaveID: m.SlaveID}
	case *mesosproto.RunTaskMessage:
		return &mesosproto.RunTaskMessage{Task: m.Task}
	case *mesosproto.KillTaskMessage:
		return &mesosproto.KillTaskMessage{TaskID: m.TaskID, KillPolicy: m.KillPolicy}
	case *mesosproto.StatusUpdateAcknowledgementMessage:
		return &mesosproto.StatusUpdateAcknowledgementMessage{TaskID: m.TaskID, UUID: m.UUID}
	case *mesosproto.FrameworkToExecutorMessage:
		return &mesosproto.FrameworkToExecutorMessage{Data: m.Data}
	case *mesosproto.ShutdownExecutorMessage:
		return &mesosproto.ShutdownExecutorMessage{}
	}
	return m // the executor Event is passed on whole
}

// legacyMessage returns an empty message for a name EventFromLegacy knows.
func legacyMessage(name string) proto.Message {
	if name == mesosproto.ExecutorEventName {
		return &executor.Event{}
	}
	return reflect.New(proto.MessageType(name).Elem()).Interface().(proto.Message)
}

type equaler interface{ Equal(any) bool }

// same reports whether a and b are equal messages. Generated Equal methods
// compare doubles with ==, so a NaN (a timestamp, a scalar) never equals
// itself: messages Equal calls different are the same if they encode to
// the same bytes, NaNs bit for bit.
func same(a, b proto.Message) bool {
	if a.(equaler).Equal(b) {
		return true
	}
	ea, errA := proto.Marshal(a)
	eb, errB := proto.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ea, eb)
}

// sameFloat reports whether a and b hold the same double, NaNs included.
func sameFloat(a, b *float64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return math.Float64bits(*a) == math.Float64bits(*b)
}

func checkEventFromLegacy(t *testing.T, name string, body []byte) {
	in, err := EventFromLegacy(name, body)
	if _, known := decoders[name]; !known {
		require.ErrorIs(t, err, ErrUnknownMessage)
		return
	}
	require.False(t, errors.Is(err, ErrUnknownMessage), "%s is known", name)
	if err != nil {
		return
	}
	require.True(t, in.IsReconnect == (in.Event == nil), "either a reconnect or an event: %+v", in)
	m := legacyMessage(name)
	require.NoError(t, mesosproto.Unmarshal(body, m), "converted, yet does not decode")

	back := devolve(name, in)
	require.True(t, same(back, project(m)), "%s: converted to %v, which devolves to %v, not to %v", name, in.Event, back, project(m))
	enc, ok := encodeIfComplete(t, back)
	if !ok {
		return
	}
	again, err := EventFromLegacy(name, enc)
	require.NoError(t, err, "%v devolved to %v", in.Event, back)
	require.Equal(t, in.IsReconnect, again.IsReconnect)
	require.Equal(t, in.ReconnectAgentID, again.ReconnectAgentID)
	if in.Event != nil {
		require.True(t, same(in.Event, again.Event), "%v comes back as %v", in.Event, again.Event)
		checkV1Wire(t, in.Event)
	}
}

// checkV1Wire: an event from the legacy wire must be one the v1 wire could
// have carried, so that both wires give the driver the same events.
func checkV1Wire(t *testing.T, e *executor.Event) {
	enc, err := httpapi.Protobuf.EncodeEvent(e)
	require.NoError(t, err, "%v does not encode as a v1 event", e)
	back, err := httpapi.Protobuf.DecodeEvent(enc)
	require.NoError(t, err, "%v encodes as a v1 event that does not decode", e)
	require.True(t, same(e, back), "%v comes back from the v1 wire as %v", e, back)
}

// encodeIfComplete encodes m; ok is false when a field Mesos requires is
// missing (the conversions do not check them, the driver does), since
// mesosproto's generated marshaler then gives no bytes at all: such a
// message can never be on the wire, so there is nothing more to compare.
func encodeIfComplete(t *testing.T, m proto.Message) (b []byte, ok bool) {
	b, err := proto.Marshal(m)
	var missing *proto.RequiredNotSetError
	if errors.As(err, &missing) {
		return nil, false
	}
	require.NoError(t, err)
	return b, true
}

// evolve reads a legacy message from an executor back into the call it
// stands for, as an agent does.
func evolve(m proto.Message) *executor.Call {
	switch m := m.(type) {
	case *mesosproto.RegisterExecutorMessage:
		return &executor.Call{Type: executor.Call_SUBSCRIBE, FrameworkID: *m.FrameworkID, ExecutorID: *m.ExecutorID}
	case *mesosproto.ReregisterExecutorMessage:
		s := &executor.Call_Subscribe{UnacknowledgedTasks: m.Tasks}
		for _, u := range m.Updates {
			s.UnacknowledgedUpdates = append(s.UnacknowledgedUpdates, executor.Call_Update{Status: *u.Status})
		}
		return &executor.Call{Type: executor.Call_SUBSCRIBE, FrameworkID: *m.FrameworkID, ExecutorID: *m.ExecutorID, Subscribe: s}
	case *mesosproto.StatusUpdateMessage:
		return &executor.Call{Type: executor.Call_UPDATE, FrameworkID: *m.Update.FrameworkID,
			ExecutorID: *m.Update.ExecutorID, Update: &executor.Call_Update{Status: *m.Update.Status}}
	case *mesosproto.ExecutorToFrameworkMessage:
		return &executor.Call{Type: executor.Call_MESSAGE, FrameworkID: *m.FrameworkID,
			ExecutorID: *m.ExecutorID, Message: &executor.Call_Message{Data: m.Data}}
	}
	panic(fmt.Sprintf("evolve: %T", m))
}

// relevant is c with only the payload its type uses: the legacy wire has
// no room for the others.
func relevant(c *executor.Call) *executor.Call {
	out := &executor.Call{Type: c.Type, FrameworkID: c.FrameworkID, ExecutorID: c.ExecutorID}
	switch c.Type {
	case executor.Call_SUBSCRIBE:
		out.Subscribe = c.Subscribe
	case executor.Call_UPDATE:
		out.Update = c.Update
	case executor.Call_MESSAGE:
		out.Message = c.Message
	}
	return out
}

// FuzzLegacyFromCall decodes arbitrary bytes as a v1 Call and converts it
// to its legacy message. It must not panic; it must refuse exactly the
// calls the legacy wire has no message for (any type but SUBSCRIBE, UPDATE
// and MESSAGE, or one without its payload); and what it gives must be the
// message an agent reads back as the same call (the round trip call ->
// legacy -> call), travel the legacy wire unchanged, and carry the
// executor's identity: the agent and the pid acknowledgements go to, and
// in a status update the status's own uuid and timestamp. The committed
// corpus holds every protobuf call of the v1 captures and the call behind
// every legacy message the executors sent in the v0 captures.
func FuzzLegacyFromCall(f *testing.F) {
	f.Add([]byte{0x08, 0x01}, "executor(1)@127.0.0.1:40161")
	f.Fuzz(func(t *testing.T, data []byte, pid string) {
		c, err := httpapi.Protobuf.DecodeCall(data)
		if err != nil {
			return
		}
		id := Identity{AgentID: "ag", PID: pid}
		m, err := LegacyFromCall(c, id)
		legacy := c.Type == executor.Call_SUBSCRIBE ||
			c.Type == executor.Call_UPDATE && c.Update != nil ||
			c.Type == executor.Call_MESSAGE && c.Message != nil
		if !legacy {
			require.Error(t, err, "%v has no legacy message", c)
			return
		}
		require.NoError(t, err, "%v", c)

		wire := legacyMessage(mesosproto.Name(m))
		body, ok := encodeIfComplete(t, m)
		if !ok {
			return
		}
		require.NoError(t, mesosproto.Unmarshal(body, wire))
		require.True(t, same(m, wire), "%v travels as %v", m, wire)
		got := evolve(wire)
		require.True(t, same(relevant(c), got), "%v converts to %v, which an agent reads as %v", c, m, got)
		checkIdentity(t, wire, id)
	})
}

// checkIdentity: the ids of the executor's messages and the pid
// acknowledgements go to come from the driver's identity.
func checkIdentity(t *testing.T, m proto.Message, id Identity) {
	switch m := m.(type) {
	case *mesosproto.StatusUpdateMessage:
		require.Equal(t, id.PID, m.GetPID())
		u := m.Update
		require.Equal(t, id.AgentID, u.SlaveID.Value)
		require.Equal(t, u.Status.UUID, u.UUID, "the envelope carries the status's uuid")
		require.True(t, sameFloat(u.Status.Timestamp, u.Timestamp), "the envelope carries the status's timestamp")
	case *mesosproto.ReregisterExecutorMessage:
		for _, u := range m.Updates {
			require.Equal(t, id.AgentID, u.SlaveID.Value)
			require.Equal(t, u.Status.UUID, u.UUID)
		}
	case *mesosproto.ExecutorToFrameworkMessage:
		require.Equal(t, id.AgentID, m.SlaveID.Value)
	}
}

// TestFuzzSeeds checks (with FUZZSEED=write, rewrites) the committed
// corpora of the package's fuzz targets from the captures (see
// internal/fuzzseed):
//
//   - FuzzEventFromLegacy: the name and body of every message an agent
//     sent an executor on the legacy wire, C++ and mesos-go executors alike
//     (captured-<scenario>-<connection>-<n>-<name>).
//   - FuzzLegacyFromCall: every protobuf call of the v1 captures with the
//     executor's pid, and, for every message an executor sent on the
//     legacy wire, the call an agent reads it as, encoded, with the pid of
//     its sender.
func TestFuzzSeeds(t *testing.T) {
	var events, calls []fuzzseed.Seed
	for _, x := range fuzzseed.Exchanges(t) {
		name := fmt.Sprintf("captured-%s-%d-%d-%s", x.Scenario, x.Conn, x.Index, x.Name()[strings.LastIndexByte(x.Name(), '.')+1:])
		from := x.Req.Header.Get("Libprocess-From")
		switch {
		case !x.Libprocess():
			if x.Req.Header.Get("Content-Type") == httpapi.ContentTypeProtobuf {
				calls = append(calls, fuzzseed.New(name, bytes.Clone(x.Body), "executor(1)@127.0.0.1:0"))
			}
		case strings.HasPrefix(from, "slave("):
			events = append(events, fuzzseed.New(name, x.Name(), bytes.Clone(x.Body)))
		default:
			m := legacyMessage(x.Name())
			require.NoError(t, mesosproto.Unmarshal(x.Body, m), name)
			body, err := httpapi.Protobuf.EncodeCall(evolve(m))
			require.NoError(t, err, name)
			calls = append(calls, fuzzseed.New(name, body, from))
		}
	}
	fuzzseed.Sync(t, "FuzzEventFromLegacy", events)
	fuzzseed.Sync(t, "FuzzLegacyFromCall", calls)
}
