package mesosproto

import (
	"fmt"

	"github.com/gogo/protobuf/proto"
)

// ExecutorEventName is the libprocess name under which an agent delivers an
// unversioned executor Event to a PID executor. Agents use it for
// LAUNCH_GROUP, which has no mesos.internal message. This package does not
// define the type: decode the body into mesos-go's executor.Event
// (github.com/mesos/mesos-go/api/v1/lib/executor), which has the same
// encoding.
const ExecutorEventName = "mesos.executor.Event"

// Name returns the libprocess message name of m, which is its full protobuf
// name: Name(&RunTaskMessage{}) is "mesos.internal.RunTaskMessage". It also
// works for other gogo-registered types (for mesos-go's *executor.Event it
// returns ExecutorEventName) and returns "" for an unregistered type.
func Name(m proto.Message) string {
	return proto.MessageName(m)
}

// Unmarshal resets m and decodes data into it. Use it rather than
// proto.Unmarshal or m.Unmarshal for bodies read from the network: the
// decoders of mesos-go v0.0.11's nested types predate gogo's length overflow
// checks and panic on a length field close to 2^63. Unmarshal turns such a
// panic into an error, so a garbage body always yields an error. Those
// decoders also skip an unknown group by recursion, without a bound, so
// Unmarshal first refuses groups nested more than MaxGroupDepth deep,
// which would exhaust the stack (a fatal error, past any recover).
func Unmarshal(data []byte, m proto.Message) (err error) {
	if err := checkGroupNesting(data, m); err != nil {
		return fmt.Errorf("mesosproto: malformed %s: %w", Name(m), err)
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("mesosproto: malformed %s: %v", Name(m), r)
		}
	}()
	return proto.Unmarshal(data, m)
}
