package mesosgov0

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/gogo/protobuf/proto"
	v0 "github.com/mesos/mesos-go/api/v0/mesosproto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/mesos-shim/executor/internal/fuzzseed"
	"github.com/mesos-shim/executor/mesosproto"
)

// message is what both generations of mesos-go types are.
type message interface {
	proto.Message
	Marshal() ([]byte, error)
	Unmarshal([]byte) error
	Equal(any) bool
}

// crossing is a pair of the types convert moves a message between, in the
// direction the adapter uses first: v1 to v0 for what the driver hands the
// executor, v0 to v1 for the TaskStatus the executor sends.
type crossing struct {
	name     string
	from, to func() message
}

var crossings = []crossing{
	{"ExecutorInfo", func() message { return &mesos.ExecutorInfo{} }, func() message { return &v0.ExecutorInfo{} }},
	{"FrameworkInfo", func() message { return &mesos.FrameworkInfo{} }, func() message { return &v0.FrameworkInfo{} }},
	{"AgentInfo", func() message { return &mesos.AgentInfo{} }, func() message { return &v0.SlaveInfo{} }},
	{"TaskInfo", func() message { return &mesos.TaskInfo{} }, func() message { return &v0.TaskInfo{} }},
	{"TaskID", func() message { return &mesos.TaskID{} }, func() message { return &v0.TaskID{} }},
	{"TaskStatus", func() message { return &v0.TaskStatus{} }, func() message { return &mesos.TaskStatus{} }},
}

func crossingKind(name string) uint8 {
	for i, c := range crossings {
		if c.name == name {
			return uint8(i)
		}
	}
	panic("no crossing " + name)
}

// FuzzConvertRoundTrip decodes arbitrary bytes as one of the messages the
// adapter converts (picked by kind) and converts it to the other
// generation and back. Every v1 message that decodes must reach the v0
// executor (a failed conversion aborts its driver), and come back equal,
// unless it lacks a field the 0.24 v0 types require: the fields v0 does not
// know travel in its unknown-field bytes. A v0
// TaskStatus from the executor may be refused; one that converts must
// convert back to the same v1 status. The committed corpus holds each of
// these messages as the captures carry it (see TestFuzzSeeds).
func FuzzConvertRoundTrip(f *testing.F) {
	f.Add(crossingKind("TaskID"), []byte("\x0a\x02t1"))
	f.Add(crossingKind("TaskStatus"), []byte("\x0a\x04\x0a\x02t1\x10\x01"))
	f.Fuzz(func(t *testing.T, kind uint8, data []byte) {
		c := crossings[int(kind)%len(crossings)]
		in := c.from()
		if mesosproto.Unmarshal(data, in) != nil {
			return
		}
		mid := c.to()
		if err := convert(in, mid); err != nil {
			if c.name == "TaskStatus" {
				return
			}
			t.Fatalf("%s %v does not convert: %v", c.name, in, err)
		}
		if _, err := mid.Marshal(); errors.As(err, new(*proto.RequiredNotSetError)) {
			return // v0 requires a field the v1 message lacks: delivered as decoded, not sent back
		}
		back := c.from()
		if err := convert(mid, back); err != nil {
			t.Fatalf("%s %v converted to %v, which does not convert back: %v", c.name, in, mid, err)
		}
		if c.name == "TaskStatus" { // v0 keeps fields neither knows; compare in v1
			again := c.to()
			if err := convert(back, again); err != nil || !mid.Equal(again) {
				t.Fatalf("TaskStatus %v: %v, then %v (%v)", in, mid, again, err)
			}
			return
		}
		if !in.Equal(back) {
			t.Fatalf("%s %v comes back as %v", c.name, in, back)
		}
	})
}

// TestFuzzSeeds checks (with FUZZSEED=write, rewrites) the committed corpus
// of FuzzConvertRoundTrip (see internal/fuzzseed): the bytes of every
// message the adapter converts, cut out of the legacy messages of the
// captures as the agent or the executor wrote them: ExecutorInfo,
// FrameworkInfo and SlaveInfo of ExecutorRegistered, SlaveInfo of
// ExecutorReregistered, the task of RunTask and the tasks of the
// LAUNCH_GROUP event, the task id of KillTask, and the status of every
// StatusUpdate.
func TestFuzzSeeds(t *testing.T) {
	// paths are the field numbers leading to each message in a legacy body.
	type path struct {
		kind   string
		fields []int
	}
	paths := map[string][]path{
		"mesos.internal.ExecutorRegisteredMessage":   {{"ExecutorInfo", []int{2}}, {"FrameworkInfo", []int{4}}, {"AgentInfo", []int{6}}},
		"mesos.internal.ExecutorReregisteredMessage": {{"AgentInfo", []int{2}}},
		"mesos.internal.RunTaskMessage":              {{"TaskInfo", []int{4}}},
		"mesos.internal.KillTaskMessage":             {{"TaskID", []int{2}}},
		"mesos.internal.StatusUpdateMessage":         {{"TaskStatus", []int{1, 4}}},
		mesosproto.ExecutorEventName:                 {{"TaskInfo", []int{8, 1, 1}}}, // launch_group.task_group.tasks
	}
	var seeds []fuzzseed.Seed
	for _, x := range fuzzseed.Exchanges(t) {
		for _, p := range paths[x.Name()] {
			for i, b := range fieldBytes(t, x.Body, p.fields) {
				short := x.Name()[strings.LastIndexByte(x.Name(), '.')+1:]
				name := fmt.Sprintf("captured-%s-%d-%d-%s-%s-%d", x.Scenario, x.Conn, x.Index, short, p.kind, i+1)
				seeds = append(seeds, fuzzseed.New(name, crossingKind(p.kind), b))
			}
		}
	}
	fuzzseed.Sync(t, "FuzzConvertRoundTrip", seeds)
}

// fieldBytes returns the bytes of every length-delimited field reached by
// following the field numbers path from the message body.
func fieldBytes(t *testing.T, body []byte, path []int) [][]byte {
	out := [][]byte{body}
	for _, num := range path {
		var next [][]byte
		for _, b := range out {
			next = append(next, lengthDelimited(t, b, num)...)
		}
		out = next
	}
	return out
}

// lengthDelimited returns the values of field num (wire type 2) in b.
func lengthDelimited(t *testing.T, b []byte, num int) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		key, n := binary.Uvarint(b)
		if n <= 0 {
			t.Fatalf("bad protobuf key")
		}
		b = b[n:]
		var size uint64
		switch key & 7 {
		case 0:
			_, n = binary.Uvarint(b)
		case 1:
			n = 8
		case 5:
			n = 4
		case 2:
			size, n = binary.Uvarint(b)
			if n <= 0 || uint64(len(b)-n) < size {
				t.Fatalf("bad protobuf length")
			}
			if int(key>>3) == num {
				out = append(out, b[n:n+int(size)])
			}
			n += int(size)
		default:
			t.Fatalf("protobuf wire type %d", key&7)
		}
		if n <= 0 || n > len(b) {
			t.Fatalf("protobuf field cut short")
		}
		b = b[n:]
	}
	return out
}
