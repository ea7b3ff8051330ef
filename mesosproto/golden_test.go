package mesosproto

import (
	"testing"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/stretchr/testify/require"
)

// Values used in the golden bodies.
const (
	fwID      = "45382302-bcd3-40ea-b69a-c3dfc78377c3-0012"
	agentID   = "45382302-bcd3-40ea-b69a-c3dfc78377c3-S0"
	execID    = "exec-1"
	taskID    = "task-1"
	taskName  = "task one"
	execPID   = "executor(1)@127.0.0.1:45621"
	driverPID = "scheduler-7f3a@10.0.0.5:38211" // a framework using the scheduler driver
	httpPID   = "@0.0.0.0:0"                    // what agents send for an HTTP framework
	timestamp = 1795326177.482613               // seconds, fixed64 on the wire
	fwMessage = "capture\x00\xff\x80 echo \xe2\x98\x83 end"
)

var (
	uuid1 = []byte{0x0b, 0x61, 0x9f, 0x55, 0x32, 0x9e, 0x4b, 0xc1, 0x8e, 0x23, 0x5a, 0x1b, 0x0e, 0x7d, 0x0a, 0x22}
	uuid2 = []byte{0xd4, 0x1d, 0x8c, 0xd9, 0x8f, 0x00, 0x4b, 0x20, 0x9e, 0x80, 0x09, 0x98, 0xec, 0xf8, 0x42, 0x7e}
	uuid3 = []byte{0x9a, 0x2b, 0x7c, 0x1e, 0x55, 0x60, 0x43, 0x8d, 0xa1, 0x07, 0x3f, 0xe2, 0x40, 0x6b, 0x11, 0xc9}
)

// Nested Mesos values as an agent encodes them: fields in ascending tag order,
// as C++ protobuf writes them. Field numbers are from mesos.proto.

func frameworkIDf(num int) fld { return sub(num, str(1, fwID)) }
func agentIDf(num int) fld     { return sub(num, str(1, agentID)) }
func executorIDf(num int) fld  { return sub(num, str(1, execID)) }
func taskIDf(num int) fld      { return sub(num, str(1, taskID)) }

// cpus is a Resource{name: cpus, type: SCALAR, scalar: {value: v}}.
func cpus(num int, v float64) fld {
	return sub(num, str(1, "cpus"), vint(2, 0), sub(3, dbl(1, v)))
}

func frameworkInfoF(num int) fld {
	return sub(num,
		str(1, "root"),                   // user
		str(2, "mesos-execute instance"), // name
		frameworkIDf(3),                  // id
		vint(5, 1),                       // checkpoint
		str(6, "*"),                      // role
	)
}

// executorInfoF is a custom executor's ExecutorInfo. It carries type (15)
// because mesos-go always writes that field back; see TestNestedTypesLoseUnknownFields.
func executorInfoF(num int) fld {
	return sub(num,
		executorIDf(1),
		cpus(5, 0.1),
		sub(7, str(3, "/opt/exec/refexec"), vint(6, 0), str(7, "refexec")), // command: value, shell, arguments
		frameworkIDf(8),
		str(9, "refexec"), // name
		vint(15, 2),       // type CUSTOM
	)
}

// agentInfoF is a SlaveInfo without the v0-only field 7 (checkpoint).
func agentInfoF(num int) fld {
	return sub(num, str(1, "localhost"), cpus(3, 2), agentIDf(6), vint(8, 5051))
}

func taskInfoF(num int) fld {
	return sub(num,
		str(1, taskName),
		taskIDf(2),
		agentIDf(3),
		cpus(4, 0.1),
		executorInfoF(5),
		raw(6, []byte{0x00, 0x01, 0xff}), // data
	)
}

// taskStatusF is a TaskStatus as the executor driver builds it; a nil uuid
// leaves out status.uuid, as drivers before 0.23 did.
func taskStatusF(num int, state mesos.TaskState, uuid []byte) fld {
	fields := []fld{
		taskIDf(1),
		vint(2, uint64(state)),
		str(4, "state changed"), // message
		agentIDf(5),
		dbl(6, timestamp),
		executorIDf(7),
		vint(9, uint64(mesos.SOURCE_EXECUTOR)),
	}
	if uuid != nil {
		fields = append(fields, raw(11, uuid))
	}
	return sub(num, fields...)
}

// statusUpdateFields are the fields of a StatusUpdate as the driver sends it.
func statusUpdateFields(state mesos.TaskState, statusUUID []byte) []fld {
	return []fld{
		frameworkIDf(1),
		executorIDf(2),
		agentIDf(3),
		taskStatusF(4, state, statusUUID),
		dbl(5, timestamp),
		raw(6, uuid1),
	}
}

func fields(groups ...[]fld) []fld {
	var out []fld
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

// golden is one hand-built body, the message type it decodes into and the
// checks on the decoded value.
type golden struct {
	name  string
	wire  []byte
	new   func() proto.Message
	check func(t *testing.T, m proto.Message)
}

func gold[T any, P interface {
	*T
	proto.Message
}](name string, wire []byte, check func(t *testing.T, m P)) golden {
	return golden{
		name:  name,
		wire:  wire,
		new:   func() proto.Message { return P(new(T)) },
		check: func(t *testing.T, m proto.Message) { check(t, m.(P)) },
	}
}

// Field checks shared by the cases.

func requireFrameworkID(t *testing.T, id *mesos.FrameworkID) {
	t.Helper()
	require.NotNil(t, id)
	require.Equal(t, fwID, id.Value)
}

func requireAgentID(t *testing.T, id *mesos.AgentID) {
	t.Helper()
	require.NotNil(t, id)
	require.Equal(t, agentID, id.Value)
}

func requireExecutorID(t *testing.T, id *mesos.ExecutorID) {
	t.Helper()
	require.NotNil(t, id)
	require.Equal(t, execID, id.Value)
}

func requireTaskID(t *testing.T, id *mesos.TaskID) {
	t.Helper()
	require.NotNil(t, id)
	require.Equal(t, taskID, id.Value)
}

func requireFrameworkInfo(t *testing.T, fi *mesos.FrameworkInfo) {
	t.Helper()
	require.NotNil(t, fi)
	require.Equal(t, "root", fi.User)
	require.Equal(t, "mesos-execute instance", fi.Name)
	requireFrameworkID(t, fi.ID)
	require.True(t, fi.GetCheckpoint())
	require.Equal(t, "*", fi.GetRole())
}

func requireExecutorInfo(t *testing.T, ei *mesos.ExecutorInfo) {
	t.Helper()
	require.NotNil(t, ei)
	require.Equal(t, execID, ei.ExecutorID.Value)
	require.Equal(t, mesos.ExecutorInfo_CUSTOM, ei.GetType())
	require.Equal(t, "/opt/exec/refexec", ei.GetCommand().GetValue())
	require.False(t, ei.GetCommand().GetShell())
	require.Equal(t, []string{"refexec"}, ei.GetCommand().Arguments)
	requireFrameworkID(t, ei.FrameworkID)
	require.Equal(t, "refexec", ei.GetName())
	require.Len(t, ei.Resources, 1)
	require.Equal(t, 0.1, ei.Resources[0].GetScalar().GetValue())
}

func requireAgentInfo(t *testing.T, ai *mesos.AgentInfo) {
	t.Helper()
	require.NotNil(t, ai)
	require.Equal(t, "localhost", ai.Hostname)
	requireAgentID(t, ai.ID)
	require.Equal(t, int32(5051), ai.GetPort())
	require.Len(t, ai.Resources, 1)
	require.Equal(t, "cpus", ai.Resources[0].Name)
	require.Equal(t, 2.0, ai.Resources[0].GetScalar().GetValue())
}

func requireTaskInfo(t *testing.T, ti *mesos.TaskInfo) {
	t.Helper()
	require.NotNil(t, ti)
	require.Equal(t, taskName, ti.Name)
	require.Equal(t, taskID, ti.TaskID.Value)
	require.Equal(t, agentID, ti.AgentID.Value)
	require.Len(t, ti.Resources, 1)
	requireExecutorInfo(t, ti.Executor)
	require.Equal(t, []byte{0x00, 0x01, 0xff}, ti.Data)
}

func requireTaskStatus(t *testing.T, ts *mesos.TaskStatus, state mesos.TaskState, uuid []byte) {
	t.Helper()
	require.NotNil(t, ts)
	require.Equal(t, taskID, ts.TaskID.Value)
	require.Equal(t, state, ts.GetState())
	require.Equal(t, "state changed", ts.GetMessage())
	requireAgentID(t, ts.AgentID)
	require.Equal(t, timestamp, ts.GetTimestamp())
	requireExecutorID(t, ts.ExecutorID)
	require.Equal(t, mesos.SOURCE_EXECUTOR, ts.GetSource())
	require.Equal(t, uuid, ts.UUID)
}

func requireStatusUpdate(t *testing.T, u *StatusUpdate, state mesos.TaskState, statusUUID []byte) {
	t.Helper()
	require.NotNil(t, u)
	requireFrameworkID(t, u.FrameworkID)
	requireExecutorID(t, u.ExecutorID)
	requireAgentID(t, u.SlaveID)
	requireTaskStatus(t, u.Status, state, statusUUID)
	require.NotNil(t, u.Timestamp)
	require.Equal(t, timestamp, *u.Timestamp)
	require.Equal(t, uuid1, u.UUID)
}

// goldens are bodies as agents (A→E) and executor drivers (E→A) of the 0.2x
// and 1.x lines write them, built from the messages' fields in Mesos's
// src/messages/messages.proto at those release tags.
// Every one is in ascending tag order, unknown fields last, which is also the
// order gogo writes, so each must re-encode to exactly the same bytes.
var goldens = []golden{
	gold("RegisterExecutorMessage", enc(frameworkIDf(1), executorIDf(2)),
		func(t *testing.T, m *RegisterExecutorMessage) {
			requireFrameworkID(t, m.FrameworkID)
			requireExecutorID(t, m.ExecutorID)
		}),

	gold("ExecutorRegisteredMessage/no tag 1",
		enc(executorInfoF(2), frameworkIDf(3), frameworkInfoF(4), agentIDf(5), agentInfoF(6)),
		func(t *testing.T, m *ExecutorRegisteredMessage) {
			requireExecutorInfo(t, m.ExecutorInfo)
			requireFrameworkID(t, m.FrameworkID)
			requireFrameworkInfo(t, m.FrameworkInfo)
			requireAgentID(t, m.SlaveID)
			requireAgentInfo(t, m.SlaveInfo)
			require.Nil(t, m.XXX_unrecognized)
		}),

	gold("ReconnectExecutorMessage", enc(agentIDf(1)),
		func(t *testing.T, m *ReconnectExecutorMessage) {
			requireAgentID(t, m.SlaveID)
		}),

	gold("ReregisterExecutorMessage/no tasks or updates", enc(executorIDf(1), frameworkIDf(2)),
		func(t *testing.T, m *ReregisterExecutorMessage) {
			requireExecutorID(t, m.ExecutorID)
			requireFrameworkID(t, m.FrameworkID)
			require.Empty(t, m.Tasks)
			require.Empty(t, m.Updates)
		}),

	gold("ReregisterExecutorMessage/tasks and updates",
		enc(executorIDf(1), frameworkIDf(2), taskInfoF(3), taskInfoF(3),
			sub(4, statusUpdateFields(mesos.TASK_RUNNING, uuid1)...),
			sub(4, statusUpdateFields(mesos.TASK_FINISHED, uuid1)...)),
		func(t *testing.T, m *ReregisterExecutorMessage) {
			requireExecutorID(t, m.ExecutorID)
			requireFrameworkID(t, m.FrameworkID)
			require.Len(t, m.Tasks, 2)
			requireTaskInfo(t, &m.Tasks[0])
			requireTaskInfo(t, &m.Tasks[1])
			require.Len(t, m.Updates, 2)
			requireStatusUpdate(t, &m.Updates[0], mesos.TASK_RUNNING, uuid1)
			requireStatusUpdate(t, &m.Updates[1], mesos.TASK_FINISHED, uuid1)
		}),

	gold("ExecutorReregisteredMessage", enc(agentIDf(1), agentInfoF(2)),
		func(t *testing.T, m *ExecutorReregisteredMessage) {
			requireAgentID(t, m.SlaveID)
			requireAgentInfo(t, m.SlaveInfo)
		}),

	gold("RunTaskMessage/0.22-0.23 agent with framework_id and a driver pid",
		enc(frameworkIDf(1), frameworkInfoF(2), str(3, driverPID), taskInfoF(4)),
		func(t *testing.T, m *RunTaskMessage) {
			requireFrameworkID(t, m.FrameworkID)
			requireFrameworkInfo(t, m.Framework)
			require.Equal(t, driverPID, m.GetPID())
			requireTaskInfo(t, m.Task)
			require.Empty(t, m.ResourceVersionUUIDs)
			require.Nil(t, m.LaunchExecutor)
		}),

	gold("RunTaskMessage/1.x agent, HTTP framework",
		enc(frameworkInfoF(2), str(3, httpPID), taskInfoF(4)),
		func(t *testing.T, m *RunTaskMessage) {
			require.Nil(t, m.FrameworkID)
			requireFrameworkInfo(t, m.Framework)
			require.Equal(t, httpPID, m.GetPID())
			requireTaskInfo(t, m.Task)
			require.Empty(t, m.ResourceVersionUUIDs)
			require.Nil(t, m.LaunchExecutor)
		}),

	gold("RunTaskMessage/1.6 resource_version_uuids and launch_executor",
		enc(frameworkInfoF(2), str(3, httpPID), taskInfoF(4),
			sub(5, sub(2, raw(1, uuid2))),
			sub(5, sub(1, str(1, "rp-1")), sub(2, raw(1, uuid3))),
			vint(6, 1)),
		func(t *testing.T, m *RunTaskMessage) {
			requireFrameworkInfo(t, m.Framework)
			requireTaskInfo(t, m.Task)
			require.Len(t, m.ResourceVersionUUIDs, 2)
			require.Nil(t, m.ResourceVersionUUIDs[0].ResourceProviderID)
			require.Equal(t, uuid2, m.ResourceVersionUUIDs[0].UUID.Value)
			require.Equal(t, "rp-1", m.ResourceVersionUUIDs[1].ResourceProviderID.Value)
			require.Equal(t, uuid3, m.ResourceVersionUUIDs[1].UUID.Value)
			require.NotNil(t, m.LaunchExecutor)
			require.True(t, *m.LaunchExecutor)
		}),

	gold("KillTaskMessage/without kill_policy", enc(frameworkIDf(1), taskIDf(2)),
		func(t *testing.T, m *KillTaskMessage) {
			requireFrameworkID(t, m.FrameworkID)
			requireTaskID(t, m.TaskID)
			require.Nil(t, m.KillPolicy)
		}),

	gold("KillTaskMessage/1.x kill_policy", enc(frameworkIDf(1), taskIDf(2), sub(3, sub(1, vint(1, 3e9)))),
		func(t *testing.T, m *KillTaskMessage) {
			requireFrameworkID(t, m.FrameworkID)
			requireTaskID(t, m.TaskID)
			require.NotNil(t, m.KillPolicy)
			require.Equal(t, int64(3e9), m.KillPolicy.GetGracePeriod().Nanoseconds)
		}),

	gold("StatusUpdateMessage/0.23+ driver, uuid in status and update",
		enc(sub(1, statusUpdateFields(mesos.TASK_RUNNING, uuid1)...), str(2, execPID)),
		func(t *testing.T, m *StatusUpdateMessage) {
			requireStatusUpdate(t, m.Update, mesos.TASK_RUNNING, uuid1)
			require.Nil(t, m.Update.LatestState)
			require.Equal(t, execPID, m.GetPID())
		}),

	gold("StatusUpdateMessage/0.22 driver, uuid in update only",
		enc(sub(1, statusUpdateFields(mesos.TASK_FAILED, nil)...), str(2, execPID)),
		func(t *testing.T, m *StatusUpdateMessage) {
			requireStatusUpdate(t, m.Update, mesos.TASK_FAILED, nil)
			require.Equal(t, execPID, m.GetPID())
		}),

	gold("StatusUpdate/with uuid and latest_state",
		enc(fields(statusUpdateFields(mesos.TASK_FINISHED, uuid1), []fld{vint(7, uint64(mesos.TASK_RUNNING))})...),
		func(t *testing.T, m *StatusUpdate) {
			requireStatusUpdate(t, m, mesos.TASK_FINISHED, uuid1)
			require.NotNil(t, m.LatestState)
			require.Equal(t, mesos.TASK_RUNNING, *m.LatestState)
		}),

	gold("StatusUpdateAcknowledgementMessage", enc(agentIDf(1), frameworkIDf(2), taskIDf(3), raw(4, uuid1)),
		func(t *testing.T, m *StatusUpdateAcknowledgementMessage) {
			requireAgentID(t, m.SlaveID)
			requireFrameworkID(t, m.FrameworkID)
			requireTaskID(t, m.TaskID)
			require.Equal(t, uuid1, m.UUID)
		}),

	gold("FrameworkToExecutorMessage", enc(agentIDf(1), frameworkIDf(2), executorIDf(3), str(4, fwMessage)),
		func(t *testing.T, m *FrameworkToExecutorMessage) {
			requireAgentID(t, m.SlaveID)
			requireFrameworkID(t, m.FrameworkID)
			requireExecutorID(t, m.ExecutorID)
			require.Equal(t, []byte(fwMessage), m.Data)
		}),

	gold("FrameworkToExecutorMessage/empty data is present", enc(agentIDf(1), frameworkIDf(2), executorIDf(3), str(4, "")),
		func(t *testing.T, m *FrameworkToExecutorMessage) {
			require.NotNil(t, m.Data)
			require.Empty(t, m.Data)
		}),

	gold("ExecutorToFrameworkMessage", enc(agentIDf(1), frameworkIDf(2), executorIDf(3), str(4, fwMessage)),
		func(t *testing.T, m *ExecutorToFrameworkMessage) {
			requireAgentID(t, m.SlaveID)
			requireFrameworkID(t, m.FrameworkID)
			requireExecutorID(t, m.ExecutorID)
			require.Equal(t, []byte(fwMessage), m.Data)
		}),

	gold("ShutdownExecutorMessage/empty body as agents send it", []byte{},
		func(t *testing.T, m *ShutdownExecutorMessage) {
			require.Nil(t, m.ExecutorID)
			require.Nil(t, m.FrameworkID)
		}),

	gold("ShutdownExecutorMessage/with fields", enc(executorIDf(1), frameworkIDf(2)),
		func(t *testing.T, m *ShutdownExecutorMessage) {
			requireExecutorID(t, m.ExecutorID)
			requireFrameworkID(t, m.FrameworkID)
		}),

	gold("RunTaskMessage/unknown varint field 99 is kept",
		enc(frameworkInfoF(2), str(3, httpPID), taskInfoF(4), vint(99, 7)),
		func(t *testing.T, m *RunTaskMessage) {
			requireFrameworkInfo(t, m.Framework)
			requireTaskInfo(t, m.Task)
			require.Equal(t, enc(vint(99, 7)), m.XXX_unrecognized)
		}),

	gold("KillTaskMessage/unknown length-delimited and fixed64 fields are kept",
		enc(frameworkIDf(1), taskIDf(2), str(99, "future"), dbl(100, 1.5)),
		func(t *testing.T, m *KillTaskMessage) {
			requireTaskID(t, m.TaskID)
			require.Equal(t, enc(str(99, "future"), dbl(100, 1.5)), m.XXX_unrecognized)
		}),

	gold("StatusUpdateMessage/unknown field inside the embedded StatusUpdate is kept",
		enc(sub(1, fields(statusUpdateFields(mesos.TASK_RUNNING, uuid1), []fld{str(42, "future")})...), str(2, execPID)),
		func(t *testing.T, m *StatusUpdateMessage) {
			requireStatusUpdate(t, m.Update, mesos.TASK_RUNNING, uuid1)
			require.Equal(t, enc(str(42, "future")), m.Update.XXX_unrecognized)
			require.Nil(t, m.XXX_unrecognized)
		}),
}

func TestGoldenBodiesDecodeAndReencodeExactly(t *testing.T) {
	for _, g := range goldens {
		t.Run(g.name, func(t *testing.T) {
			m := g.new()
			require.NoError(t, Unmarshal(g.wire, m))
			g.check(t, m)

			require.Equal(t, len(g.wire), proto.Size(m), "generated Size")
			out, err := proto.Marshal(m)
			require.NoError(t, err)
			require.Equal(t, g.wire, out)
		})
	}
}

// Every message type named in the task appears in the goldens.
func TestGoldensCoverEveryMessage(t *testing.T) {
	seen := map[string]bool{}
	for _, g := range goldens {
		seen[Name(g.new())] = true
	}
	for _, m := range legacyMessages() {
		require.True(t, seen[Name(m)], "no golden body for %s", Name(m))
	}
}
