package httpapi

import (
	"fmt"

	"github.com/gogo/protobuf/proto"

	"github.com/mesos-shim/executor/mesosproto"
)

// marshaler is what gogo generates for every mesos-go message.
type marshaler interface {
	proto.Message
	Marshal() ([]byte, error)
}

func encodeProtobuf(m marshaler) ([]byte, error) {
	data, err := m.Marshal()
	if err != nil {
		return nil, fmt.Errorf("httpapi: encode %s: %w", proto.MessageName(m), err)
	}
	return data, nil
}

// decodeProtobuf decodes data into m, turning a decoder panic into an error.
func decodeProtobuf(data []byte, m proto.Message) error {
	return mesosproto.Unmarshal(data, m)
}
