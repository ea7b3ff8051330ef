package driver

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Protocol may be asked from any goroutine while another starts the driver
// (the race detector checks): it names the wire chosen until Start has
// made it, then the wire in use.
func TestProtocolWhileStarting(t *testing.T) {
	agent := startFakeAgent(t, 0)
	d, err := New(newRecorder().executor(), testDriverConfig(agent, true))
	require.NoError(t, err)
	started := make(chan error, 1)
	go func() {
		_, err := d.Start()
		started <- err
	}()
	require.Equal(t, ProtocolV0, d.Protocol())
	require.NoError(t, <-started)
	t.Cleanup(func() { d.Stop() })
	require.Equal(t, ProtocolV0, d.Protocol())
}
