package httpapi

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to every codec's DecodeEvent and
// DecodeCall: they must never panic, must fail only with a *DecodeError,
// and whatever decodes must encode to bytes that decode again, to an equal
// message or at least to one that encodes the same (NaN is not equal to
// itself, and JSON drops enum values that have no name). Seeds:
// every record and call body in the v1 captures, and the samples; the
// committed corpus holds the same captured bodies and the 503 answer's
// text (see TestFuzzSeeds) besides two earlier crashers.
func FuzzDecode(f *testing.F) {
	for _, sc := range scenarios {
		xs := loadExchanges(f, sc.name)
		_, bodies := calls(f, xs)
		for _, b := range bodies {
			f.Add(b)
		}
		for _, sub := range subscriptions(f, xs) {
			for _, rec := range sub.records {
				f.Add(rec)
			}
		}
	}
	for _, codec := range []Codec{Protobuf, JSON} {
		for _, ev := range sampleEvents() {
			data, _ := codec.EncodeEvent(ev)
			f.Add(data)
		}
	}
	f.Add(shutdownGrace027)
	f.Add(error027)
	f.Add(hugeNestedLength())
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, codec := range allCodecs {
			fuzzEvent(t, codec, data)
			fuzzCall(t, codec, data)
		}
	})
}

func fuzzEvent(t *testing.T, codec Codec, data []byte) {
	ev, err := codec.DecodeEvent(data)
	if err != nil {
		requireDecodeError(t, err)
		return
	}
	enc, err := codec.EncodeEvent(ev)
	if err != nil {
		return // decodable but not encodable, e.g. a type 0.27 lacks
	}
	back, err := codec.DecodeEvent(enc)
	if err != nil {
		t.Fatalf("%s: %v decoded, encoded as %q, does not decode: %v", codec, ev, enc, err)
	}
	if again, _ := codec.EncodeEvent(back); !ev.Equal(back) && !bytes.Equal(enc, again) {
		t.Fatalf("%s: %v\nencoded and decoded again is %v", codec, ev, back)
	}
}

func fuzzCall(t *testing.T, codec Codec, data []byte) {
	call, err := codec.DecodeCall(data)
	if err != nil {
		requireDecodeError(t, err)
		return
	}
	enc, err := codec.EncodeCall(call)
	if err != nil {
		return
	}
	back, err := codec.DecodeCall(enc)
	if err != nil {
		t.Fatalf("%s: %v decoded, encoded as %q, does not decode: %v", codec, call, enc, err)
	}
	if again, _ := codec.EncodeCall(back); !call.Equal(back) && !bytes.Equal(enc, again) {
		t.Fatalf("%s: %v\nencoded and decoded again is %v", codec, call, back)
	}
}

func requireDecodeError(t *testing.T, err error) {
	var de *DecodeError
	if !errors.As(err, &de) {
		t.Fatalf("not a *DecodeError: %T %v", err, err)
	}
}
