package mesosproto

import (
	"reflect"
	"testing"

	"github.com/gogo/protobuf/proto"
	"github.com/mesos/mesos-go/api/v1/lib/executor"
	"github.com/stretchr/testify/require"
)

// legacyMessages returns one empty value of each message an executor sends or
// receives on the legacy wire (the embedded StatusUpdate included).
func legacyMessages() []proto.Message {
	return []proto.Message{
		&RegisterExecutorMessage{},
		&ExecutorRegisteredMessage{},
		&ReregisterExecutorMessage{},
		&ExecutorReregisteredMessage{},
		&ReconnectExecutorMessage{},
		&RunTaskMessage{},
		&KillTaskMessage{},
		&StatusUpdateMessage{},
		&StatusUpdate{},
		&StatusUpdateAcknowledgementMessage{},
		&FrameworkToExecutorMessage{},
		&ExecutorToFrameworkMessage{},
		&ShutdownExecutorMessage{},
	}
}

func TestNameIsTheLibprocessName(t *testing.T) {
	all := append(legacyMessages(), &ResourceVersionUUID{})
	for _, m := range all {
		goName := reflect.TypeOf(m).Elem().Name()
		require.Equal(t, "mesos.internal."+goName, Name(m))
		// The name is registered, so a receiver can look the type up by it.
		require.Equal(t, reflect.TypeOf(m), proto.MessageType(Name(m)))
	}
	require.Len(t, legacyMessages(), 13)
}

func TestExecutorEventNameIsMesosGosExecutorEvent(t *testing.T) {
	require.Equal(t, ExecutorEventName, Name(&executor.Event{}))
}
