package recordio

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestAppendRecord(t *testing.T) {
	tests := []struct {
		dst, rec, want string
	}{
		{"", "", "0\n"},
		{"", "hello", "5\nhello"},
		{"3\nabc", "\n", "3\nabc1\n\n"},
		{"", strings.Repeat("z", 1234), "1234\n" + strings.Repeat("z", 1234)},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, string(AppendRecord([]byte(tt.dst), []byte(tt.rec))))
	}
}

// writes records every Write call.
type writes struct {
	calls [][]byte
	n     int // bytes to accept per call; 0 means all
	err   error
}

func (w *writes) Write(p []byte) (int, error) {
	w.calls = append(w.calls, bytes.Clone(p))
	if w.n > 0 && w.n < len(p) {
		return w.n, w.err
	}
	return len(p), w.err
}

func TestWriterOneWritePerRecord(t *testing.T) {
	var w writes
	rw := NewWriter(&w)
	for _, rec := range someRecords() {
		require.NoError(t, rw.WriteRecord(rec))
	}
	require.Len(t, w.calls, len(someRecords()))
	for i, rec := range someRecords() {
		require.Equal(t, AppendRecord(nil, rec), w.calls[i])
	}
	recs, err := readAll(NewReader(bytes.NewReader(bytes.Join(w.calls, nil))))
	require.Equal(t, io.EOF, err)
	require.Equal(t, someRecords(), recs)
}

func TestWriterErrors(t *testing.T) {
	boom := errors.New("boom")
	require.Equal(t, boom, NewWriter(&writes{err: boom}).WriteRecord([]byte("x")))
	require.Equal(t, io.ErrShortWrite, NewWriter(&writes{n: 1}).WriteRecord([]byte("x")))
}

func TestWriterDoesNotKeepLargeBuffers(t *testing.T) {
	rw := NewWriter(io.Discard)
	require.NoError(t, rw.WriteRecord(pattern(keepBytes+1)))
	require.Nil(t, rw.buf)
	require.NoError(t, rw.WriteRecord([]byte("small")))
	require.NotNil(t, rw.buf)
}
