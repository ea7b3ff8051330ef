package compat

import (
	"fmt"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/executor"

	"github.com/mesos-shim/executor/mesosproto"
)

// Inbound is a legacy message from the agent, converted: either an Event, or
// a Reconnect request carrying the restarted agent's id.
type Inbound struct {
	Event *executor.Event
	// ReconnectAgentID is set, and Event nil, for ReconnectExecutorMessage.
	ReconnectAgentID string
	IsReconnect      bool
}

// ErrUnknownMessage is wrapped by EventFromLegacy for names an executor is
// never sent.
var ErrUnknownMessage = fmt.Errorf("compat: not a message an agent sends to an executor")

// EventFromLegacy decodes the body of the libprocess message name and
// converts it to its v1 shape.
func EventFromLegacy(name string, body []byte) (Inbound, error) {
	decode, ok := decoders[name]
	if !ok {
		return Inbound{}, fmt.Errorf("%w: %q", ErrUnknownMessage, name)
	}
	return decode(body)
}

var decoders = map[string]func([]byte) (Inbound, error){
	"mesos.internal.ExecutorRegisteredMessage":          executorRegistered,
	"mesos.internal.ExecutorReregisteredMessage":        executorReregistered,
	"mesos.internal.ReconnectExecutorMessage":           reconnectExecutor,
	"mesos.internal.RunTaskMessage":                     runTask,
	"mesos.internal.KillTaskMessage":                    killTask,
	"mesos.internal.StatusUpdateAcknowledgementMessage": acknowledgement,
	"mesos.internal.FrameworkToExecutorMessage":         frameworkToExecutor,
	"mesos.internal.ShutdownExecutorMessage":            shutdownExecutor,
	mesosproto.ExecutorEventName:                        executorEvent,
}

func decode(body []byte, m proto.Message) error {
	if err := mesosproto.Unmarshal(body, m); err != nil {
		return fmt.Errorf("compat: decoding %s: %w", mesosproto.Name(m), err)
	}
	return nil
}

func missing(m proto.Message, field string) error {
	return fmt.Errorf("compat: %s without its required %s", mesosproto.Name(m), field)
}

func event(e executor.Event) (Inbound, error) { return Inbound{Event: &e}, nil }

func executorRegistered(body []byte) (Inbound, error) {
	var m mesosproto.ExecutorRegisteredMessage
	if err := decode(body, &m); err != nil {
		return Inbound{}, err
	}
	if m.ExecutorInfo == nil || m.FrameworkInfo == nil || m.SlaveInfo == nil {
		return Inbound{}, missing(&m, "executor_info, framework_info and slave_info")
	}
	fw := *m.FrameworkInfo
	if fw.ID == nil && m.FrameworkID != nil {
		fw.ID = m.FrameworkID
	}
	agent := *m.SlaveInfo
	if agent.ID == nil && m.SlaveID != nil {
		agent.ID = m.SlaveID
	}
	return event(executor.Event{Type: executor.Event_SUBSCRIBED, Subscribed: &executor.Event_Subscribed{
		ExecutorInfo: *m.ExecutorInfo, FrameworkInfo: fw, AgentInfo: agent}})
}

func executorReregistered(body []byte) (Inbound, error) {
	var m mesosproto.ExecutorReregisteredMessage
	if err := decode(body, &m); err != nil {
		return Inbound{}, err
	}
	if m.SlaveInfo == nil {
		return Inbound{}, missing(&m, "slave_info")
	}
	agent := *m.SlaveInfo
	if agent.ID == nil && m.SlaveID != nil {
		agent.ID = m.SlaveID
	}
	return event(executor.Event{Type: executor.Event_SUBSCRIBED, Subscribed: &executor.Event_Subscribed{AgentInfo: agent}})
}

func reconnectExecutor(body []byte) (Inbound, error) {
	var m mesosproto.ReconnectExecutorMessage
	if err := decode(body, &m); err != nil {
		return Inbound{}, err
	}
	if m.SlaveID == nil {
		return Inbound{}, missing(&m, "slave_id")
	}
	return Inbound{IsReconnect: true, ReconnectAgentID: m.SlaveID.Value}, nil
}

func runTask(body []byte) (Inbound, error) {
	var m mesosproto.RunTaskMessage
	if err := decode(body, &m); err != nil {
		return Inbound{}, err
	}
	if m.Task == nil {
		return Inbound{}, missing(&m, "task")
	}
	return event(executor.Event{Type: executor.Event_LAUNCH, Launch: &executor.Event_Launch{Task: *m.Task}})
}

func killTask(body []byte) (Inbound, error) {
	var m mesosproto.KillTaskMessage
	if err := decode(body, &m); err != nil {
		return Inbound{}, err
	}
	if m.TaskID == nil {
		return Inbound{}, missing(&m, "task_id")
	}
	return event(executor.Event{Type: executor.Event_KILL, Kill: &executor.Event_Kill{TaskID: *m.TaskID, KillPolicy: m.KillPolicy}})
}

func acknowledgement(body []byte) (Inbound, error) {
	var m mesosproto.StatusUpdateAcknowledgementMessage
	if err := decode(body, &m); err != nil {
		return Inbound{}, err
	}
	if m.TaskID == nil || len(m.UUID) == 0 {
		return Inbound{}, missing(&m, "task_id and uuid")
	}
	return event(executor.Event{Type: executor.Event_ACKNOWLEDGED, Acknowledged: &executor.Event_Acknowledged{TaskID: *m.TaskID, UUID: m.UUID}})
}

// frameworkToExecutor needs data present (it may be empty): the v1 MESSAGE
// requires it, and the C++ driver drops a message without it.
func frameworkToExecutor(body []byte) (Inbound, error) {
	var m mesosproto.FrameworkToExecutorMessage
	if err := decode(body, &m); err != nil {
		return Inbound{}, err
	}
	if m.Data == nil {
		return Inbound{}, missing(&m, "data")
	}
	return event(executor.Event{Type: executor.Event_MESSAGE, Message: &executor.Event_Message{Data: m.Data}})
}

func shutdownExecutor(body []byte) (Inbound, error) {
	var m mesosproto.ShutdownExecutorMessage
	if err := decode(body, &m); err != nil {
		return Inbound{}, err
	}
	return event(executor.Event{Type: executor.Event_SHUTDOWN})
}

// executorEvent is the unversioned executor Event an agent sends a legacy
// executor for a task group (Slave::___run in Mesos's src/slave/slave.cpp;
// seen in testdata/captures/mesos-1.12-dev, v0-d-group).
func executorEvent(body []byte) (Inbound, error) {
	var e executor.Event
	if err := decode(body, &e); err != nil {
		return Inbound{}, err
	}
	if e.Type != executor.Event_LAUNCH_GROUP || e.LaunchGroup == nil {
		return Inbound{}, fmt.Errorf("compat: %s of type %s: only LAUNCH_GROUP is sent this way", mesosproto.ExecutorEventName, e.Type)
	}
	return Inbound{Event: &e}, nil
}

// Identity is what a legacy message from the executor must carry besides
// the call (whose framework and executor ids it takes): the agent's id and
// the executor's own UPID, where acknowledgements go.
type Identity struct {
	AgentID string
	PID     string
}

// LegacyFromCall converts a call to the message the legacy wire carries: a
// SUBSCRIBE without a Subscribe part is the first registration, one with it
// a reregistration after an agent restart. The message shares c's values:
// encode it before c changes.
func LegacyFromCall(c *executor.Call, id Identity) (proto.Message, error) {
	switch c.Type {
	case executor.Call_SUBSCRIBE:
		if c.Subscribe == nil {
			return &mesosproto.RegisterExecutorMessage{FrameworkID: &c.FrameworkID, ExecutorID: &c.ExecutorID}, nil
		}
		return reregister(c, id), nil
	case executor.Call_UPDATE:
		if c.Update == nil {
			return nil, fmt.Errorf("compat: UPDATE call without its update")
		}
		pid := id.PID
		u := statusUpdate(c, &c.Update.Status, id)
		return &mesosproto.StatusUpdateMessage{Update: &u, PID: &pid}, nil
	case executor.Call_MESSAGE:
		if c.Message == nil {
			return nil, fmt.Errorf("compat: MESSAGE call without its message")
		}
		// data is required in the agent's schema: nil must still be sent,
		// as empty, or the agent cannot parse the message and drops it.
		data := c.Message.Data
		if data == nil {
			data = []byte{}
		}
		return &mesosproto.ExecutorToFrameworkMessage{SlaveID: &mesos.AgentID{Value: id.AgentID},
			FrameworkID: &c.FrameworkID, ExecutorID: &c.ExecutorID, Data: data}, nil
	}
	return nil, fmt.Errorf("compat: the legacy wire has no message for a %s call", c.Type)
}

func reregister(c *executor.Call, id Identity) *mesosproto.ReregisterExecutorMessage {
	m := &mesosproto.ReregisterExecutorMessage{ExecutorID: &c.ExecutorID, FrameworkID: &c.FrameworkID,
		Tasks: c.Subscribe.UnacknowledgedTasks}
	for i := range c.Subscribe.UnacknowledgedUpdates {
		m.Updates = append(m.Updates, statusUpdate(c, &c.Subscribe.UnacknowledgedUpdates[i].Status, id))
	}
	return m
}

// statusUpdate wraps a stamped TaskStatus of call c in the legacy envelope,
// whose timestamp and uuid are the status's own. The envelope shares s and
// c's ids rather than copying them: a status update is the legacy wire's
// most frequent message, and the call is encoded at once.
func statusUpdate(c *executor.Call, s *mesos.TaskStatus, id Identity) mesosproto.StatusUpdate {
	return mesosproto.StatusUpdate{
		FrameworkID: &c.FrameworkID,
		ExecutorID:  &c.ExecutorID,
		SlaveID:     &mesos.AgentID{Value: id.AgentID},
		Status:      s,
		Timestamp:   s.Timestamp,
		UUID:        s.UUID,
	}
}
