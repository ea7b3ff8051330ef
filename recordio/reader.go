package recordio

import (
	"bufio"
	"fmt"
	"io"
	"math"
)

// DefaultMaxRecordBytes is the largest record a Reader accepts unless told
// otherwise: 256 MiB.
//
// Events are bounded in practice by protobuf: Mesos parses messages with a
// 64 MiB limit, so a protobuf event that went through an agent is smaller
// than that. Its JSON form can be several times larger (bytes become base64,
// numbers and field names become text), hence the headroom. mesos-go's 4 MiB
// limit is too small for a LAUNCH carrying a large TaskInfo.data. A generous
// maximum costs nothing for ordinary records, because a Reader allocates as
// bytes arrive rather than for the declared length.
const DefaultMaxRecordBytes = 256 << 20

// MaxLengthDigits is the longest length line a Reader accepts, not counting
// its newline: 20 digits hold any uint64.
const MaxLengthDigits = 20

const (
	// bufferBytes is the size of a Reader's read buffer.
	bufferBytes = 32 << 10
	// growBytes is how much memory a large record gets before any of its
	// bytes arrive; it then doubles, capped at the declared length.
	growBytes = 1 << 20
)

// Option configures a Reader.
type Option interface{ apply(*Reader) }

type maxRecordBytes int

func (m maxRecordBytes) apply(r *Reader) {
	if m > 0 {
		r.max = int(m)
	}
}

// WithMaxRecordBytes sets the largest record the Reader accepts. A value of
// 0 or less keeps DefaultMaxRecordBytes.
func WithMaxRecordBytes(n int) Option { return maxRecordBytes(n) }

// Reader reads records from a RecordIO stream. It buffers its input, so it
// may read past the record it returns. It is not safe for concurrent use.
type Reader struct {
	br  *bufio.Reader
	max int
	off int64 // bytes consumed from br
	err error // sticky
}

// NewReader returns a Reader reading from r.
func NewReader(r io.Reader, opts ...Option) *Reader {
	rd := &Reader{br: bufio.NewReaderSize(r, bufferBytes), max: DefaultMaxRecordBytes}
	for _, o := range opts {
		o.apply(rd)
	}
	return rd
}

// MaxRecordBytes is the largest record the Reader accepts.
func (r *Reader) MaxRecordBytes() int { return r.max }

// ReadRecord returns the next record, in a new slice the caller owns. A
// length of 0 gives an empty, non-nil record. See the package documentation
// for the errors; after an error every call returns the same error.
func (r *Reader) ReadRecord() ([]byte, error) {
	if r.err != nil {
		return nil, r.err
	}
	rec, err := r.readRecord()
	if err != nil {
		r.err = err
		return nil, err
	}
	return rec, nil
}

func (r *Reader) readRecord() ([]byte, error) {
	start := r.off
	n, err := r.readLength()
	if err != nil {
		return nil, err
	}
	if n > uint64(r.max) {
		return nil, &FormatError{Offset: start, Err: ErrRecordTooLarge,
			Reason: fmt.Sprintf("record of %d bytes is over the maximum of %d", n, r.max)}
	}
	if n <= growBytes {
		return r.readSmall(int(n))
	}
	return r.readLarge(int(n))
}

// readLength reads one length line, newline included.
func (r *Reader) readLength() (uint64, error) {
	start := r.off
	var n uint64
	digits := 0
	for {
		c, err := r.br.ReadByte()
		if err != nil {
			return 0, r.cut(err, digits == 0, "length line")
		}
		r.off++
		switch {
		case c == '\n' && digits == 0:
			return 0, &FormatError{Offset: start, Reason: "empty length line"}
		case c == '\n':
			return n, nil
		case c < '0' || c > '9':
			return 0, &FormatError{Offset: start, Reason: fmt.Sprintf("byte %q at offset %d is not a digit", c, r.off-1)}
		case digits == MaxLengthDigits:
			return 0, &FormatError{Offset: start, Reason: fmt.Sprintf("more than %d digits", MaxLengthDigits)}
		case n > (math.MaxUint64-uint64(c-'0'))/10:
			return 0, &FormatError{Offset: start, Reason: "length overflows 64 bits"}
		}
		n = n*10 + uint64(c-'0')
		digits++
	}
}

// readSmall reads a record of n bytes into memory allocated at once.
func (r *Reader) readSmall(n int) ([]byte, error) {
	rec := make([]byte, n)
	k, err := io.ReadFull(r.br, rec)
	r.off += int64(k)
	if err != nil {
		return nil, r.cut(err, false, fmt.Sprintf("record of %d bytes", n))
	}
	return rec, nil
}

// readLarge reads a record of n bytes into memory that grows as the bytes
// arrive, so a length line alone never commits more than growBytes.
func (r *Reader) readLarge(n int) ([]byte, error) {
	rec := make([]byte, 0, growBytes)
	for len(rec) < n {
		if len(rec) == cap(rec) {
			rec = grow(rec, n)
		}
		k, err := io.ReadFull(r.br, rec[len(rec):cap(rec)])
		r.off += int64(k)
		rec = rec[:len(rec)+k]
		if err != nil {
			return nil, r.cut(err, false, fmt.Sprintf("record of %d bytes", n))
		}
	}
	return rec, nil
}

// grow doubles rec's capacity without going past n.
func grow(rec []byte, n int) []byte {
	bigger := make([]byte, len(rec), min(2*cap(rec), n))
	copy(bigger, rec)
	return bigger
}

// cut turns the end of the input into io.EOF at a record boundary (clean)
// and into a wrapped io.ErrUnexpectedEOF anywhere else. Other errors from
// the underlying reader are returned as they are.
func (r *Reader) cut(err error, clean bool, inside string) error {
	if err != io.EOF && err != io.ErrUnexpectedEOF {
		return err
	}
	if clean && err == io.EOF {
		return io.EOF
	}
	return fmt.Errorf("recordio: stream ends inside a %s at offset %d: %w", inside, r.off, io.ErrUnexpectedEOF)
}
