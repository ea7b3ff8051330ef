package mesosgov0

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/gogo/protobuf/proto"
	v0 "github.com/mesos/mesos-go/api/v0/mesosproto"
)

// requiredField is a field of a generated message struct type, by its
// protobuf name.
type requiredField struct {
	msg  reflect.Type
	name string
}

// mayBeAbsent holds the fields that the v0 types (Mesos 0.24) declare
// required and that later Mesos versions, and mesos-go's v1 types, declare
// optional and leave out, in every message convert produces for the v0
// executor (ExecutorInfo, FrameworkInfo, SlaveInfo, TaskInfo and TaskID,
// and what they hold):
//
//	v0 message                field      optional since  absent when                      reached from
//	ExecutorInfo              command    Mesos 1.1       a DEFAULT executor (no command)  ExecutorInfo; TaskInfo.executor
//	Environment.Variable      value      Mesos 1.2       a variable of type SECRET        CommandInfo.environment: ExecutorInfo.command, TaskInfo.command,
//	                                                                                      TaskInfo.executor.command, TaskInfo.health_check.command
//	Resource.ReservationInfo  principal  v1 schema       reserved without a principal     Resource.reservation: ExecutorInfo.resources, TaskInfo.resources,
//	                                                                                      TaskInfo.executor.resources, SlaveInfo.resources
//
// FrameworkInfo.Capability.type is the one other such field (optional
// since Mesos 0.28, MESOS-4997), and is not listed: mesos-go's v1 type
// always writes it, UNKNOWN (0) included, so it is never absent. The other
// way, no field that v1 TaskStatus requires is optional in v0 TaskStatus.
// TestMayBeAbsentIsEveryFieldV1LeavesOut derives this list from the two
// generations of types.
//
// Such a field is left unset (nil) in the v0 message, as it was absent: it
// has no value a v0 executor could be told without lying (an empty command
// or value is not what the agent sent, and would not be valid sent back),
// and what the v1 message holds in its place (the executor's type, the
// variable's type and secret) travels on in the unknown-field bytes.
var mayBeAbsent = map[requiredField]bool{
	{reflect.TypeOf(v0.ExecutorInfo{}), "command"}:               true,
	{reflect.TypeOf(v0.Environment_Variable{}), "value"}:         true,
	{reflect.TypeOf(v0.Resource_ReservationInfo{}), "principal"}: true,
}

// decodable is what both generations of mesos-go types are.
type decodable interface {
	proto.Message
	Unmarshal([]byte) error
}

// convert moves a message between the v0 and v1 types by marshalling src
// and unmarshalling the bytes into dst. The two are wire-compatible, except
// that the v0 types (Mesos 0.24) require fields later versions leave out
// (mayBeAbsent). Such a field is left unset and the rest of the message is
// kept whole; a message that lacks any other required field is refused
// with an error naming each, and dst is left empty.
//
// gogo's generated decoders cannot do this alone: a nested message that
// lacks a required field makes every enclosing decoder return at once,
// dropping all the fields that follow it (an executor's SECRET environment
// variable in a TaskInfo would lose the task's data). So when the generated
// decoder reports a missing field, the bytes are decoded again with gogo's
// table-driven decoder, which decodes everything before it reports, and
// the decoded message is searched for every required field left unset.
func convert(src interface{ Marshal() ([]byte, error) }, dst decodable) error {
	b, err := encode(src)
	if err != nil {
		return err
	}
	var notSet *proto.RequiredNotSetError
	if err = dst.Unmarshal(b); err == nil {
		return nil
	}
	dst.Reset()
	if !errors.As(err, &notSet) {
		return err
	}
	var table proto.InternalMessageInfo // gogo caches the decoder per type
	if err = table.Unmarshal(dst, b); err != nil && !errors.As(err, &notSet) {
		dst.Reset()
		return err
	}
	var refused []string
	unset := unsetRequired(reflect.ValueOf(dst), "", nil)
	for _, f := range unset {
		if !mayBeAbsent[f.requiredField] {
			refused = append(refused, f.path)
		}
	}
	switch {
	case len(refused) > 0:
		dst.Reset()
		return notSetError(refused)
	case len(unset) == 0 && err != nil:
		// A field the search cannot see unset: a non-nullable field of a
		// v1 type, which holds its zero value either way.
		dst.Reset()
		return err
	}
	return nil
}

// encode marshals src. gogo's generated encoders name only the innermost
// of the required fields left unset ("value": of a task id, of a label?),
// and panic on a nil element of a repeated message field: both are
// returned as an error that names each such field by its path.
func encode(src interface{ Marshal() ([]byte, error) }) (b []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, fieldsOf(src, fmt.Errorf("cannot encode it: %v", r), true)
		}
	}()
	if b, err = src.Marshal(); err != nil {
		var notSet *proto.RequiredNotSetError
		if errors.As(err, &notSet) {
			err = fieldsOf(src, err, false)
		}
	}
	return b, err
}

// fieldsOf returns an error naming the nil elements (nilElements) or the
// unset required fields of the message src points to, or err if it has
// none.
func fieldsOf(src any, err error, nilElements bool) error {
	m := reflect.ValueOf(src)
	if m.Kind() != reflect.Ptr || m.Type().Elem().Kind() != reflect.Struct {
		return err
	}
	var paths []string
	for _, f := range unsetRequired(m, "", nil) {
		if f.nilElement == nilElements {
			paths = append(paths, f.path)
		}
	}
	switch {
	case len(paths) == 0:
		return err
	case !nilElements:
		return notSetError(paths)
	case len(paths) == 1:
		return fmt.Errorf("nil element %s", paths[0])
	}
	return fmt.Errorf("nil elements %s", strings.Join(paths, ", "))
}

// notSetError says which required fields, by their paths, are not set.
func notSetError(paths []string) error {
	if len(paths) == 1 {
		return fmt.Errorf("required field %s not set", paths[0])
	}
	return fmt.Errorf("required fields %s not set", strings.Join(paths, ", "))
}

// unset is a required field left unset, with its path from the top-level
// message ("executor.command.environment.variables[0].value").
type unset struct {
	requiredField
	path string
	// nilElement says the element of a repeated message field at path is
	// nil (as no decoder leaves it, only a message built in Go can hold it).
	nilElement bool
}

// unsetRequired appends to out every required field left unset in the
// message m points to, and in the messages it holds. Only nullable fields
// (pointers and byte slices) can be seen unset; every field of a v0 type is.
func unsetRequired(m reflect.Value, path string, out []unset) []unset {
	if m.IsNil() {
		return out
	}
	s := m.Elem()
	t := s.Type()
	for i := 0; i < t.NumField(); i++ {
		tag := t.Field(i).Tag.Get("protobuf")
		if tag == "" {
			continue
		}
		name, required := tagInfo(tag)
		p := name
		if path != "" {
			p = path + "." + name
		}
		f := s.Field(i)
		switch f.Kind() {
		case reflect.Ptr:
			if f.IsNil() {
				if required {
					out = append(out, unset{requiredField: requiredField{t, name}, path: p})
				}
			} else if f.Elem().Kind() == reflect.Struct {
				out = unsetRequired(f, p, out)
			}
		case reflect.Struct: // a non-nullable message of a v1 type
			out = unsetRequired(f.Addr(), p, out)
		case reflect.Slice:
			switch e := f.Type().Elem(); {
			case e.Kind() == reflect.Uint8:
				if required && f.IsNil() {
					out = append(out, unset{requiredField: requiredField{t, name}, path: p})
				}
			case e.Kind() == reflect.Ptr && e.Elem().Kind() == reflect.Struct:
				for j := 0; j < f.Len(); j++ {
					pj := fmt.Sprintf("%s[%d]", p, j)
					if f.Index(j).IsNil() {
						out = append(out, unset{path: pj, nilElement: true})
					}
					out = unsetRequired(f.Index(j), pj, out)
				}
			case e.Kind() == reflect.Struct:
				for j := 0; j < f.Len(); j++ {
					out = unsetRequired(f.Index(j).Addr(), fmt.Sprintf("%s[%d]", p, j), out)
				}
			}
		}
	}
	return out
}

// tagInfo returns the protobuf name of a field and whether it is required,
// from its struct tag ("bytes,7,req,name=command").
func tagInfo(tag string) (name string, required bool) {
	parts := strings.Split(tag, ",")
	for _, p := range parts[min(3, len(parts)):] {
		if n, ok := strings.CutPrefix(p, "name="); ok {
			name = n
		}
	}
	return name, len(parts) > 2 && parts[2] == "req"
}
