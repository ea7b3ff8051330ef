package httpapi

import (
	"reflect"
	"strings"
	"sync"

	"github.com/gogo/protobuf/proto"
)

// fieldInfo describes one field of a mesos-go message as JSON sees it,
// read from its Go type and its json and protobuf struct tags.
type fieldInfo struct {
	typ      reflect.Type     // the type of one value: a message, an enum or a scalar
	pointer  bool             // *T: optional with presence
	repeated bool             // []T, except bytes
	isMap    bool             // map[string]T
	optional bool             // "opt" in the protobuf tag
	required bool             // "req" in the protobuf tag
	enum     map[string]int32 // the enum's names, for an enum field
}

// unknownName is the name Mesos gives the zero value of its newer enums.
const unknownName = "UNKNOWN"

// hasUnknown reports whether the field's enum names its zero value UNKNOWN.
func (f fieldInfo) hasUnknown() bool {
	v, ok := f.enum[unknownName]
	return ok && v == 0
}

var schemas sync.Map // reflect.Type -> map[string]fieldInfo

// schemaOf returns the fields of message type t by JSON name.
func schemaOf(t reflect.Type) map[string]fieldInfo {
	if s, ok := schemas.Load(t); ok {
		return s.(map[string]fieldInfo)
	}
	s := make(map[string]fieldInfo, t.NumField())
	for i := range t.NumField() {
		if name, f, ok := fieldOf(t.Field(i)); ok {
			s[name] = f
		}
	}
	schemas.Store(t, s)
	return s
}

func fieldOf(sf reflect.StructField) (string, fieldInfo, bool) {
	name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
	if name == "" || name == "-" {
		return "", fieldInfo{}, false
	}
	f := fieldInfo{typ: sf.Type}
	switch {
	case sf.Type.Kind() == reflect.Pointer:
		f.pointer, f.typ = true, sf.Type.Elem()
	case sf.Type.Kind() == reflect.Map:
		f.isMap, f.typ = true, sf.Type.Elem()
	case sf.Type.Kind() == reflect.Slice && sf.Type.Elem().Kind() != reflect.Uint8:
		f.repeated, f.typ = true, sf.Type.Elem()
	}
	if f.typ.Kind() == reflect.Pointer {
		f.typ = f.typ.Elem()
	}
	for i, part := range strings.Split(sf.Tag.Get("protobuf"), ",") {
		switch {
		case i == 2:
			f.optional, f.required = part == "opt", part == "req"
		case strings.HasPrefix(part, "enum="):
			f.enum = proto.EnumValueMap(strings.TrimPrefix(part, "enum="))
		}
	}
	return name, f, true
}

// fixer adjusts a parsed JSON message to a mesos-go type: tidy for what we
// send, tolerate for what we receive (see the package documentation).
type fixer int

const (
	tidy fixer = iota
	tolerate
)

// object fixes the members of o, a message of type t, in place. Members the
// type does not know are kept as they are.
func (x fixer) object(o *object, t reflect.Type) {
	s := schemaOf(t)
	kept := o.members[:0]
	for _, m := range o.members {
		name, _ := m.name.text()
		f, known := s[name]
		if !known {
			kept = append(kept, m)
			continue
		}
		if v, keep := x.field(m.value, f); keep {
			kept = append(kept, member{name: m.name, value: v})
		}
	}
	o.members = kept
}

// field fixes the value of one member; keep false drops the member.
func (x fixer) field(v any, f fieldInfo) (any, bool) {
	switch {
	case v == nil:
		return nil, false // null is unset
	case f.repeated:
		return x.array(v, f)
	case f.isMap:
		return x.mapValues(v, f)
	}
	return x.single(v, f)
}

func (x fixer) array(v any, f fieldInfo) (any, bool) {
	a, ok := v.([]any)
	if !ok {
		return v, true // not an array: the decoder will say so
	}
	kept := a[:0]
	for _, e := range a {
		if e == nil {
			continue
		}
		if e, keep := x.single(e, f); keep {
			kept = append(kept, e)
		}
	}
	return kept, x == tolerate || len(kept) > 0
}

func (x fixer) mapValues(v any, f fieldInfo) (any, bool) {
	o, ok := v.(*object)
	if !ok {
		return v, true
	}
	kept := o.members[:0]
	for _, m := range o.members {
		if m.value == nil {
			continue
		}
		if e, keep := x.single(m.value, f); keep {
			kept = append(kept, member{name: m.name, value: e})
		}
	}
	o.members = kept
	return o, x == tolerate || len(kept) > 0
}

// single fixes one value of field f (one element, for a repeated field).
func (x fixer) single(v any, f fieldInfo) (any, bool) {
	switch v := v.(type) {
	case *object:
		if f.typ.Kind() == reflect.Struct {
			x.object(v, f.typ)
		}
		return v, true
	case literal:
		if name, ok := v.text(); ok && f.enum != nil {
			return x.enumName(v, name, f)
		}
	}
	return v, true
}

// enumName fixes one enum value written as a name; mesos-go writes a
// number it has no name for as a quoted number, which is no name either.
func (x fixer) enumName(lit literal, name string, f fieldInfo) (any, bool) {
	value, known := f.enum[name]
	if x == tidy && known {
		// An optional enum left at UNKNOWN reads the same when omitted.
		return lit, !(value == 0 && name == unknownName && f.optional && !f.pointer && !f.repeated)
	}
	switch {
	case known || f.required:
		return lit, true // an unknown one fails, as it does for the agent
	case x == tidy || f.repeated || f.pointer:
		return nil, false
	case f.hasUnknown():
		return literal("0"), true
	}
	return lit, true // no safe reading: the decoder will reject it
}
