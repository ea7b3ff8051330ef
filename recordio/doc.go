// Package recordio reads and writes RecordIO, the framing Mesos uses for the
// event stream of its v1 HTTP APIs (the body of the executor's SUBSCRIBE
// response, for one).
//
// A stream is a sequence of records, each a length line followed by that
// many bytes:
//
//	<decimal byte length>\n<bytes>
//
// The length is an unsigned 64-bit decimal number of ASCII digits with no
// sign, spaces or other characters. Mesos never writes a length of 0; this
// package reads one as an empty record, as Mesos' own decoder does, and
// writes one for an empty record. Record boundaries have nothing to do with
// how the bytes arrive (HTTP chunks, TCP segments): a Reader accepts a record
// split over many reads and many records in one read.
//
// The package only moves bytes between an io.Reader or io.Writer and records;
// it knows nothing about HTTP or about what the records hold.
//
// # Limits
//
// A Reader refuses a record longer than its maximum (DefaultMaxRecordBytes
// unless WithMaxRecordBytes says otherwise) before reading its bytes, and it
// never allocates the declared length up front: memory for a large record
// grows as its bytes arrive, so a corrupt or hostile length line costs
// nothing until the bytes are actually sent.
//
// # Errors
//
// ReadRecord returns io.EOF only when the stream ends cleanly between
// records. A stream that ends inside a length line or a record gives an error
// wrapping io.ErrUnexpectedEOF. A malformed length line gives a *FormatError,
// and a record over the maximum a *FormatError wrapping ErrRecordTooLarge.
// Errors are sticky: after one, the stream has lost its framing, and every
// later ReadRecord returns the same error.
package recordio
