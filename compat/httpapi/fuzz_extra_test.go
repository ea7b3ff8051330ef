package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gogo/protobuf/proto"
	"github.com/mesos/mesos-go/api/v1/lib/executor"

	"github.com/mesos-shim/executor/internal/fuzzseed"
)

// FuzzCrossCodec checks that the two encodings carry the same messages.
// Whatever decodes as a protobuf Event or Call and encodes as JSON must
// decode from that JSON again, to an equal message, unless it holds what
// the JSON encoding documents it drops or refuses (an enum value mesos-go
// has no name for) or cannot carry (a string that is not UTF-8); whatever
// decodes again must give the same JSON when encoded again. Whatever decodes
// as JSON must encode as protobuf, unless it lacks a required field (which
// only protobuf checks), and decode from it to an equal message.
func FuzzCrossCodec(f *testing.F) {
	for _, ev := range sampleEvents() {
		for _, codec := range []Codec{Protobuf, JSON} {
			data, _ := codec.EncodeEvent(ev)
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		crossEvent(t, data)
		crossCall(t, data)
	})
}

// message is what both executor.Event and executor.Call are.
type message interface {
	Equal(any) bool
	String() string
}

// crossing is one message type seen through both codecs.
type crossing[M message] struct {
	decode func(Codec, []byte) (M, error)
	encode func(Codec, M) ([]byte, error)
}

var (
	eventCrossing = crossing[*executor.Event]{Codec.DecodeEvent, Codec.EncodeEvent}
	callCrossing  = crossing[*executor.Call]{Codec.DecodeCall, Codec.EncodeCall}
)

func crossEvent(t *testing.T, data []byte) { cross(t, eventCrossing, data) }
func crossCall(t *testing.T, data []byte)  { cross(t, callCrossing, data) }

func cross[M message](t *testing.T, c crossing[M], data []byte) {
	if m, err := c.decode(Protobuf, data); err == nil {
		protobufToJSON(t, c, m)
	}
	if m, err := c.decode(JSON, data); err == nil {
		enc, err := c.encode(Protobuf, m)
		var missing *proto.RequiredNotSetError
		if errors.As(err, &missing) {
			return // the JSON decoder does not check required fields; protobuf cannot leave them out
		}
		if err != nil {
			t.Fatalf("%v decoded from JSON does not encode as protobuf: %v", m, err)
		}
		back, err := c.decode(Protobuf, enc)
		if err != nil {
			t.Fatalf("%v decoded from JSON, encoded as protobuf %q, does not decode: %v", m, enc, err)
		}
		if !m.Equal(back) {
			t.Fatalf("%v decoded from JSON comes back from protobuf as %v", m, back)
		}
	}
}

func protobufToJSON[M message](t *testing.T, c crossing[M], m M) {
	j, err := c.encode(JSON, m)
	if err != nil {
		return // NaN and infinities have no JSON form
	}
	back, err := c.decode(JSON, j)
	carried := jsonCarriesAll(reflect.ValueOf(m))
	if err != nil {
		if carried {
			t.Fatalf("%v decoded from protobuf, encoded as JSON %s, does not decode: %v", m, j, err)
		}
		return // an unnamed value of a required enum is kept, and refused, as the agent does
	}
	if carried && !m.Equal(back) {
		t.Fatalf("%v decoded from protobuf comes back from JSON %s as %v", m, j, back)
	}
	again, err := c.encode(JSON, back)
	if err != nil || !sameJSON(j, again) {
		t.Fatalf("%v decoded from protobuf encodes as JSON %s, then as %s (%v)", m, j, again, err)
	}
}

// jsonCarriesAll reports whether v holds only what the JSON encoding keeps:
// every enum value has a name and every string is UTF-8.
func jsonCarriesAll(v reflect.Value) bool {
	type enum interface{ EnumDescriptor() ([]byte, []int) }
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		return v.IsNil() || jsonCarriesAll(v.Elem())
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() && !jsonCarriesAll(v.Field(i)) {
				return false
			}
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return true
		}
		for i := range v.Len() {
			if !jsonCarriesAll(v.Index(i)) {
				return false
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			if !jsonCarriesAll(it.Key()) || !jsonCarriesAll(it.Value()) {
				return false
			}
		}
	case reflect.String:
		return utf8.ValidString(v.String())
	case reflect.Int32:
		if _, ok := v.Interface().(enum); ok {
			_, err := strconv.Atoi(fmt.Sprint(v.Interface()))
			return err != nil // an unnamed value prints as its number
		}
	}
	return true
}

// sameJSON compares two JSON texts as values (members in any order).
func sameJSON(a, b []byte) bool {
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return false
	}
	return reflect.DeepEqual(va, vb)
}

// FuzzJSONTree checks the JSON tree the codec tidies and tolerates JSON
// with: every valid JSON text parses, writes back as exactly its compact
// form, and survives both fixers, for Event and Call, as valid JSON that
// parses again to the same text.
func FuzzJSONTree(f *testing.F) {
	for _, s := range []string{`{}`, `[]`, `null`, `{"a":[1,"x\"",{"b":null}]}`, ` { "type" : "SHUTDOWN" } `} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) {
			return // parseJSON is only given what json.Valid accepts
		}
		tree, err := parseJSON(data)
		if err != nil {
			t.Fatalf("valid JSON %q does not parse: %v", data, err)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, data); err != nil {
			t.Fatal(err)
		}
		if out := writeJSON(tree); !bytes.Equal(out, compact.Bytes()) {
			t.Fatalf("%q writes back as %q, want %q", data, out, compact.Bytes())
		}
		for _, typ := range []reflect.Type{reflect.TypeOf(executor.Event{}), reflect.TypeOf(executor.Call{})} {
			for _, x := range []fixer{tidy, tolerate} {
				fixed, _ := parseJSON(data)
				o, ok := fixed.(*object)
				if !ok {
					continue
				}
				x.object(o, typ)
				out := writeJSON(o)
				if !json.Valid(out) {
					t.Fatalf("fixer %d on %s: %q gives invalid JSON %q", x, typ, data, out)
				}
				if again, err := parseJSON(out); err != nil || !bytes.Equal(writeJSON(again), out) {
					t.Fatalf("fixer %d on %s: %q gives %q, which does not parse back (%v)", x, typ, data, out, err)
				}
			}
		}
	})
}

// FuzzNegotiateAccept: any two Accept header values (mesos-go sends the
// header twice) choose the same codec as the one value that joins them,
// only JSON or protobuf, and a leading exact application/json always wins.
func FuzzNegotiateAccept(f *testing.F) {
	f.Add("application/json;q=0", "*/*")
	f.Add("application/*;q=0.5", "text/plain")
	f.Fuzz(func(t *testing.T, a, b string) {
		codec, ok := NegotiateAccept([]string{a, b})
		joined, jok := NegotiateAccept([]string{a + "," + b})
		if codec != joined || ok != jok {
			t.Fatalf("Accept %q and %q choose %v %v, joined %v %v", a, b, codec, ok, joined, jok)
		}
		if ok && codec != JSON && codec != Protobuf || !ok && codec != (Codec{}) {
			t.Fatalf("Accept %q and %q choose %v %v", a, b, codec, ok)
		}
		if first, ok := NegotiateAccept([]string{ContentTypeJSON, a, b}); !ok || first != JSON {
			t.Fatalf("a leading %s before %q and %q chooses %v %v", ContentTypeJSON, a, b, first, ok)
		}
	})
}

// TestFuzzSeeds checks (with FUZZSEED=write, rewrites) the committed
// corpora of the package's fuzz targets (see internal/fuzzseed), all from
// the v1 exchanges of the captures:
//
//   - FuzzDecode and FuzzCrossCodec: every call body
//     (captured-<scenario>-<connection>-<n>-call), every event record of a
//     SUBSCRIBE answer (captured-<scenario>-<connection>-event-<n>), in
//     protobuf and JSON, and, for FuzzDecode, the body of each other answer
//     (captured-<scenario>-<connection>-<n>-<status>, the 503 text).
//   - FuzzJSONTree: the JSON ones of those bodies and records.
//   - FuzzNegotiateAccept: the Accept header values of each SUBSCRIBE.
func TestFuzzSeeds(t *testing.T) {
	var decode, cross, tree, accept []fuzzseed.Seed
	add := func(name, contentType string, body []byte) {
		s := fuzzseed.New(name, bytes.Clone(body))
		decode, cross = append(decode, s), append(cross, s)
		if contentType == ContentTypeJSON {
			tree = append(tree, s)
		}
	}
	for _, x := range fuzzseed.Exchanges(t) {
		if x.Libprocess() {
			continue
		}
		prefix := fmt.Sprintf("captured-%s-%d", x.Scenario, x.Conn)
		add(fmt.Sprintf("%s-%d-call", prefix, x.Index), x.Req.Header.Get("Content-Type"), x.Body)
		if values := x.Req.Header.Values("Accept"); len(values) > 0 {
			a, b := values[0], ""
			if len(values) > 1 {
				b = strings.Join(values[1:], ",")
			}
			accept = append(accept, fuzzseed.New(fmt.Sprintf("%s-%d-accept", prefix, x.Index), a, b))
		}
		switch {
		case x.Resp == nil:
		case x.Resp.StatusCode == http.StatusOK:
			for i, rec := range fuzzseed.Records(x.RespBody) {
				add(fmt.Sprintf("%s-event-%d", prefix, i+1), x.Resp.Header.Get("Content-Type"), rec)
			}
		case len(x.RespBody) > 0:
			name := fmt.Sprintf("%s-%d-%d", prefix, x.Index, x.Resp.StatusCode)
			decode = append(decode, fuzzseed.New(name, bytes.Clone(x.RespBody)))
		}
	}
	fuzzseed.Sync(t, "FuzzDecode", decode)
	fuzzseed.Sync(t, "FuzzCrossCodec", cross)
	fuzzseed.Sync(t, "FuzzJSONTree", tree)
	fuzzseed.Sync(t, "FuzzNegotiateAccept", accept)
}
