package recordio

import (
	"io"
	"strconv"
)

// keepBytes bounds the buffer a Writer keeps between records.
const keepBytes = 1 << 20

// AppendRecord appends record, framed, to dst and returns the extended
// slice.
func AppendRecord(dst, record []byte) []byte {
	dst = strconv.AppendUint(dst, uint64(len(record)), 10)
	dst = append(dst, '\n')
	return append(dst, record...)
}

// Writer writes records to an io.Writer. Each record, length line included,
// goes to the underlying writer in a single Write call, so an HTTP response
// flushed after each record carries one record per chunk, as a Mesos agent's
// does. It is not safe for concurrent use.
type Writer struct {
	w   io.Writer
	buf []byte
}

// NewWriter returns a Writer writing to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// WriteRecord writes one record. A short write is reported as
// io.ErrShortWrite.
func (w *Writer) WriteRecord(record []byte) error {
	w.buf = AppendRecord(w.buf[:0], record)
	n, err := w.w.Write(w.buf)
	if err == nil && n < len(w.buf) {
		err = io.ErrShortWrite
	}
	if cap(w.buf) > keepBytes {
		w.buf = nil
	}
	return err
}
