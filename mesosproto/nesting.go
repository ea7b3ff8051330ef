package mesosproto

import (
	"encoding/binary"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
)

// MaxGroupDepth is how deeply Unmarshal lets groups nest in a message: the
// nesting limit C++ protobuf decodes with by default. Mesos's messages use
// no groups, so a group can only be an unknown field, which the decoders
// skip.
const MaxGroupDepth = 100

// checkGroupNesting reports groups nested more than MaxGroupDepth deep
// where the decoder of m's type would skip them. The decoders of mesos-go
// v0.0.11's generated types skip an unknown group by calling themselves
// for each group inside it, so a body of a few megabytes of start-group
// tags exhausts the goroutine's stack: a fatal error, which no recover
// catches. The scan follows the decoders: it looks into the
// length-delimited fields that m's type declares as messages, and passes
// over every other one as they do, so bytes fields (a task's data, a
// framework message) may hold anything. It reads each byte once and
// allocates nothing for messages less than 16 levels deep. A message
// malformed in any other way is left to the decoder to refuse: it stops
// there too, no deeper than the scan has looked.
func checkGroupNesting(data []byte, m any) error {
	type frame struct {
		end int
		msg *schema
	}
	var buf [16]frame
	frames := append(buf[:0], frame{end: len(data), msg: schemaOf(reflect.TypeOf(m))})
	i := 0
	for len(frames) > 0 {
		top := frames[len(frames)-1]
		if i >= top.end {
			frames = frames[:len(frames)-1]
			continue
		}
		num, wireType, n := readTag(data[i:top.end])
		if n <= 0 {
			return nil // malformed: the decoder's to refuse
		}
		i += n
		var next int
		switch wireType {
		case 2:
			start, end, ok := payload(data[:top.end], i)
			if !ok {
				return nil
			}
			if inner := top.msg.field(num); inner != nil {
				frames = append(frames, frame{end: end, msg: inner})
				next = start
			} else {
				next = end
			}
		case 3:
			end, err := skipGroup(data[:top.end], i)
			if err != nil || end < 0 {
				return err
			}
			next = end
		default:
			next = skipScalar(data[:top.end], i, wireType)
			if next < 0 {
				return nil
			}
		}
		i = next
	}
	return nil
}

// readTag reads a field's tag: its number and wire type, and how many
// bytes it took (0 or less: not a tag).
func readTag(data []byte) (num uint64, wireType int, n int) {
	tag, n := binary.Uvarint(data)
	if n <= 0 || tag>>3 == 0 {
		return 0, 0, 0
	}
	return tag >> 3, int(tag & 7), n
}

// payload reads the length of the length-delimited field whose value
// starts at data[i], and where its payload starts and ends.
func payload(data []byte, i int) (start, end int, ok bool) {
	length, n := binary.Uvarint(data[i:])
	if n <= 0 || length > uint64(len(data)-i-n) {
		return 0, 0, false
	}
	return i + n, i + n + int(length), true
}

// skipScalar skips the value of wire type 0, 1 or 5 starting at data[i],
// returning where it ends, or -1 if it is malformed or of another type.
func skipScalar(data []byte, i int, wireType int) int {
	size := -1
	switch wireType {
	case 0:
		if _, n := binary.Uvarint(data[i:]); n > 0 {
			size = n
		}
	case 1:
		size = 8
	case 5:
		size = 4
	}
	if size < 0 || size > len(data)-i {
		return -1
	}
	return i + size
}

// skipGroup skips the group whose start tag ends at data[i], as the
// decoders do, and returns where it ends: -1 if it is malformed, an error
// if its groups nest more than MaxGroupDepth deep (counting itself).
func skipGroup(data []byte, i int) (int, error) {
	for depth := 1; depth > 0; {
		_, wireType, n := readTag(data[i:])
		if n <= 0 {
			return -1, nil
		}
		i += n
		switch wireType {
		case 2:
			_, end, ok := payload(data, i)
			if !ok {
				return -1, nil
			}
			i = end
		case 3:
			if depth++; depth > MaxGroupDepth {
				return -1, fmt.Errorf("groups nested more than %d deep at byte %d", MaxGroupDepth, i)
			}
		case 4:
			depth--
		default:
			if i = skipScalar(data, i, wireType); i < 0 {
				return -1, nil
			}
		}
	}
	return i, nil
}

// schema is what checkGroupNesting needs of a message type: which of its
// fields are messages, by number. Built from the generated Go struct's
// protobuf tags on first use.
type schema struct {
	once   sync.Once
	build  func() map[uint64]*schema
	fields []*schema // by field number; Mesos's are small
	large  map[uint64]*schema
}

// maxIndexed bounds the field numbers kept in schema.fields.
const maxIndexed = 128

func (s *schema) field(num uint64) *schema {
	s.once.Do(s.index)
	if num < uint64(len(s.fields)) {
		return s.fields[num]
	}
	return s.large[num]
}

// index builds the schema's fields, by number.
func (s *schema) index() {
	for num, f := range s.build() {
		if num >= maxIndexed {
			if s.large == nil {
				s.large = map[uint64]*schema{}
			}
			s.large[num] = f
			continue
		}
		if num >= uint64(len(s.fields)) {
			s.fields = append(s.fields, make([]*schema, num+1-uint64(len(s.fields)))...)
		}
		s.fields[num] = f
	}
}

var schemas sync.Map // reflect.Type of a struct → *schema

// schemaOf returns the schema of the message type t (a struct or a
// pointer to one), or nil if t is not a message.
func schemaOf(t reflect.Type) *schema {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	if s, ok := schemas.Load(t); ok {
		return s.(*schema)
	}
	s, _ := schemas.LoadOrStore(t, &schema{build: func() map[uint64]*schema { return messageFields(t) }})
	return s.(*schema)
}

// messageFields maps the numbers of struct t's message fields (repeated or
// not, and map fields, whose entries are messages) to their schemas.
func messageFields(t reflect.Type) map[uint64]*schema {
	fields := map[uint64]*schema{}
	for i := range t.NumField() {
		f := t.Field(i)
		num, ok := fieldNumber(f.Tag.Get("protobuf"))
		if !ok {
			continue
		}
		ft := f.Type
		switch {
		case ft.Kind() == reflect.Map:
			value := schemaOf(ft.Elem())
			fields[num] = &schema{build: func() map[uint64]*schema {
				if value == nil {
					return nil
				}
				return map[uint64]*schema{2: value} // an entry: key 1, value 2
			}}
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() != reflect.Uint8:
			if s := schemaOf(ft.Elem()); s != nil {
				fields[num] = s
			}
		default:
			if s := schemaOf(ft); s != nil {
				fields[num] = s
			}
		}
	}
	return fields
}

// fieldNumber reads the number from a generated field's protobuf tag,
// "bytes,2,req,name=task_id".
func fieldNumber(tag string) (uint64, bool) {
	parts := strings.SplitN(tag, ",", 3)
	if len(parts) < 2 {
		return 0, false
	}
	n, err := strconv.ParseUint(parts[1], 10, 64)
	return n, err == nil
}
