package recordio

import (
	"io"
	"testing"
)

// BenchmarkReadRecord reads 600-byte records (the size of a SUBSCRIBED
// event) from an endless stream.
func BenchmarkReadRecord(b *testing.B) {
	r := NewReader(&endless{frame: AppendRecord(nil, pattern(600))})
	b.SetBytes(600)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.ReadRecord(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadRecordLarge reads 5 MiB records, which take the growing path.
func BenchmarkReadRecordLarge(b *testing.B) {
	r := NewReader(&endless{frame: AppendRecord(nil, pattern(5<<20))})
	b.SetBytes(5 << 20)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.ReadRecord(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteRecord(b *testing.B) {
	w := NewWriter(io.Discard)
	rec := pattern(600)
	b.SetBytes(600)
	b.ReportAllocs()
	for b.Loop() {
		if err := w.WriteRecord(rec); err != nil {
			b.Fatal(err)
		}
	}
}
