package mesosgov0

import (
	"testing"

	"github.com/gogo/protobuf/proto"
	v0 "github.com/mesos/mesos-go/api/v0/mesosproto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/stretchr/testify/require"
)

// Fields the 0.24-era v0 types do not know survive a trip through them.
func TestConvertKeepsFieldsV0DoesNotKnow(t *testing.T) {
	in := mesos.TaskInfo{
		Name:       "t1",
		TaskID:     mesos.TaskID{Value: "t1"},
		AgentID:    mesos.AgentID{Value: "a1"},
		KillPolicy: &mesos.KillPolicy{GracePeriod: &mesos.DurationInfo{Nanoseconds: 7}},
		Data:       []byte("payload"),
	}
	var mid v0.TaskInfo
	require.NoError(t, convert(&in, &mid))
	require.Equal(t, "t1", mid.GetTaskId().GetValue())
	require.Equal(t, "a1", mid.GetSlaveId().GetValue())
	require.Equal(t, []byte("payload"), mid.GetData())
	var out mesos.TaskInfo
	require.NoError(t, convert(&mid, &out))
	require.Equal(t, in, out)
}

// A v1 ExecutorInfo without a command (which v0 declares required) is
// delivered as decoded.
func TestConvertToleratesMissingRequiredFields(t *testing.T) {
	in := mesos.ExecutorInfo{ExecutorID: mesos.ExecutorID{Value: "e1"}, Name: proto.String("default")}
	var out v0.ExecutorInfo
	require.NoError(t, convert(&in, &out))
	require.Equal(t, "e1", out.GetExecutorId().GetValue())
	require.Equal(t, "default", out.GetName())
	require.Nil(t, out.Command)
}

// A v0 TaskStatus the executor left incomplete is refused, not sent.
func TestConvertRefusesAnIncompleteStatus(t *testing.T) {
	var out mesos.TaskStatus
	require.Error(t, convert(&v0.TaskStatus{State: v0.TaskState_TASK_RUNNING.Enum()}, &out))
}
