package httpapi

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/mesos/mesos-go/api/v1/lib/executor"
)

// Numbering is a generation's numbering of Event types (Mesos's
// include/mesos/v1/executor/executor.proto at the 0.27.0 and 0.28.0 tags).
type Numbering int

const (
	// Numbering028 is the numbering of agents 0.28 and later: ERROR=6,
	// SHUTDOWN=7, Event.error in field 7. It is the default.
	Numbering028 Numbering = iota
	// Numbering027 is the numbering of agent 0.27: SHUTDOWN=6, ERROR=7,
	// Event.shutdown in field 7 and Event.error in field 8.
	Numbering027
)

func (n Numbering) String() string {
	switch n {
	case Numbering028:
		return "0.28"
	case Numbering027:
		return "0.27"
	}
	return fmt.Sprintf("Numbering(%d)", int(n))
}

// ErrNotInNumbering is wrapped by the error for a call or event that the
// codec's numbering cannot express, such as LAUNCH_GROUP for 0.27.
var ErrNotInNumbering = errors.New("httpapi: not in this generation's numbering")

// checkCall reports a call type the numbering's generation lacks.
func (n Numbering) checkCall(call *executor.Call) error {
	if n != Numbering027 {
		return nil
	}
	switch call.Type {
	case executor.Call_SUBSCRIBE, executor.Call_UPDATE, executor.Call_MESSAGE:
		return nil
	}
	return fmt.Errorf("%w %s: call type %s", ErrNotInNumbering, n, call.Type)
}

// checkEvent reports an event type or field the numbering's generation
// lacks.
func (n Numbering) checkEvent(ev *executor.Event) error {
	if n != Numbering027 {
		return nil
	}
	if ev.LaunchGroup != nil {
		return fmt.Errorf("%w %s: field launch_group", ErrNotInNumbering, n)
	}
	if ev.Type < executor.Event_SUBSCRIBED || ev.Type > executor.Event_SHUTDOWN {
		return fmt.Errorf("%w %s: event type %s", ErrNotInNumbering, n, ev.Type)
	}
	return nil
}

// direction says which way rewriteEvent translates.
type direction int

const (
	from027 direction = iota // 0.27 bytes to 0.28 bytes
	to027                    // 0.28 bytes to 0.27 bytes
)

// Protobuf wire types.
const (
	wireVarint  = 0
	wireFixed64 = 1
	wireBytes   = 2
	wireFixed32 = 5
)

// Event field numbers involved in the renumbering.
const (
	fieldType        = 1
	fieldError028    = 7 // and 0.27's shutdown
	fieldError027    = 8 // and 0.28's launch_group
	eventShutdown027 = 6 // and 0.28's ERROR
	eventError027    = 7 // and 0.28's SHUTDOWN
)

var errWire = errors.New("httpapi: malformed protobuf")

// wireField is one top-level field of an encoded message.
type wireField struct {
	num  uint64
	wire int
	raw  []byte // the whole field, tag included
	val  uint64 // a varint's value
	body []byte // a length-delimited field's bytes
}

// rewriteEvent translates an encoded Event between the numberings, one
// top-level field at a time; nested messages are copied untouched.
func rewriteEvent(data []byte, dir direction) ([]byte, error) {
	out := make([]byte, 0, len(data))
	for len(data) > 0 {
		f, n, err := parseField(data)
		if err != nil {
			return nil, err
		}
		data = data[n:]
		if out, err = dir.rewrite(out, f); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (d direction) rewrite(out []byte, f wireField) ([]byte, error) {
	switch {
	case f.num == fieldType && f.wire == wireVarint:
		return appendVarintField(out, fieldType, swapShutdownError(f.val)), nil
	case d == from027 && f.num == fieldError028 && f.wire == wireBytes:
		return out, nil // 0.27's Shutdown{grace_period_seconds}: no room for it
	case d == from027 && f.num == fieldError027 && f.wire == wireBytes:
		return appendBytesField(out, fieldError028, f.body), nil
	case d == to027 && f.num == fieldError028 && f.wire == wireBytes:
		return appendBytesField(out, fieldError027, f.body), nil
	case d == to027 && f.num == fieldError027:
		return nil, fmt.Errorf("%w %s: field launch_group", ErrNotInNumbering, Numbering027)
	}
	return append(out, f.raw...), nil
}

// swapShutdownError exchanges the two type numbers that moved in 0.28.
func swapShutdownError(t uint64) uint64 {
	switch t {
	case eventShutdown027:
		return eventError027
	case eventError027:
		return eventShutdown027
	}
	return t
}

// parseField reads the field at the start of data and returns it with its
// length.
func parseField(data []byte) (wireField, int, error) {
	tag, n := binary.Uvarint(data)
	if n <= 0 || tag>>3 == 0 {
		return wireField{}, 0, fmt.Errorf("%w: bad field tag", errWire)
	}
	f := wireField{num: tag >> 3, wire: int(tag & 7)}
	m, err := f.parseValue(data[n:])
	if err != nil {
		return wireField{}, 0, err
	}
	f.raw = data[:n+m]
	return f, n + m, nil
}

// parseValue reads f's value from the start of rest and returns its length.
func (f *wireField) parseValue(rest []byte) (int, error) {
	m := 0
	switch f.wire {
	case wireVarint:
		f.val, m = binary.Uvarint(rest)
	case wireFixed64:
		m = 8
	case wireFixed32:
		m = 4
	case wireBytes:
		size, k := binary.Uvarint(rest)
		if k > 0 && size <= uint64(len(rest)-k) {
			f.body, m = rest[k:k+int(size)], k+int(size)
		}
	default:
		return 0, fmt.Errorf("%w: field %d has wire type %d", errWire, f.num, f.wire)
	}
	if m <= 0 || m > len(rest) {
		return 0, fmt.Errorf("%w: field %d is cut short", errWire, f.num)
	}
	return m, nil
}

func appendVarintField(out []byte, num, v uint64) []byte {
	out = binary.AppendUvarint(out, num<<3|wireVarint)
	return binary.AppendUvarint(out, v)
}

func appendBytesField(out []byte, num uint64, body []byte) []byte {
	out = binary.AppendUvarint(out, num<<3|wireBytes)
	out = binary.AppendUvarint(out, uint64(len(body)))
	return append(out, body...)
}
