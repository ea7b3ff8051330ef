package httpapi

import (
	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/executor"
)

// Sample values for the round trips: every Call and Event type, with
// optional fields set where they exist.

var (
	agentID     = mesos.AgentID{Value: "45382302-bcd3-40ea-b69a-c3dfc78377c3-S0"}
	frameworkID = mesos.FrameworkID{Value: "45382302-bcd3-40ea-b69a-c3dfc78377c3-0007"}
	executorID  = mesos.ExecutorID{Value: "v1-d-group-exec"}
	ackUUID     = []byte("\x87s\xa8\"\x9cMJg\xa4zq\x12i\x9f\x96\xc8")
	binaryData  = []byte("capture\x00\xff\x80 echo \xe2\x98\x83 end")
)

func ptr[T any](v T) *T { return &v }

func scalar(name string, v float64) mesos.Resource {
	return mesos.Resource{
		Name: name, Type: mesos.SCALAR.Enum(), Scalar: &mesos.Value_Scalar{Value: v},
		AllocationInfo: &mesos.Resource_AllocationInfo{Role: ptr("*")},
	}
}

func sampleExecutorInfo() mesos.ExecutorInfo {
	return mesos.ExecutorInfo{
		ExecutorID: executorID, FrameworkID: &frameworkID, Type: mesos.ExecutorInfo_CUSTOM,
		Resources: []mesos.Resource{scalar("cpus", 0.1), scalar("mem", 32)},
		Command:   &mesos.CommandInfo{Value: ptr("/opt/exec/refexec-v1"), Shell: ptr(false)},
		Name:      ptr("refexec-v1"),
	}
}

func sampleTask(id string) mesos.TaskInfo {
	info := sampleExecutorInfo()
	return mesos.TaskInfo{
		Name: id, TaskID: mesos.TaskID{Value: id}, AgentID: agentID,
		Resources: []mesos.Resource{scalar("cpus", 0.1), scalar("mem", 32)},
		Executor:  &info,
		Data:      binaryData,
		Labels:    &mesos.Labels{Labels: []mesos.Label{{Key: "k", Value: ptr("a > b & c")}}},
	}
}

func sampleStatus(id string, state mesos.TaskState) mesos.TaskStatus {
	return mesos.TaskStatus{
		TaskID: mesos.TaskID{Value: id}, State: state.Enum(), Message: ptr("command exited with status 0"),
		Source: mesos.SOURCE_EXECUTOR.Enum(), Reason: mesos.REASON_COMMAND_EXECUTOR_FAILED.Enum(),
		AgentID: &agentID, ExecutorID: &executorID, Timestamp: ptr(1795326039.041635),
		UUID: ackUUID, Healthy: ptr(false), Data: binaryData,
	}
}

func sampleEvents() map[string]*executor.Event {
	t1, t2 := sampleTask("t1"), sampleTask("t2")
	return map[string]*executor.Event{
		"SUBSCRIBED": {Type: executor.Event_SUBSCRIBED, Subscribed: &executor.Event_Subscribed{
			ExecutorInfo: sampleExecutorInfo(),
			FrameworkInfo: mesos.FrameworkInfo{User: "root", Name: "capture", ID: &frameworkID,
				Capabilities: []mesos.FrameworkInfo_Capability{{Type: mesos.FrameworkInfo_Capability_PARTITION_AWARE}}},
			AgentInfo: mesos.AgentInfo{Hostname: "localhost", ID: &agentID, Port: ptr(int32(5051)),
				Resources: []mesos.Resource{scalar("disk", 252899)}},
			ContainerID: &mesos.ContainerID{Value: "e470eeff-9f50-4397-b171-74c9a8613546"},
		}},
		"LAUNCH":       {Type: executor.Event_LAUNCH, Launch: &executor.Event_Launch{Task: t1}},
		"LAUNCH_GROUP": {Type: executor.Event_LAUNCH_GROUP, LaunchGroup: &executor.Event_LaunchGroup{TaskGroup: mesos.TaskGroupInfo{Tasks: []mesos.TaskInfo{t1, t2}}}},
		"KILL": {Type: executor.Event_KILL, Kill: &executor.Event_Kill{TaskID: t1.TaskID,
			KillPolicy: &mesos.KillPolicy{GracePeriod: &mesos.DurationInfo{Nanoseconds: 3e9}}}},
		"ACKNOWLEDGED": {Type: executor.Event_ACKNOWLEDGED, Acknowledged: &executor.Event_Acknowledged{TaskID: t1.TaskID, UUID: ackUUID}},
		"MESSAGE":      {Type: executor.Event_MESSAGE, Message: &executor.Event_Message{Data: binaryData}},
		"ERROR":        {Type: executor.Event_ERROR, Error: &executor.Event_Error{Message: "framework message too large"}},
		"SHUTDOWN":     {Type: executor.Event_SHUTDOWN},
		"HEARTBEAT":    {Type: executor.Event_HEARTBEAT},
		"UNKNOWN":      {Type: executor.Event_UNKNOWN},
	}
}

func sampleCalls() map[string]*executor.Call {
	base := func(t executor.Call_Type) *executor.Call {
		return &executor.Call{ExecutorID: executorID, FrameworkID: frameworkID, Type: t}
	}
	subscribe, resubscribe := base(executor.Call_SUBSCRIBE), base(executor.Call_SUBSCRIBE)
	subscribe.Subscribe = &executor.Call_Subscribe{}
	resubscribe.Subscribe = &executor.Call_Subscribe{
		UnacknowledgedTasks:   []mesos.TaskInfo{sampleTask("t1")},
		UnacknowledgedUpdates: []executor.Call_Update{{Status: sampleStatus("t2", mesos.TASK_FINISHED)}},
	}
	update, message := base(executor.Call_UPDATE), base(executor.Call_MESSAGE)
	update.Update = &executor.Call_Update{Status: sampleStatus("t1", mesos.TASK_RUNNING)}
	message.Message = &executor.Call_Message{Data: binaryData}
	return map[string]*executor.Call{
		"SUBSCRIBE": subscribe, "SUBSCRIBE with unacknowledged work": resubscribe,
		"UPDATE": update, "MESSAGE": message, "HEARTBEAT": HeartbeatCall(),
	}
}
