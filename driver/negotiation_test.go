package driver_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/mesos/mesos-go/api/v1/lib/executor"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/compat/agentsim"
	"github.com/mesos-shim/executor/driver"
)

// negotiate starts an executor that lets the driver choose its wire (or
// forces one) against an agent of profile p, prepared by arm, and returns
// the wire it registered on.
func negotiate(t *testing.T, p agentsim.Profile, wire driver.Protocol, arm func(*agentsim.Agent), tweak func(*driver.Config)) driver.Protocol {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	agent, err := agentsim.Start(ctx, agentsim.AgentConfig{Profile: p, Checkpoint: true})
	require.NoError(t, err)
	defer agent.Close()
	require.NoError(t, agent.Launch(task("t1", "")))
	if arm != nil {
		arm(agent)
	}
	cfg, err := driver.ConfigFromEnv(agent.InProcessGetenv)
	require.NoError(t, err)
	cfg.KeepProcessGroup, cfg.Protocol, cfg.SubscribeTimeout = true, wire, 500*time.Millisecond
	if tweak != nil {
		tweak(&cfg)
	}
	rec := newRecorder()
	d, err := driver.New(rec, cfg)
	require.NoError(t, err)
	_, err = d.Start()
	require.NoError(t, err)
	defer d.Stop()
	rec.waitFor(t, "LaunchTask t1")
	require.NoError(t, agent.WaitRegistered(ctx))
	return d.Protocol()
}

func TestNegotiationPicksTheWireFromTheAgentsGeneration(t *testing.T) {
	want := map[string]driver.Protocol{
		"0.20": driver.ProtocolV0, "0.22": driver.ProtocolV0, "0.24": driver.ProtocolV0, "0.25": driver.ProtocolV0, "0.26": driver.ProtocolV0,
		"0.27": driver.ProtocolV0, "0.28": driver.ProtocolV0,
		"1.0": driver.ProtocolV1, "1.1": driver.ProtocolV1, "1.3": driver.ProtocolV1, "1.4": driver.ProtocolV1, "1.5": driver.ProtocolV1,
		"1.8": driver.ProtocolV1, "1.12": driver.ProtocolV1,
	}
	for _, p := range agentsim.Profiles() {
		t.Run(p.Name, func(t *testing.T) {
			expected, ok := want[p.Name]
			require.True(t, ok, "no expectation for profile %s", p.Name)
			require.Equal(t, expected, negotiate(t, p, driver.ProtocolAuto, nil, nil))
		})
	}
}

func TestTheOverrideForcesAWire(t *testing.T) {
	for _, p := range agentsim.Profiles() {
		t.Run(p.Name+"/v0", func(t *testing.T) {
			require.Equal(t, driver.ProtocolV0, negotiate(t, p, driver.ProtocolV0, nil, nil))
		})
		if p.V1 == agentsim.V1Works {
			t.Run(p.Name+"/v1", func(t *testing.T) {
				require.Equal(t, driver.ProtocolV1, negotiate(t, p, driver.ProtocolV1, nil, nil))
			})
		}
	}
}

func TestFallbackToTheLegacyWire(t *testing.T) {
	cases := map[string]struct {
		arm   func(*agentsim.Agent)
		tweak func(*driver.Config)
	}{
		"404":                  {arm: func(a *agentsim.Agent) { a.FailCalls(executor.Call_SUBSCRIBE, 1, 404) }},
		"silent stub endpoint": {arm: func(a *agentsim.Agent) { a.StallSubscribes(1) }},
		"nothing listening at the v1 endpoint": {tweak: func(c *driver.Config) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			c.AgentEndpoint = ln.Addr().String()
			ln.Close()
		}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			require.Equal(t, driver.ProtocolV0, negotiate(t, agentsim.Newest(), driver.ProtocolAuto, c.arm, c.tweak))
		})
	}
}

func TestNoFallbackForARecoveringAgent(t *testing.T) {
	got := negotiate(t, agentsim.Newest(), driver.ProtocolAuto, func(a *agentsim.Agent) {
		a.FailCalls(executor.Call_SUBSCRIBE, 2, 503)
	}, func(c *driver.Config) { c.SubscriptionBackoffMax = 50 * time.Millisecond })
	require.Equal(t, driver.ProtocolV1, got, "503 means try again, not go elsewhere")
}
