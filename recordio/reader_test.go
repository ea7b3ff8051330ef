package recordio

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
)

// outcome is how a stream ends: io.EOF, a cut (io.ErrUnexpectedEOF), a
// malformed length line or a record over the maximum.
type outcome int

const (
	endEOF outcome = iota
	endCut
	endFormat
	endTooLarge
)

// readAll reads records until the first error.
func readAll(r *Reader) ([][]byte, error) {
	var recs [][]byte
	for {
		rec, err := r.ReadRecord()
		if err != nil {
			return recs, err
		}
		recs = append(recs, rec)
	}
}

// requireOutcome checks that err is the kind of ending want names.
func requireOutcome(t *testing.T, want outcome, err error) {
	t.Helper()
	var fe *FormatError
	switch want {
	case endEOF:
		require.Equal(t, io.EOF, err) // exactly io.EOF, not wrapped
	case endCut:
		require.ErrorIs(t, err, io.ErrUnexpectedEOF)
		require.NotEqual(t, io.ErrUnexpectedEOF, err, "should say where the stream was cut")
	case endFormat:
		require.ErrorAs(t, err, &fe)
		require.NotErrorIs(t, err, ErrRecordTooLarge)
	case endTooLarge:
		require.ErrorAs(t, err, &fe)
		require.ErrorIs(t, err, ErrRecordTooLarge)
	}
}

func TestReaderFramings(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		max    int
		want   []string
		end    outcome
		reason string // part of the FormatError's reason
	}{
		{name: "empty stream", in: "", end: endEOF},
		{name: "one record", in: "5\nhello", want: []string{"hello"}},
		{name: "two records", in: "5\nhello3\nabc", want: []string{"hello", "abc"}},
		{name: "binary record with newlines", in: "4\n\n\x00\n9", want: []string{"\n\x00\n9"}},
		{name: "zero length is an empty record", in: "0\n2\nok0\n", want: []string{"", "ok", ""}},
		{name: "leading zeros", in: "0005\nhello", want: []string{"hello"}},
		{name: "twenty digits", in: "00000000000000000003\nabc", want: []string{"abc"}},
		{name: "cut inside the record", in: "5\nhel", end: endCut},
		{name: "cut before the record", in: "5\n", end: endCut},
		{name: "cut inside the length line", in: "5\nhello12", want: []string{"hello"}, end: endCut},
		{name: "empty length line", in: "\n", end: endFormat, reason: "empty length line"},
		{name: "letter", in: "a\n", end: endFormat, reason: "not a digit"},
		{name: "minus sign", in: "-1\n", end: endFormat, reason: "not a digit"},
		{name: "plus sign", in: "+1\nx", end: endFormat, reason: "not a digit"},
		{name: "leading space", in: " 5\nhello", end: endFormat, reason: "not a digit"},
		{name: "carriage return", in: "5\r\nhello", end: endFormat, reason: "not a digit"},
		{name: "garbage after a good record", in: "1\nxy\n", want: []string{"x"}, end: endFormat, reason: "not a digit"},
		{name: "twenty-one digits", in: "000000000000000000003\nabc", end: endFormat, reason: "more than 20 digits"},
		{name: "overflow", in: "18446744073709551616\n", end: endFormat, reason: "overflows"},
		{name: "far overflow", in: "99999999999999999999\n", end: endFormat, reason: "overflows"},
		{name: "largest uint64 is too large", in: "18446744073709551615\n", end: endTooLarge},
		{name: "over a small maximum", in: "5\nhello", max: 4, end: endTooLarge, reason: "over the maximum of 4"},
		{name: "at a small maximum", in: "4\nhell", max: 4, want: []string{"hell"}},
		{name: "over the default maximum", in: "268435457\n", end: endTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(tt.in), WithMaxRecordBytes(tt.max))
			recs, err := readAll(r)
			require.Len(t, recs, len(tt.want))
			for i, w := range tt.want {
				require.NotNil(t, recs[i])
				require.Equal(t, w, string(recs[i]))
			}
			requireOutcome(t, tt.end, err)
			if tt.reason != "" {
				require.ErrorContains(t, err, tt.reason)
			}
			_, again := r.ReadRecord()
			require.Equal(t, err, again, "errors are sticky")
		})
	}
}

func TestReaderFormatErrorOffsetIsTheLengthLine(t *testing.T) {
	r := NewReader(strings.NewReader("3\nabc12x\n"))
	_, err := readAll(r)
	var fe *FormatError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, int64(5), fe.Offset)
	require.Contains(t, fe.Error(), "offset 5")
	require.Contains(t, fe.Error(), `'x' at offset 7`)
}

func TestReaderDefaultMaximum(t *testing.T) {
	require.Equal(t, DefaultMaxRecordBytes, NewReader(strings.NewReader("")).MaxRecordBytes())
	require.Equal(t, DefaultMaxRecordBytes, NewReader(nil, WithMaxRecordBytes(-1)).MaxRecordBytes())
	require.Equal(t, 10, NewReader(nil, WithMaxRecordBytes(10)).MaxRecordBytes())
	r := NewReader(strings.NewReader("268435456\n"))
	_, err := r.ReadRecord()
	require.ErrorIs(t, err, io.ErrUnexpectedEOF, "exactly the default maximum is accepted")
}

// stream frames records with AppendRecord.
func stream(records ...[]byte) []byte {
	var b []byte
	for _, r := range records {
		b = AppendRecord(b, r)
	}
	return b
}

func someRecords() [][]byte {
	return [][]byte{
		[]byte("SUBSCRIBED"), {}, bytes.Repeat([]byte{0, '\n', 0xff}, 1000),
		[]byte("12\n"), bytes.Repeat([]byte("x"), bufferBytes+17), []byte("last"),
	}
}

func TestReaderOneByteAtATime(t *testing.T) {
	want := someRecords()
	for name, wrap := range map[string]func(io.Reader) io.Reader{
		"one byte":                iotest.OneByteReader,
		"one byte, EOF with data": func(r io.Reader) io.Reader { return iotest.DataErrReader(iotest.OneByteReader(r)) },
		"halves":                  iotest.HalfReader,
	} {
		t.Run(name, func(t *testing.T) {
			recs, err := readAll(NewReader(wrap(bytes.NewReader(stream(want...)))))
			require.Equal(t, io.EOF, err)
			require.Equal(t, want, recs)
		})
	}
}

func TestReaderManyRecordsInOneRead(t *testing.T) {
	var want [][]byte
	for i := range 1000 {
		want = append(want, bytes.Repeat([]byte{byte(i)}, i%37))
	}
	recs, err := readAll(NewReader(bytes.NewReader(stream(want...))))
	require.Equal(t, io.EOF, err)
	require.Equal(t, want, recs)
}

// chunky returns at most n bytes per Read, n cycling through 1..max.
type chunky struct {
	r      io.Reader
	n, max int
}

func (c *chunky) Read(p []byte) (int, error) {
	c.n = c.n%c.max + 1
	return c.r.Read(p[:min(len(p), c.n)])
}

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i>>13)
	}
	return b
}

func TestReaderLargeRecords(t *testing.T) {
	for _, size := range []int{growBytes, growBytes + 1, 5 << 20, 20 << 20} {
		big := pattern(size)
		in := stream([]byte("before"), big, []byte("after"))
		recs, err := readAll(NewReader(&chunky{r: bytes.NewReader(in), max: 65537}))
		require.Equal(t, io.EOF, err)
		require.Len(t, recs, 3)
		require.Equal(t, "before", string(recs[0]))
		require.True(t, bytes.Equal(big, recs[1]), "record of %d bytes differs", size)
		require.Equal(t, size, cap(recs[1]), "no slack kept")
		require.Equal(t, "after", string(recs[2]))
	}
}

func TestReaderLargeRecordCut(t *testing.T) {
	in := stream(pattern(5 << 20))
	recs, err := readAll(NewReader(bytes.NewReader(in[:len(in)-1])))
	require.Empty(t, recs)
	requireOutcome(t, endCut, err)
	require.ErrorContains(t, err, "inside a record of 5242880 bytes")
}

// TestReaderDoesNotAllocateTheDeclaredLength sends a length line for almost
// the default maximum and then only a few bytes.
func TestReaderDoesNotAllocateTheDeclaredLength(t *testing.T) {
	in := "268435455\n" + strings.Repeat("x", 100)
	allocated := bytesAllocated(t, func() {
		_, err := NewReader(strings.NewReader(in)).ReadRecord()
		requireOutcome(t, endCut, err)
	})
	require.Less(t, allocated, uint64(4<<20), "a length line alone must not commit the declared size")
}

// TestReaderGrowsWithTheBytes checks that a 20 MiB record costs a bounded
// multiple of its size, not a fixed large buffer.
func TestReaderGrowsWithTheBytes(t *testing.T) {
	in := stream(pattern(20 << 20))
	allocated := bytesAllocated(t, func() {
		rec, err := NewReader(bytes.NewReader(in)).ReadRecord()
		require.NoError(t, err)
		require.Len(t, rec, 20<<20)
	})
	require.Less(t, allocated, uint64(3*20<<20))
}

func TestReaderPassesOtherErrorsThrough(t *testing.T) {
	boom := errors.New("boom")
	r := NewReader(io.MultiReader(strings.NewReader("5\nhe"), iotest.ErrReader(boom)))
	_, err := r.ReadRecord()
	require.Equal(t, boom, err)
	_, err = r.ReadRecord()
	require.Equal(t, boom, err)
}

// endless repeats one framed record forever.
type endless struct {
	frame []byte
	off   int
}

func (e *endless) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		k := copy(p[n:], e.frame[e.off:])
		n += k
		e.off = (e.off + k) % len(e.frame)
	}
	return n, nil
}

func TestReaderAllocatesOnlyTheRecord(t *testing.T) {
	r := NewReader(&endless{frame: AppendRecord(nil, pattern(200))})
	allocs := testing.AllocsPerRun(1000, func() {
		if _, err := r.ReadRecord(); err != nil {
			panic(err)
		}
	})
	require.Equal(t, 1.0, allocs)
}
