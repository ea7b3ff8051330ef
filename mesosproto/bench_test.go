package mesosproto

import (
	"testing"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

func BenchmarkDecodeRunTaskMessage(b *testing.B) {
	body := enc(frameworkInfoF(2), str(3, httpPID), taskInfoF(4))
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		var m RunTaskMessage
		if err := Unmarshal(body, &m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeStatusUpdateMessage(b *testing.B) {
	var m StatusUpdateMessage
	if err := Unmarshal(enc(sub(1, statusUpdateFields(mesos.TASK_RUNNING, uuid1)...), str(2, execPID)), &m); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := proto.Marshal(&m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckGroupNesting is the scan Unmarshal makes before decoding,
// on the message the legacy agent decodes most (an update, 288 bytes).
func BenchmarkCheckGroupNesting(b *testing.B) {
	body := enc(sub(1, statusUpdateFields(mesos.TASK_RUNNING, uuid1)...), str(2, execPID))
	b.SetBytes(int64(len(body)))
	var m StatusUpdateMessage
	for b.Loop() {
		if err := checkGroupNesting(body, &m); err != nil {
			b.Fatal(err)
		}
	}
}
