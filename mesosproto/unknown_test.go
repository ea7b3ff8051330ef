package mesosproto

import (
	"errors"
	"testing"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/stretchr/testify/require"
)

// Our messages keep unknown top-level fields (see the goldens), but mesos-go's
// v1 types are generated without XXX_unrecognized: an unknown field inside a
// nested Mesos type is dropped on decoding. The agent's SlaveInfo carries
// field 7 (checkpoint), which v1 AgentInfo does not have, so it is lost.
// Also, mesos-go writes ExecutorInfo.type (15) even when the sender left it
// out, as UNKNOWN (0). This test pins both down.
func TestNestedTypesLoseUnknownFields(t *testing.T) {
	slaveInfo := func(checkpoint bool) fld {
		fields := []fld{str(1, "localhost"), agentIDf(6)}
		if checkpoint {
			fields = append(fields, vint(7, 1)) // SlaveInfo.checkpoint, v0 only
		}
		return sub(2, append(fields, vint(8, 5051))...)
	}
	in := enc(agentIDf(1), slaveInfo(true), str(99, "kept"))

	var m ExecutorReregisteredMessage
	require.NoError(t, Unmarshal(in, &m))
	requireAgentID(t, m.SlaveID)
	require.Equal(t, "localhost", m.SlaveInfo.Hostname)
	require.Equal(t, enc(str(99, "kept")), m.XXX_unrecognized, "top-level unknown field kept")

	out, err := proto.Marshal(&m)
	require.NoError(t, err)
	require.Equal(t, enc(agentIDf(1), slaveInfo(false), str(99, "kept")), out, "SlaveInfo.checkpoint dropped")

	// ExecutorInfo without a type comes back with type UNKNOWN.
	noType := enc(sub(2, executorIDf(1), frameworkIDf(8)))
	var reg ExecutorRegisteredMessage
	require.NoError(t, Unmarshal(noType, &reg))
	require.Equal(t, mesos.ExecutorInfo_UNKNOWN, reg.ExecutorInfo.GetType())
	out, err = proto.Marshal(&reg)
	require.NoError(t, err)
	require.Equal(t, enc(sub(2, executorIDf(1), frameworkIDf(8), vint(15, 0))), out)
}

// Fields Mesos declares required are optional in our schema: a body without
// them decodes, and the driver decides what is missing.
func TestMissingMesosRequiredFieldsStillDecode(t *testing.T) {
	var reg RegisterExecutorMessage
	require.NoError(t, Unmarshal(enc(executorIDf(2)), &reg))
	require.Nil(t, reg.FrameworkID)
	requireExecutorID(t, reg.ExecutorID)

	var upd StatusUpdateMessage
	require.NoError(t, Unmarshal(enc(sub(1, frameworkIDf(1)), str(2, execPID)), &upd))
	require.Nil(t, upd.Update.Status)
	require.Nil(t, upd.Update.Timestamp)
	require.Equal(t, execPID, upd.GetPID())

	var ack StatusUpdateAcknowledgementMessage
	require.NoError(t, Unmarshal(nil, &ack))
	require.Nil(t, ack.UUID)
}

// Inside mesos-go's types, required fields are still checked: a FrameworkID
// without its value is an error, like a C++ receiver's parse failure. The
// error is returned, never swallowed.
func TestMissingRequiredFieldInNestedTypeIsAnError(t *testing.T) {
	var reg RegisterExecutorMessage
	err := Unmarshal(enc(sub(1), executorIDf(2)), &reg)
	require.Error(t, err)
	var notSet *proto.RequiredNotSetError
	require.True(t, errors.As(err, &notSet), "got %T: %v", err, err)
}

// Encoding checks them too: a nested mesos-go value that lacks a field Mesos
// requires (here a TaskStatus without its state) makes encoding fail with a
// *proto.RequiredNotSetError and no bytes, so nothing half-written can be
// sent. (gogo's table marshaller, used before the marshaller was generated,
// returned a truncated body along with the error.)
func TestEncodingMissingRequiredFieldInNestedTypeIsAnError(t *testing.T) {
	m := &StatusUpdateMessage{Update: &StatusUpdate{
		FrameworkID: &mesos.FrameworkID{Value: "f"},
		Status:      &mesos.TaskStatus{TaskID: mesos.TaskID{Value: "t"}},
	}}
	b, err := proto.Marshal(m)
	var notSet *proto.RequiredNotSetError
	require.True(t, errors.As(err, &notSet), "got %T: %v", err, err)
	require.Nil(t, b)
}
