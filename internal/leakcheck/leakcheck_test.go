package leakcheck

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestFindsALeftoverGoroutineAndForgetsItOnceItEnds(t *testing.T) {
	stop := make(chan struct{})
	go func() { <-stop }()
	leaked := wait(50 * time.Millisecond)
	require.Len(t, leaked, 1)
	require.Contains(t, leaked[0], "leakcheck.TestFindsALeftoverGoroutine")
	close(stop)
	require.Empty(t, wait(settle))
}
