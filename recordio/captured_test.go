package recordio

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCapturedSeeds reads the captured SUBSCRIBE bodies in the fuzz corpus
// and checks each record's length against the transcripts in
// testdata/captures/mesos-1.12-dev/transcripts at the module root (the
// "length line" of every record). The agent wrote one record per HTTP
// chunk; here they are one contiguous body, and also fed one byte at a
// time.
func TestCapturedSeeds(t *testing.T) {
	want := map[string][]int{
		"captured-v1-a-finish-1":          {580, 154, 37, 37, 2},
		"captured-v1-c-restart-1":         {576, 144, 38},
		"captured-v1-c-restart-2":         {576, 20, 38, 2},
		"captured-v1-d-group-1":           {467, 679, 39, 39, 39, 29, 39, 2},
		"captured-v1-e-recovery-update-1": {599, 159, 46},
		"captured-v1-e-recovery-update-2": {599, 2},
		"captured-v1j-a-finish-1":         {1347, 399, 109, 109, 19},
	}
	for name, sizes := range want {
		t.Run(name, func(t *testing.T) {
			body := readSeed(t, filepath.Join("testdata", "fuzz", "FuzzReader", name))
			for _, r := range []io.Reader{bytes.NewReader(body), &chunky{r: bytes.NewReader(body), max: 1}} {
				recs, err := readAll(NewReader(r))
				require.Equal(t, io.EOF, err)
				var got []int
				for _, rec := range recs {
					got = append(got, len(rec))
				}
				require.Equal(t, sizes, got)
			}
		})
	}
}

func TestCapturedJSONRecordsAreJSON(t *testing.T) {
	body := readSeed(t, filepath.Join("testdata", "fuzz", "FuzzReader", "captured-v1j-a-finish-1"))
	recs, err := readAll(NewReader(bytes.NewReader(body)))
	require.Equal(t, io.EOF, err)
	require.Equal(t, `{"type":"SHUTDOWN"}`, string(recs[len(recs)-1]))
	require.True(t, strings.HasPrefix(string(recs[0]), `{"type":"SUBSCRIBED"`))
}

// readSeed reads a one-value "go test fuzz v1" corpus file.
func readSeed(t *testing.T, file string) []byte {
	t.Helper()
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	header, value, ok := strings.Cut(strings.TrimSpace(string(data)), "\n")
	require.True(t, ok)
	require.Equal(t, "go test fuzz v1", header)
	require.True(t, strings.HasPrefix(value, "[]byte(") && strings.HasSuffix(value, ")"), value)
	s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(value, "[]byte("), ")"))
	require.NoError(t, err)
	return []byte(s)
}
