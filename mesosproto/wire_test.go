package mesosproto

import (
	"encoding/binary"
	"fmt"
	"math"
)

// A tiny protobuf wire writer and reader for the tests. The golden bodies
// are built with it from the fields in Mesos's messages.proto, so they do
// not come from the code under test.

const (
	wtVarint  = 0
	wtFixed64 = 1
	wtBytes   = 2
)

// fld is one field on the wire. val is a uint64 for wtVarint, a float64 or
// uint64 for wtFixed64, and a string or []byte for wtBytes.
type fld struct {
	num int
	wt  int
	val any
}

// enc encodes the fields in the order given.
func enc(fields ...fld) []byte {
	b := []byte{}
	for _, f := range fields {
		b = binary.AppendUvarint(b, uint64(f.num)<<3|uint64(f.wt))
		switch v := f.val.(type) {
		case uint64:
			if f.wt == wtFixed64 {
				b = binary.LittleEndian.AppendUint64(b, v)
			} else {
				b = binary.AppendUvarint(b, v)
			}
		case float64:
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
		case string:
			b = binary.AppendUvarint(b, uint64(len(v)))
			b = append(b, v...)
		case []byte:
			b = binary.AppendUvarint(b, uint64(len(v)))
			b = append(b, v...)
		default:
			panic(fmt.Sprintf("enc: field %d: unsupported value %T", f.num, f.val))
		}
	}
	return b
}

// Shorthands for the golden tables.
func vint(num int, v uint64) fld     { return fld{num, wtVarint, v} }
func str(num int, s string) fld      { return fld{num, wtBytes, s} }
func raw(num int, b []byte) fld      { return fld{num, wtBytes, b} }
func dbl(num int, f float64) fld     { return fld{num, wtFixed64, f} }
func sub(num int, fields ...fld) fld { return fld{num, wtBytes, enc(fields...)} }

// dec splits a body into its top-level fields (varint, fixed64 and
// length-delimited only, which is all Mesos uses). Length-delimited values
// come back as []byte, so enc(dec(b)...) == b for canonical input.
func dec(b []byte) ([]fld, error) {
	var out []fld
	for len(b) > 0 {
		key, n := binary.Uvarint(b)
		if n <= 0 {
			return nil, fmt.Errorf("bad key")
		}
		b = b[n:]
		f := fld{num: int(key >> 3), wt: int(key & 7)}
		switch f.wt {
		case wtVarint:
			v, n := binary.Uvarint(b)
			if n <= 0 {
				return nil, fmt.Errorf("field %d: bad varint", f.num)
			}
			f.val, b = v, b[n:]
		case wtFixed64:
			if len(b) < 8 {
				return nil, fmt.Errorf("field %d: short fixed64", f.num)
			}
			f.val, b = binary.LittleEndian.Uint64(b), b[8:]
		case wtBytes:
			l, n := binary.Uvarint(b)
			if n <= 0 || l > uint64(len(b)-n) {
				return nil, fmt.Errorf("field %d: bad length", f.num)
			}
			f.val, b = b[n:n+int(l)], b[n+int(l):]
		default:
			return nil, fmt.Errorf("field %d: wire type %d", f.num, f.wt)
		}
		out = append(out, f)
	}
	return out, nil
}
