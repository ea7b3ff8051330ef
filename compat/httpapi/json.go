package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"unicode/utf8"

	"github.com/gogo/protobuf/proto"
)

// jsonMessage is what mesos-go's ffjson generates for every message.
type jsonMessage interface {
	proto.Message
	json.Marshaler
	json.Unmarshaler
}

var errInvalidJSON = errors.New("httpapi: not valid UTF-8 JSON")

// encodeJSON writes m with its ffjson method and tidies the result.
func encodeJSON(m jsonMessage) ([]byte, error) {
	raw, err := m.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("httpapi: encode %s: %w", proto.MessageName(m), err)
	}
	tree, err := parseJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("httpapi: encode %s: ffjson wrote bad JSON: %w", proto.MessageName(m), err)
	}
	if o, ok := tree.(*object); ok {
		tidy.object(o, reflect.TypeOf(m).Elem())
	}
	return writeJSON(tree), nil
}

// decodeJSON decodes data into m; if the plain decode fails it retries once
// on a tolerant reading of data.
func decodeJSON(data []byte, m jsonMessage) error {
	if !utf8.Valid(data) || !json.Valid(data) {
		return errInvalidJSON // JSON is UTF-8; other bytes would not survive a round trip
	}
	err := unmarshalJSON(data, m)
	if err == nil {
		return nil
	}
	tree, perr := parseJSON(data)
	o, ok := tree.(*object)
	if perr != nil || !ok {
		return err
	}
	tolerate.object(o, reflect.TypeOf(m).Elem())
	m.Reset()
	return unmarshalJSON(writeJSON(o), m)
}

// unmarshalJSON runs m's ffjson decoder, turning a panic into an error.
func unmarshalJSON(data []byte, m jsonMessage) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("httpapi: JSON decoder panicked: %v", r)
		}
	}()
	return m.UnmarshalJSON(data)
}
