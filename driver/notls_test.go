//go:build mesosshim_notls

package driver_test

import (
	"context"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/compat/agentsim"
	"github.com/mesos-shim/executor/driver"
	"github.com/mesos-shim/executor/internal/tlsopt"
)

// A driver built without TLS, started by an agent that enables SSL, fails
// to start with an error naming the variable and the tag, on either wire,
// instead of speaking plaintext to an agent that expects TLS.
func TestNoTLSBuildRefusesAnAgentWithSSL(t *testing.T) {
	for _, wire := range []driver.Protocol{driver.ProtocolV0, driver.ProtocolV1} {
		t.Run(string(wire), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			agent, err := agentsim.Start(ctx, agentsim.AgentConfig{})
			require.NoError(t, err)
			defer agent.Close()
			getenv := func(name string) string {
				if name == "LIBPROCESS_SSL_ENABLED" {
					return "true"
				}
				return agent.InProcessGetenv(name)
			}
			cfg, err := driver.ConfigFromEnv(getenv)
			require.NoError(t, err)
			cfg.Protocol = wire
			d, err := driver.New(driver.Funcs{}, cfg)
			require.NoError(t, err)
			st, err := d.Start()
			require.ErrorIs(t, err, tlsopt.ErrUnavailable)
			require.ErrorContains(t, err, "LIBPROCESS_SSL_ENABLED enables SSL")
			require.NotEqual(t, mesos.DRIVER_RUNNING, st)
		})
	}
}
