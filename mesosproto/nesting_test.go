package mesosproto

import (
	"bytes"
	"encoding/binary"
	"testing"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/executor"
	"github.com/stretchr/testify/require"
)

// lengthField encodes field num, of wire type 2, holding value.
func lengthField(num int, value []byte) []byte {
	b := binary.AppendUvarint(nil, uint64(num)<<3|2)
	b = binary.AppendUvarint(b, uint64(len(value)))
	return append(b, value...)
}

// groups is an unknown field 99 holding depth groups nested one in
// another, each closed unless open.
func groups(depth int, open bool) []byte {
	start, end := binary.AppendUvarint(nil, 99<<3|3), binary.AppendUvarint(nil, 99<<3|4)
	b := bytes.Repeat(start, depth)
	if !open {
		b = append(b, bytes.Repeat(end, depth)...)
	}
	return b
}

// minimalTask is a TaskInfo's required fields, encoded.
func minimalTask(extra ...[]byte) []byte {
	b := lengthField(1, []byte("name"))
	b = append(b, lengthField(2, lengthField(1, []byte("task")))...)
	b = append(b, lengthField(3, lengthField(1, []byte("agent")))...)
	for _, e := range extra {
		b = append(b, e...)
	}
	return b
}

// A few megabytes of start-group tags in a task an attacker posts to the
// executor's port made mesos-go's decoder recurse until the stack ran out,
// which kills the process. They are now refused, at once.
func TestDeeplyNestedGroupsAreRefusedNotFatal(t *testing.T) {
	body := lengthField(4, minimalTask(groups(12<<20, true)))
	err := Unmarshal(body, &RunTaskMessage{})
	require.ErrorContains(t, err, "malformed mesos.internal.RunTaskMessage: groups nested more than 100 deep")
}

// Nesting up to the C++ decoder's limit is decoded as before, wherever a
// message holds it: in the message, in a repeated message, in a map's
// value; one more is refused.
func TestGroupNestingIsBoundedWhereverTheDecoderSkipsIt(t *testing.T) {
	resource := append(lengthField(1, []byte("cpus")), 2<<3|0, 0) // name, type SCALAR
	// limit is TaskInfo.limits["cpus"] = Value.Scalar{1}, with g in the scalar.
	limit := func(g []byte) []byte {
		scalar := append(append(binary.AppendUvarint(nil, 1<<3|1), make([]byte, 8)...), g...)
		return lengthField(15, append(lengthField(1, []byte("cpus")), lengthField(2, scalar)...))
	}
	for name, place := range map[string]func(g []byte) []byte{
		"in the task":    func(g []byte) []byte { return g },
		"in a resource":  func(g []byte) []byte { return lengthField(4, append(append([]byte{}, resource...), g...)) },
		"in a map value": limit,
		"in the task's executor": func(g []byte) []byte {
			return lengthField(5, append(lengthField(1, lengthField(1, []byte("e"))), g...))
		},
	} {
		t.Run(name, func(t *testing.T) {
			var m RunTaskMessage
			require.NoError(t, Unmarshal(lengthField(4, minimalTask(place(groups(MaxGroupDepth, false)))), &m))
			require.Equal(t, "task", m.Task.TaskID.Value)
			err := Unmarshal(lengthField(4, minimalTask(place(groups(MaxGroupDepth+1, false)))), &m)
			require.ErrorContains(t, err, "groups nested more than 100 deep")
		})
	}
}

// Bytes fields hold anything: start-group tags in a task's data or a
// framework message are data, which the decoder never reads as fields.
func TestBytesFieldsMayHoldWhatLooksLikeGroups(t *testing.T) {
	data := groups(10_000, true)
	var run RunTaskMessage
	require.NoError(t, Unmarshal(lengthField(4, minimalTask(lengthField(6, data))), &run))
	require.Equal(t, data, run.Task.Data)

	var msg FrameworkToExecutorMessage
	require.NoError(t, Unmarshal(lengthField(4, data), &msg))
	require.Equal(t, data, msg.Data)

	var e executor.Event
	event := append([]byte{1 << 3, byte(executor.Event_MESSAGE)}, lengthField(6, lengthField(1, data))...)
	require.NoError(t, Unmarshal(event, &e))
	require.Equal(t, data, e.GetMessage().Data)
}

// The check costs no allocation for an acknowledgement, the message the
// legacy wire receives most.
func TestGroupNestingCheckDoesNotAllocate(t *testing.T) {
	ack := &StatusUpdateAcknowledgementMessage{SlaveID: &mesos.AgentID{Value: "agent"},
		FrameworkID: &mesos.FrameworkID{Value: "framework"}, TaskID: &mesos.TaskID{Value: "task"}, UUID: make([]byte, 16)}
	body, err := ack.Marshal()
	require.NoError(t, err)
	require.NoError(t, checkGroupNesting(body, ack))
	require.Zero(t, testing.AllocsPerRun(100, func() { _ = checkGroupNesting(body, ack) }))
}
