package recordio

import (
	"errors"
	"fmt"
)

// ErrRecordTooLarge is wrapped by the *FormatError that reports a length line
// declaring more bytes than the Reader's maximum.
var ErrRecordTooLarge = errors.New("recordio: record too large")

// FormatError reports a malformed length line. Offset is the stream offset
// of the first byte of that line, counted from the start of the Reader's
// input.
type FormatError struct {
	Offset int64
	Reason string
	// Err, if not nil, classifies the problem (ErrRecordTooLarge).
	Err error
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("recordio: bad length line at offset %d: %s", e.Offset, e.Reason)
}

// Unwrap returns e.Err.
func (e *FormatError) Unwrap() error { return e.Err }
