package httpline

import (
	"bufio"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestReadSplitsLinesAndTellsHowTheStreamEnded(t *testing.T) {
	br := bufio.NewReaderSize(strings.NewReader("a\r\nb\nc"), 16)
	line, err := Read(br)
	require.NoError(t, err)
	require.Equal(t, "a", string(line))
	line, err = Read(br)
	require.NoError(t, err)
	require.Equal(t, "b", string(line), "a bare LF ends a line too")
	_, err = Read(br)
	require.ErrorIs(t, err, io.ErrUnexpectedEOF, "the stream ended inside a line")
	_, err = Read(bufio.NewReader(strings.NewReader("")))
	require.ErrorIs(t, err, io.EOF)
	_, err = Read(bufio.NewReaderSize(strings.NewReader(strings.Repeat("x", 64)+"\n"), 16))
	require.ErrorIs(t, err, bufio.ErrBufferFull)
}

func TestEqualFoldIsASCIIOnly(t *testing.T) {
	require.True(t, EqualFold("Content-Length", "content-length"))
	require.True(t, EqualFold([]byte("CHUNKED"), "chunked"))
	require.False(t, EqualFold("chunke", "chunked"))
	require.False(t, EqualFold("\u212aeep-alive", "keep-alive"), "the Kelvin sign is not a k")
}
