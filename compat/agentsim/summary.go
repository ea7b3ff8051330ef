package agentsim

import (
	"fmt"
	"strings"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/executor"

	"github.com/mesos-shim/executor/mesosproto"
)

// shortName is a message's libprocess name without "mesos.internal.".
func shortName(name string) string { return strings.TrimPrefix(name, "mesos.internal.") }

// describe is the trace entry for message m, without time and direction.
func describe(m proto.Message) Entry {
	e := Entry{Name: shortName(mesosproto.Name(m))}
	switch m := m.(type) {
	case *mesosproto.RegisterExecutorMessage:
		e.Detail = "executor=" + m.GetExecutorID().GetValue()
	case *mesosproto.ExecutorRegisteredMessage:
		e.Detail = "executor=" + m.GetExecutorInfo().GetExecutorID().Value + " agent=" + m.GetSlaveID().GetValue()
	case *mesosproto.ReregisterExecutorMessage:
		e.Detail = reregisterDetail(m)
	case *mesosproto.ExecutorReregisteredMessage:
		e.Detail = "agent=" + m.GetSlaveID().GetValue()
	case *mesosproto.ReconnectExecutorMessage:
		e.Detail = "agent=" + m.GetSlaveID().GetValue()
	case *mesosproto.RunTaskMessage:
		e.TaskID = m.GetTask().GetTaskID().Value
		e.Detail = commandDetail(m.GetTask())
	case *mesosproto.KillTaskMessage:
		e.TaskID = m.GetTaskID().GetValue()
		if gp := m.GetKillPolicy().GetGracePeriod(); gp != nil {
			e.Detail = fmt.Sprintf("grace=%dns", gp.GetNanoseconds())
		}
	case *mesosproto.StatusUpdateMessage:
		describeUpdate(&e, m.GetUpdate())
		e.Detail = "pid=" + m.GetPID()
	case *mesosproto.StatusUpdateAcknowledgementMessage:
		e.TaskID, e.UUID = m.GetTaskID().GetValue(), m.UUID
	case *mesosproto.FrameworkToExecutorMessage:
		e.Data, e.Detail = append([]byte(nil), m.Data...), dataDetail(m.Data)
	case *mesosproto.ExecutorToFrameworkMessage:
		e.Data, e.Detail = append([]byte(nil), m.Data...), dataDetail(m.Data)
	case *executor.Event:
		e.Detail = eventDetail(m)
	}
	return e
}

func describeUpdate(e *Entry, u *mesosproto.StatusUpdate) {
	s := u.GetStatus()
	e.TaskID, e.UUID = s.GetTaskID().Value, u.GetUUID()
	if s != nil && s.State != nil {
		e.State = s.State.String()
	}
}

func reregisterDetail(m *mesosproto.ReregisterExecutorMessage) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d task(s), %d update(s)", len(m.Tasks), len(m.Updates))
	for i := range m.Updates {
		var e Entry
		describeUpdate(&e, &m.Updates[i])
		fmt.Fprintf(&b, " [%s %s %s]", e.TaskID, e.State, ShortUUID(e.UUID))
	}
	return b.String()
}

func commandDetail(t *mesos.TaskInfo) string {
	if c := t.GetCommand(); c.GetValue() != "" {
		return fmt.Sprintf("command=%q", c.GetValue())
	}
	return ""
}

func eventDetail(ev *executor.Event) string {
	if ev.Type != executor.Event_LAUNCH_GROUP || ev.LaunchGroup == nil {
		return ev.Type.String()
	}
	var ids []string
	for _, t := range ev.LaunchGroup.TaskGroup.Tasks {
		ids = append(ids, t.TaskID.Value)
	}
	return "LAUNCH_GROUP tasks=" + strings.Join(ids, ",")
}

func dataDetail(data []byte) string {
	const max = 40
	if len(data) > max {
		return fmt.Sprintf("data=%q… (%d bytes)", data[:max], len(data))
	}
	return fmt.Sprintf("data=%q", data)
}

// describeCall is the trace entry for a v1 call.
func describeCall(c *executor.Call) Entry {
	e := Entry{Dir: FromExecutor, Wire: WireV1, Name: c.Type.String()}
	switch c.Type {
	case executor.Call_SUBSCRIBE:
		e.Detail = subscribeDetail(c.Subscribe)
	case executor.Call_UPDATE:
		if c.Update != nil {
			s := &c.Update.Status
			e.TaskID, e.UUID = s.TaskID.Value, s.UUID
			if s.State != nil {
				e.State = s.State.String()
			}
		}
	case executor.Call_MESSAGE:
		if c.Message != nil {
			e.Data, e.Detail = append([]byte(nil), c.Message.Data...), dataDetail(c.Message.Data)
		}
	}
	if c.Type != executor.Call_HEARTBEAT && c.ExecutorID.Value != "" {
		e.Detail = strings.TrimSpace(e.Detail + " executor=" + c.ExecutorID.Value)
	}
	return e
}

func subscribeDetail(s *executor.Call_Subscribe) string {
	if s == nil {
		return "no subscribe"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d unacknowledged task(s), %d update(s)", len(s.UnacknowledgedTasks), len(s.UnacknowledgedUpdates))
	for i := range s.UnacknowledgedUpdates {
		st := &s.UnacknowledgedUpdates[i].Status
		fmt.Fprintf(&b, " [%s %s %s]", st.TaskID.Value, st.GetState(), ShortUUID(st.UUID))
	}
	return b.String()
}

// describeEvent is the trace entry for a v1 event.
func describeEvent(ev *executor.Event) Entry {
	e := Entry{Dir: ToExecutor, Wire: WireV1, Name: ev.Type.String()}
	switch {
	case ev.Subscribed != nil:
		e.Detail = fmt.Sprintf("executor=%s agent=%s", ev.Subscribed.ExecutorInfo.ExecutorID.Value, ev.Subscribed.AgentInfo.GetID().GetValue())
		if id := ev.Subscribed.ContainerID; id != nil {
			e.Detail += " container=" + id.Value
		}
	case ev.Launch != nil:
		e.TaskID, e.Detail = ev.Launch.Task.TaskID.Value, commandDetail(&ev.Launch.Task)
	case ev.LaunchGroup != nil:
		e.Detail = eventDetail(ev)
	case ev.Kill != nil:
		e.TaskID = ev.Kill.TaskID.Value
		if gp := ev.Kill.GetKillPolicy().GetGracePeriod(); gp != nil {
			e.Detail = fmt.Sprintf("grace=%dns", gp.GetNanoseconds())
		}
	case ev.Acknowledged != nil:
		e.TaskID, e.UUID = ev.Acknowledged.TaskID.Value, ev.Acknowledged.UUID
	case ev.Message != nil:
		e.Data, e.Detail = append([]byte(nil), ev.Message.Data...), dataDetail(ev.Message.Data)
	case ev.Error != nil:
		e.Detail = ev.Error.Message
	}
	return e
}
