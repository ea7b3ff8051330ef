package mesosgov0

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"reflect"
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
// executor (a failed conversion aborts its driver), and come back equal:
// the fields v0 does not know travel in its unknown-field bytes. A field
// of mayBeAbsent the v1 message lacks is absent from the v0 one too, which
// then cannot be encoded; such fields are set to their zero value on both
// sides before the way back, so that the rest is still compared. A v0
// TaskStatus from the executor may be refused; one that converts must
// convert back to the same v1 status. Whenever gogo's generated decoder
// decodes the bytes convert decodes, its table-driven decoder (convert's
// fallback) must decode the same message. The committed corpus holds each
// of these messages as the captures carry it (see TestFuzzSeeds).
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
		b, err := in.Marshal()
		if err != nil {
			t.Fatalf("%s %v converted but does not encode: %v", c.name, in, err)
		}
		if generated := c.to(); generated.Unmarshal(b) == nil {
			var table proto.InternalMessageInfo
			tabled := c.to()
			if err := table.Unmarshal(tabled, b); err != nil || !same(generated, tabled) {
				t.Fatalf("%s %v: generated decoder: %v, table-driven: %v (%v)", c.name, in, generated, tabled, err)
			}
		}
		if c.name != "TaskStatus" {
			fillAbsent(reflect.ValueOf(mid), reflect.ValueOf(in))
		}
		back := c.from()
		if err := convert(mid, back); err != nil {
			t.Fatalf("%s %v converted to %v, which does not convert back: %v", c.name, in, mid, err)
		}
		if c.name == "TaskStatus" { // v0 keeps fields neither knows; compare in v1
			again := c.to()
			if err := convert(back, again); err != nil || !same(mid, again) {
				t.Fatalf("TaskStatus %v: %v, then %v (%v)", in, mid, again, err)
			}
			return
		}
		if !same(in, back) {
			t.Fatalf("%s %v comes back as %v", c.name, in, back)
		}
	})
}

// same reports whether a and b are equal, or encode the same: a NaN is not
// equal to itself.
func same(a, b message) bool {
	if a.Equal(b) {
		return true
	}
	x, errA := a.Marshal()
	y, errB := b.Marshal()
	return errA == nil && errB == nil && bytes.Equal(x, y)
}

// fillAbsent sets every field of mayBeAbsent left unset in the v0 message
// m0 points to, and in the messages it holds, to its zero value, and the
// same field of the v1 message m1 points to, which m0 was converted from.
// The two are walked side by side, field number by field number, so that
// fields only v1 knows are left alone.
func fillAbsent(m0, m1 reflect.Value) {
	if m0.IsNil() || m1.IsNil() {
		return
	}
	s0, s1 := m0.Elem(), m1.Elem()
	byNumber := map[string]int{}
	for j := 0; j < s1.NumField(); j++ {
		if tag := s1.Type().Field(j).Tag.Get("protobuf"); tag != "" {
			byNumber[strings.Split(tag, ",")[1]] = j
		}
	}
	for i := 0; i < s0.NumField(); i++ {
		tag := s0.Type().Field(i).Tag.Get("protobuf")
		if tag == "" {
			continue
		}
		j, ok := byNumber[strings.Split(tag, ",")[1]]
		if !ok {
			continue
		}
		name, _ := tagInfo(tag)
		f0, f1 := s0.Field(i), s1.Field(j)
		switch {
		case f0.Kind() == reflect.Ptr && f0.IsNil():
			if mayBeAbsent[requiredField{s0.Type(), name}] {
				f0.Set(reflect.New(f0.Type().Elem()))
				if f1.Kind() == reflect.Ptr && f1.IsNil() {
					f1.Set(reflect.New(f1.Type().Elem()))
				}
			}
		case f0.Kind() == reflect.Ptr && f0.Elem().Kind() == reflect.Struct:
			fillAbsent(f0, pointer(f1))
		case f0.Kind() == reflect.Slice && f0.Type().Elem().Kind() == reflect.Ptr:
			for k := 0; k < f0.Len(); k++ {
				fillAbsent(f0.Index(k), pointer(f1.Index(k)))
			}
		}
	}
}

// pointer is v if it is a pointer, else its address.
func pointer(v reflect.Value) reflect.Value {
	if v.Kind() == reflect.Ptr {
		return v
	}
	return v.Addr()
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
