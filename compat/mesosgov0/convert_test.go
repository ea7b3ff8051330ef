package mesosgov0

import (
	"reflect"
	"slices"
	"strings"
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

// The error names each required field the executor left unset in its
// TaskStatus by its path, as gogo's encoder names only the innermost one
// ("value": of the task id, of a label?).
func TestConvertNamesTheUnsetFieldsOfAStatus(t *testing.T) {
	var out mesos.TaskStatus
	err := convert(&v0.TaskStatus{TaskId: &v0.TaskID{}, State: v0.TaskState_TASK_RUNNING.Enum()}, &out)
	require.EqualError(t, err, "required field task_id.value not set")
	err = convert(&v0.TaskStatus{
		TaskId: &v0.TaskID{Value: proto.String("t1")},
		Labels: &v0.Labels{Labels: []*v0.Label{{Key: proto.String("k")}, {Value: proto.String("v")}}},
	}, &out)
	require.EqualError(t, err, "required fields state, labels.labels[1].key not set")
	require.Equal(t, mesos.TaskStatus{}, out)
}

// A nil element of a repeated field, on which gogo's encoders panic, is
// refused with an error that names it.
func TestConvertRefusesANilElement(t *testing.T) {
	var out mesos.TaskStatus
	err := convert(&v0.TaskStatus{
		TaskId: &v0.TaskID{Value: proto.String("t1")}, State: v0.TaskState_TASK_RUNNING.Enum(),
		Labels:          &v0.Labels{Labels: []*v0.Label{{Key: proto.String("k")}, nil}},
		ContainerStatus: &v0.ContainerStatus{NetworkInfos: []*v0.NetworkInfo{nil}},
	}, &out)
	require.EqualError(t, err, "nil elements labels.labels[1], container_status.network_infos[0]")
	require.Equal(t, mesos.TaskStatus{}, out)
}

// secret is an environment variable of type SECRET (Mesos 1.2+): it has
// no value, which the 0.24 v0 types require.
func secret(name string) mesos.Environment_Variable {
	typ := mesos.Environment_Variable_SECRET
	return mesos.Environment_Variable{Name: name, Type: &typ,
		Secret: &mesos.Secret{Type: mesos.Secret_VALUE, Value: &mesos.Secret_Value{Data: []byte("s3cr3t")}}}
}

// requireSecretTravels checks that v, converted from secret(name), has
// its name, no value, and the v1 fields it does not know in its unknown
// bytes.
func requireSecretTravels(t *testing.T, name string, v *v0.Environment_Variable) {
	t.Helper()
	require.Equal(t, name, v.GetName())
	require.Nil(t, v.Value)
	var v1 mesos.Environment_Variable // the unknown bytes hold no name, which v1 requires
	require.ErrorAs(t, v1.Unmarshal(v.XXX_unrecognized), new(*proto.RequiredNotSetError))
	want := secret(name)
	require.Equal(t, want.Type, v1.Type)
	require.Equal(t, want.Secret, v1.Secret)
}

// The task's data (the custom executor's instructions) follows its
// executor in the bytes, and survives a SECRET variable in the executor's
// environment.
func TestConvertKeepsTheTaskAfterTheExecutorsSecretVariable(t *testing.T) {
	ex := mesos.ExecutorInfo{ExecutorID: mesos.ExecutorID{Value: "ex"}, Command: &mesos.CommandInfo{
		Environment: &mesos.Environment{Variables: []mesos.Environment_Variable{secret("T")}}}}
	task := &mesos.TaskInfo{Name: "n", TaskID: mesos.TaskID{Value: "t"}, AgentID: mesos.AgentID{Value: "a"},
		Executor: &ex, Data: []byte("instructions")}
	var vt v0.TaskInfo
	require.NoError(t, convert(task, &vt))
	require.Equal(t, "instructions", string(vt.Data))
	require.Equal(t, "ex", vt.GetExecutor().GetExecutorId().GetValue())
	requireSecretTravels(t, "T", vt.GetExecutor().GetCommand().GetEnvironment().GetVariables()[0])
}

// An ExecutorInfo (as Registered gets it) keeps, around a SECRET variable
// of its command, the variables after it, the rest of its command and its
// own fields after the command.
func TestConvertKeepsTheExecutorInfoAroundASecretVariable(t *testing.T) {
	u := "u"
	in := mesos.ExecutorInfo{
		ExecutorID:  mesos.ExecutorID{Value: "ex"},
		FrameworkID: &mesos.FrameworkID{Value: "fw"},
		Command: &mesos.CommandInfo{
			Environment: &mesos.Environment{Variables: []mesos.Environment_Variable{secret("T"), {Name: "U", Value: &u}}},
			Value:       proto.String("./executor"),
			Arguments:   []string{"--flag"},
		},
		Name:   proto.String("name"),
		Source: proto.String("source"),
	}
	var out v0.ExecutorInfo
	require.NoError(t, convert(&in, &out))
	require.Equal(t, "ex", out.GetExecutorId().GetValue())
	require.Equal(t, "fw", out.GetFrameworkId().GetValue())
	require.Equal(t, "./executor", out.GetCommand().GetValue())
	require.Equal(t, []string{"--flag"}, out.GetCommand().GetArguments())
	require.Equal(t, "name", out.GetName())
	require.Equal(t, "source", out.GetSource())
	vars := out.GetCommand().GetEnvironment().GetVariables()
	require.Len(t, vars, 2)
	requireSecretTravels(t, "T", vars[0])
	require.Equal(t, "U", vars[1].GetName())
	require.Equal(t, "u", vars[1].GetValue())
}

// A SECRET variable in the task's own command or in its health check's
// command leaves the task's later fields in place.
func TestConvertKeepsTheTaskAroundASecretVariableOfItsCommands(t *testing.T) {
	env := &mesos.Environment{Variables: []mesos.Environment_Variable{secret("T")}}
	for _, tc := range []struct {
		name string
		set  func(*mesos.TaskInfo)
		vars func(*v0.TaskInfo) []*v0.Environment_Variable
	}{
		{"command", func(ti *mesos.TaskInfo) {
			ti.Command = &mesos.CommandInfo{Environment: env, Value: proto.String("run")}
		},
			func(vt *v0.TaskInfo) []*v0.Environment_Variable {
				require.Equal(t, "run", vt.GetCommand().GetValue())
				return vt.GetCommand().GetEnvironment().GetVariables()
			}},
		{"health_check", func(ti *mesos.TaskInfo) {
			ti.HealthCheck = &mesos.HealthCheck{Command: &mesos.CommandInfo{Environment: env}, Type: mesos.HealthCheck_COMMAND}
		},
			func(vt *v0.TaskInfo) []*v0.Environment_Variable {
				return vt.GetHealthCheck().GetCommand().GetEnvironment().GetVariables()
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := mesos.TaskInfo{
				Name: "n", TaskID: mesos.TaskID{Value: "t"}, AgentID: mesos.AgentID{Value: "a"},
				Container: &mesos.ContainerInfo{Type: mesos.ContainerInfo_MESOS.Enum(), Hostname: proto.String("h")},
				Labels:    &mesos.Labels{Labels: []mesos.Label{{Key: "k", Value: proto.String("v")}}},
				Discovery: &mesos.DiscoveryInfo{Visibility: mesos.FRAMEWORK, Name: proto.String("d")},
			}
			tc.set(&in)
			var vt v0.TaskInfo
			require.NoError(t, convert(&in, &vt))
			require.Equal(t, "h", vt.GetContainer().GetHostname())
			require.Equal(t, "k", vt.GetLabels().GetLabels()[0].GetKey())
			require.Equal(t, "d", vt.GetDiscovery().GetName())
			vars := tc.vars(&vt)
			require.Len(t, vars, 1)
			requireSecretTravels(t, "T", vars[0])
		})
	}
}

// A task's executor without a command (a DEFAULT executor, Mesos 1.1+)
// leaves the executor's and the task's later fields in place.
func TestConvertKeepsTheTaskAfterAnExecutorWithoutCommand(t *testing.T) {
	in := mesos.TaskInfo{
		Name: "n", TaskID: mesos.TaskID{Value: "t"}, AgentID: mesos.AgentID{Value: "a"},
		Executor: &mesos.ExecutorInfo{
			Type:        mesos.ExecutorInfo_DEFAULT,
			ExecutorID:  mesos.ExecutorID{Value: "ex"},
			FrameworkID: &mesos.FrameworkID{Value: "fw"},
			Name:        proto.String("default"),
		},
		Data:   []byte("instructions"),
		Labels: &mesos.Labels{Labels: []mesos.Label{{Key: "k"}}},
	}
	var vt v0.TaskInfo
	require.NoError(t, convert(&in, &vt))
	require.Nil(t, vt.GetExecutor().Command)
	require.Equal(t, "fw", vt.GetExecutor().GetFrameworkId().GetValue())
	require.Equal(t, "default", vt.GetExecutor().GetName())
	require.Equal(t, "instructions", string(vt.GetData()))
	require.Equal(t, "k", vt.GetLabels().GetLabels()[0].GetKey())
}

// A reservation without a principal leaves the resource's, the later
// resources' and the message's later fields in place.
func TestConvertKeepsResourcesAroundAReservationWithoutPrincipal(t *testing.T) {
	scalar := mesos.SCALAR
	resources := func() []mesos.Resource {
		return []mesos.Resource{
			{Name: "cpus", Type: &scalar, Scalar: &mesos.Value_Scalar{Value: 1}, Role: proto.String("r"),
				Reservation: &mesos.Resource_ReservationInfo{}, Revocable: &mesos.Resource_RevocableInfo{}},
			{Name: "mem", Type: &scalar, Scalar: &mesos.Value_Scalar{Value: 64}},
		}
	}
	check := func(t *testing.T, rs []*v0.Resource) {
		t.Helper()
		require.Len(t, rs, 2)
		require.NotNil(t, rs[0].GetReservation())
		require.Nil(t, rs[0].GetReservation().Principal)
		require.NotNil(t, rs[0].GetRevocable())
		require.Equal(t, "mem", rs[1].GetName())
		require.Equal(t, 64.0, rs[1].GetScalar().GetValue())
	}
	t.Run("AgentInfo", func(t *testing.T) {
		in := mesos.AgentInfo{Hostname: "h", Resources: resources(), ID: &mesos.AgentID{Value: "a"},
			Attributes: []mesos.Attribute{{Name: "rack", Type: mesos.TEXT, Text: &mesos.Value_Text{Value: "r1"}}}}
		var out v0.SlaveInfo
		require.NoError(t, convert(&in, &out))
		check(t, out.GetResources())
		require.Equal(t, "rack", out.GetAttributes()[0].GetName())
		require.Equal(t, "a", out.GetId().GetValue())
	})
	t.Run("TaskInfo", func(t *testing.T) {
		in := mesos.TaskInfo{Name: "n", TaskID: mesos.TaskID{Value: "t"}, AgentID: mesos.AgentID{Value: "a"},
			Resources: resources(), Data: []byte("instructions"),
			Executor: &mesos.ExecutorInfo{ExecutorID: mesos.ExecutorID{Value: "ex"}, Resources: resources(),
				Command: &mesos.CommandInfo{Value: proto.String("run")}}}
		var out v0.TaskInfo
		require.NoError(t, convert(&in, &out))
		check(t, out.GetResources())
		check(t, out.GetExecutor().GetResources())
		require.Equal(t, "run", out.GetExecutor().GetCommand().GetValue())
		require.Equal(t, "instructions", string(out.GetData()))
	})
}

// FrameworkInfo.Capability.type, required in v0 and optional since Mesos
// 0.28, is never absent: mesos-go's v1 type always writes it, UNKNOWN too.
func TestConvertKeepsUnknownFrameworkCapabilities(t *testing.T) {
	in := mesos.FrameworkInfo{User: "u", Name: "n", ID: &mesos.FrameworkID{Value: "fw"},
		Capabilities: []mesos.FrameworkInfo_Capability{{}, {Type: mesos.FrameworkInfo_Capability_REVOCABLE_RESOURCES}},
		Labels:       &mesos.Labels{Labels: []mesos.Label{{Key: "k"}}}}
	b, err := in.Marshal()
	require.NoError(t, err)
	var out v0.FrameworkInfo
	require.NoError(t, out.Unmarshal(b), "the generated decoder needs no help")
	out = v0.FrameworkInfo{}
	require.NoError(t, convert(&in, &out))
	require.Len(t, out.GetCapabilities(), 2)
	require.NotNil(t, out.GetCapabilities()[0].Type)
	require.EqualValues(t, 0, out.GetCapabilities()[0].GetType())
	require.Equal(t, v0.FrameworkInfo_Capability_REVOCABLE_RESOURCES, out.GetCapabilities()[1].GetType())
	require.Equal(t, "k", out.GetLabels().GetLabels()[0].GetKey())
}

// raw is a message already encoded, for bodies mesos-go would not encode.
type raw []byte

func (r raw) Marshal() ([]byte, error) { return r, nil }

// field encodes a length-delimited field num holding the parts.
func field(num int, parts ...[]byte) []byte {
	var body []byte
	for _, p := range parts {
		body = append(body, p...)
	}
	b := proto.EncodeVarint(uint64(num)<<3 | proto.WireBytes)
	b = append(b, proto.EncodeVarint(uint64(len(body)))...)
	return append(b, body...)
}

func str(num int, s string) []byte { return field(num, []byte(s)) }

func varint(num int, v uint64) []byte {
	return append(proto.EncodeVarint(uint64(num)<<3|proto.WireVarint), proto.EncodeVarint(v)...)
}

// Only the fields of mayBeAbsent may be missing: a message that lacks any
// other required field, at the top or nested, is refused with an error
// naming each such field, and the message is left empty.
func TestConvertRefusesOtherMissingRequiredFields(t *testing.T) {
	// name, task_id and slave_id of a TaskInfo; clipped so that each case
	// appends to a copy
	taskHead := slices.Clip(append(append(str(1, "n"), field(2, str(1, "t"))...), field(3, str(1, "a"))...))
	secretVar := field(7, field(2, field(1, str(1, "T"), field(4, varint(1, 0))))) // command.environment.variables: no value
	for _, tc := range []struct {
		name     string
		in       raw
		out      decodable
		want     []string
		dontWant string
	}{{
		name: "top level",
		in:   raw(append(str(1, "n"), field(3, str(1, "a"))...)),
		out:  &v0.TaskInfo{}, want: []string{"task_id"},
	}, {
		name: "nested",
		in:   raw(append(append(taskHead, field(5, field(7, str(3, "run")))...), str(6, "data")...)),
		out:  &v0.TaskInfo{}, want: []string{"executor.executor_id"},
	}, {
		name: "beside one that may be absent",
		in:   raw(append(append(taskHead, secretVar...), field(5, field(7, str(3, "run")))...)),
		out:  &v0.TaskInfo{}, want: []string{"executor.executor_id"}, dontWant: "variables",
	}, {
		name: "several",
		in: raw(append(taskHead, field(9, varint(1, 1), // container: type MESOS, docker:
			field(3, field(5, str(1, "k1")), field(5, str(1, "k2"), str(2, "v2")), field(5, str(1, "k3"))))...)),
		out:  &v0.TaskInfo{},
		want: []string{"container.docker.image", "container.docker.parameters[0].value", "container.docker.parameters[2].value"},
	}, {
		name: "v0 TaskStatus to v1",
		in:   raw(field(1, str(1, "t"))),
		out:  &mesos.TaskStatus{}, want: []string{"state"},
	}, {
		name: "v0 TaskStatus to v1, nested, non-nullable in v1",
		in:   raw(append(append(field(1, str(1, "t")), varint(2, 1)...), field(12, field(1, str(2, "v")))...)),
		out:  &mesos.TaskStatus{}, want: []string{"key"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			err := convert(tc.in, tc.out)
			require.Error(t, err)
			for _, w := range tc.want {
				require.ErrorContains(t, err, w)
			}
			if tc.dontWant != "" {
				require.NotContains(t, err.Error(), tc.dontWant)
			}
			empty := reflect.New(reflect.TypeOf(tc.out).Elem()).Interface()
			require.Equal(t, empty, tc.out, "a refused message is left empty")
		})
	}
}

// protoField is a field of a generated message struct, from its tag.
type protoField struct {
	name, wire, label string
	nullable          bool         // a pointer or slice: may be left out
	msg               reflect.Type // the message struct it holds, if any
}

func protoFields(t reflect.Type) map[string]protoField {
	fields := map[string]protoField{}
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tag := sf.Tag.Get("protobuf")
		if tag == "" {
			continue
		}
		parts := strings.Split(tag, ",")
		name, _ := tagInfo(tag)
		f := protoField{name: name, wire: parts[0], label: parts[2]}
		f.nullable = sf.Type.Kind() == reflect.Ptr || sf.Type.Kind() == reflect.Slice
		e := sf.Type
		for e.Kind() == reflect.Ptr || e.Kind() == reflect.Slice && e.Elem().Kind() != reflect.Uint8 {
			e = e.Elem()
		}
		if e.Kind() == reflect.Struct {
			f.msg = e
		}
		fields[parts[1]] = f
	}
	return fields
}

// TestMayBeAbsentIsEveryFieldV1LeavesOut walks, for each crossing convert
// makes, the message types of both generations side by side, field number
// by field number, and finds every field the decoding side requires that
// the encoding side may leave out: that is mayBeAbsent, plus the fields
// mesos-go's v1 types always write (non-nullable). It also checks that the
// two sides agree on every field's wire type, so that gogo's table-driven
// decoder, which takes a field of the wrong wire type as unknown, decodes
// nothing differently from the generated one.
func TestMayBeAbsentIsEveryFieldV1LeavesOut(t *testing.T) {
	absent := map[requiredField]bool{}
	alwaysWritten := map[requiredField]bool{}
	seen := map[[2]reflect.Type]bool{}
	var walk func(path string, from, to reflect.Type)
	walk = func(path string, from, to reflect.Type) {
		if seen[[2]reflect.Type{from, to}] {
			return
		}
		seen[[2]reflect.Type{from, to}] = true
		ff := protoFields(from)
		for num, tf := range protoFields(to) {
			p := path + "." + tf.name
			f, ok := ff[num]
			if !ok {
				require.NotEqual(t, "req", tf.label, "%s: required in %v, unknown to %v", p, to, from)
				continue
			}
			require.Equal(t, tf.wire, f.wire, "%s: wire type", p)
			require.Equal(t, tf.label == "rep", f.label == "rep", "%s: repeated on one side only", p)
			require.Equal(t, tf.msg == nil, f.msg == nil, "%s: a message on one side only", p)
			if tf.label == "req" && f.label != "req" {
				if f.nullable {
					absent[requiredField{to, tf.name}] = true
				} else {
					alwaysWritten[requiredField{to, tf.name}] = true
				}
			}
			if tf.msg != nil {
				walk(p, f.msg, tf.msg)
			}
		}
	}
	for _, c := range crossings {
		walk(c.name, reflect.TypeOf(c.from()).Elem(), reflect.TypeOf(c.to()).Elem())
	}
	require.Equal(t, mayBeAbsent, absent)
	require.Equal(t, map[requiredField]bool{{reflect.TypeOf(v0.FrameworkInfo_Capability{}), "type"}: true}, alwaysWritten)
}

// The v1 types keep no unknown-field bytes, so a field of the v0 types
// that they lack is lost on the way into them. These are the fields Mesos
// 1.0 removed from the 0.x protocol: only agents before 1.0 send them (on
// the legacy wire, which the driver decodes into v1 types), and a v0
// executor can set them in a TaskStatus. The package documentation names
// each; this test keeps that list whole.
func TestTheV0FieldsV1LacksAreTheDocumentedOnes(t *testing.T) {
	lacking := map[string]bool{}
	seen := map[reflect.Type]bool{}
	var walk func(v0t, v1t reflect.Type)
	walk = func(v0t, v1t reflect.Type) {
		if seen[v0t] {
			return
		}
		seen[v0t] = true
		v1f := protoFields(v1t)
		for num, f := range protoFields(v0t) {
			g, ok := v1f[num]
			switch {
			case !ok:
				lacking[v0t.Name()+"."+f.name] = true
			case f.msg != nil && g.msg != nil:
				walk(f.msg, g.msg)
			}
		}
	}
	for _, c := range crossings {
		from, to := reflect.TypeOf(c.from()).Elem(), reflect.TypeOf(c.to()).Elem()
		if c.name == "TaskStatus" {
			walk(from, to)
		} else {
			walk(to, from)
		}
	}
	require.Equal(t, map[string]bool{
		"SlaveInfo.checkpoint":   true,
		"CommandInfo.container":  true,
		"NetworkInfo.protocol":   true,
		"NetworkInfo.ip_address": true,
	}, lacking)
}
