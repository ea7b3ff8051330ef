package httpapi

import (
	"errors"
	"fmt"

	"github.com/mesos/mesos-go/api/v1/lib/executor"
)

// The two content types of the v1 executor API, exactly as the agent
// compares them.
const (
	ContentTypeProtobuf = "application/x-protobuf"
	ContentTypeJSON     = "application/json"
)

// Codec encodes and decodes executor calls and events in one encoding and
// one event numbering. The zero value is Protobuf with Numbering028.
type Codec struct {
	json      bool
	numbering Numbering
}

// The two codecs, in the default numbering.
var (
	Protobuf = Codec{}
	JSON     = Codec{json: true}
)

// ErrMissingPayload is wrapped by the *DecodeError for an event of a known
// type that lacks its payload field.
var ErrMissingPayload = errors.New("httpapi: event lacks the field its type requires")

// DecodeError reports bytes that are not a valid message in the codec's
// encoding.
type DecodeError struct {
	Codec   Codec
	Message string // "Event" or "Call"
	Err     error
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("httpapi: malformed %s %s: %v", e.Codec, e.Message, e.Err)
}

// Unwrap returns e.Err.
func (e *DecodeError) Unwrap() error { return e.Err }

// ContentType is the Content-Type of what the codec encodes.
func (c Codec) ContentType() string {
	if c.json {
		return ContentTypeJSON
	}
	return ContentTypeProtobuf
}

// Numbering is the codec's event numbering.
func (c Codec) Numbering() Numbering { return c.numbering }

// WithNumbering returns the codec with event numbering n.
func (c Codec) WithNumbering(n Numbering) Codec {
	c.numbering = n
	return c
}

// String names the encoding, and the numbering when it is not the default:
// "protobuf", "json", "protobuf/0.27".
func (c Codec) String() string {
	name := "protobuf"
	if c.json {
		name = "json"
	}
	if c.numbering != Numbering028 {
		name += "/" + c.numbering.String()
	}
	return name
}

// CodecForContentType returns the codec for a Content-Type, compared
// exactly, as the agent does.
func CodecForContentType(contentType string) (Codec, bool) {
	switch contentType {
	case ContentTypeProtobuf:
		return Protobuf, true
	case ContentTypeJSON:
		return JSON, true
	}
	return Codec{}, false
}

// EncodeCall returns the request body for call.
func (c Codec) EncodeCall(call *executor.Call) ([]byte, error) {
	if call == nil {
		return nil, errors.New("httpapi: nil Call")
	}
	if err := c.numbering.checkCall(call); err != nil {
		return nil, err
	}
	if c.json {
		return encodeJSON(call)
	}
	return encodeProtobuf(call)
}

// DecodeCall decodes a request body. It does not validate the call.
func (c Codec) DecodeCall(data []byte) (*executor.Call, error) {
	call := new(executor.Call)
	var err error
	if c.json {
		err = decodeJSON(data, call)
	} else {
		err = decodeProtobuf(data, call)
	}
	if err != nil {
		return nil, &DecodeError{Codec: c, Message: "Call", Err: err}
	}
	return call, nil
}

// EncodeEvent returns the RecordIO record (without its framing) for ev.
func (c Codec) EncodeEvent(ev *executor.Event) ([]byte, error) {
	if ev == nil {
		return nil, errors.New("httpapi: nil Event")
	}
	if err := c.numbering.checkEvent(ev); err != nil {
		return nil, err
	}
	if c.json {
		return encodeJSON(ev)
	}
	data, err := encodeProtobuf(ev)
	if err != nil || c.numbering == Numbering028 {
		return data, err
	}
	return rewriteEvent(data, to027)
}

// DecodeEvent decodes one event record. An event type it does not know is
// not an error (see the package documentation); a known type without its
// payload is.
func (c Codec) DecodeEvent(data []byte) (*executor.Event, error) {
	ev, err := c.decodeEvent(data)
	if err == nil {
		err = checkPayload(ev)
	}
	if err != nil {
		return nil, &DecodeError{Codec: c, Message: "Event", Err: err}
	}
	return ev, nil
}

func (c Codec) decodeEvent(data []byte) (*executor.Event, error) {
	ev := new(executor.Event)
	if c.json {
		return ev, decodeJSON(data, ev)
	}
	if c.numbering == Numbering027 {
		var err error
		if data, err = rewriteEvent(data, from027); err != nil {
			return nil, err
		}
	}
	return ev, decodeProtobuf(data, ev)
}

// checkPayload reports an event of a known type without its payload.
func checkPayload(ev *executor.Event) error {
	var missing string
	switch ev.Type {
	case executor.Event_SUBSCRIBED:
		missing = absent(ev.Subscribed == nil, "subscribed")
	case executor.Event_LAUNCH:
		missing = absent(ev.Launch == nil, "launch")
	case executor.Event_LAUNCH_GROUP:
		missing = absent(ev.LaunchGroup == nil, "launch_group")
	case executor.Event_KILL:
		missing = absent(ev.Kill == nil, "kill")
	case executor.Event_ACKNOWLEDGED:
		missing = absent(ev.Acknowledged == nil, "acknowledged")
	case executor.Event_MESSAGE:
		missing = absent(ev.Message == nil, "message")
	case executor.Event_ERROR:
		missing = absent(ev.Error == nil, "error")
	}
	if missing != "" {
		return fmt.Errorf("%w: %s without %q", ErrMissingPayload, ev.Type, missing)
	}
	return nil
}

func absent(isNil bool, name string) string {
	if isNil {
		return name
	}
	return ""
}
