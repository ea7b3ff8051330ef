package task

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	for data, want := range map[string]struct {
		k   int
		rtt bool
	}{"10000": {10000, false}, "0": {0, false}, "": {0, false}, "rtt:500": {500, true}} {
		k, rtt := Parse([]byte(data))
		require.Equal(t, want.k, k, data)
		require.Equal(t, want.rtt, rtt, data)
	}
}

func TestRoundTripsAreReadAsWritten(t *testing.T) {
	t.Chdir(t.TempDir())
	in := []time.Duration{150 * time.Microsecond, 2 * time.Millisecond}
	require.NoError(t, WriteRoundTrips(in))
	dir, _ := os.Getwd()
	out, na, err := ReadRoundTrips(dir)
	require.NoError(t, err)
	require.Empty(t, na)
	require.Equal(t, in, out)

	require.NoError(t, WriteNotObservable("no callback"))
	out, na, err = ReadRoundTrips(dir)
	require.NoError(t, err)
	require.Empty(t, out)
	require.Equal(t, "no callback", na)
}
