package driver

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// A sender's message name is cut to a bounded length in log lines.
func TestShortNameBoundsALoggedName(t *testing.T) {
	require.Equal(t, "mesos.internal.RunTaskMessage", shortName("mesos.internal.RunTaskMessage"))
	long := strings.Repeat("x", 4000)
	got := shortName(long)
	require.Less(t, len(got), maxLoggedName+32)
	require.Contains(t, got, "(4000 bytes)")
}
