package driver

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/upid"
)

// agentEnv is the environment a Mesos 1.x agent gives a checkpointing
// executor, as captured (testdata/captures/mesos-1.12-dev/env at the
// module root).
func agentEnv() map[string]string {
	return map[string]string{
		"MESOS_FRAMEWORK_ID": "fw-1", "MESOS_EXECUTOR_ID": "ex-1", "MESOS_SLAVE_ID": "ag-1",
		"MESOS_SLAVE_PID": "slave(1)@127.0.0.1:5051", "MESOS_DIRECTORY": "/var/sandbox",
		"MESOS_SANDBOX": "/mnt/sandbox", "MESOS_CHECKPOINT": "1", "MESOS_RECOVERY_TIMEOUT": "15mins",
		"MESOS_SUBSCRIPTION_BACKOFF_MAX": "2secs", "MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD": "1.5secs",
		"MESOS_AGENT_ENDPOINT": "127.0.0.1:5051", "MESOS_HTTP_COMMAND_EXECUTOR": "0",
		"LIBPROCESS_PORT": "0", "LIBPROCESS_IP": "127.0.0.1",
	}
}

func TestConfigFromEnvReadsWhatTheAgentSets(t *testing.T) {
	cfg, err := ConfigFromEnv(mapEnv(agentEnv()))
	require.NoError(t, err)
	require.Equal(t, "fw-1", cfg.FrameworkID)
	require.Equal(t, "ex-1", cfg.ExecutorID)
	require.Equal(t, "ag-1", cfg.AgentID)
	require.Equal(t, upid.MustParse("slave(1)@127.0.0.1:5051"), cfg.AgentPID)
	require.Equal(t, "/var/sandbox", cfg.Directory)
	require.Equal(t, "/mnt/sandbox", cfg.Sandbox)
	require.True(t, cfg.Checkpoint)
	require.Equal(t, 15*time.Minute, cfg.RecoveryTimeout)
	require.Equal(t, 2*time.Second, cfg.SubscriptionBackoffMax)
	require.Equal(t, 1500*time.Millisecond, cfg.ShutdownGracePeriod)
	require.Equal(t, "127.0.0.1:5051", cfg.AgentEndpoint)
	require.Equal(t, ProtocolAuto, cfg.Protocol)
	require.True(t, cfg.AgentSetGracePeriod)
}

func TestConfigFromEnvDefaultsAsTheCDriver(t *testing.T) {
	env := agentEnv()
	for _, k := range []string{"MESOS_SANDBOX", "MESOS_CHECKPOINT", "MESOS_RECOVERY_TIMEOUT", "MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD"} {
		delete(env, k)
	}
	cfg, err := ConfigFromEnv(mapEnv(env))
	require.NoError(t, err)
	require.Equal(t, cfg.Directory, cfg.Sandbox)
	require.False(t, cfg.Checkpoint)
	require.Zero(t, cfg.RecoveryTimeout, "only read when checkpointing")
	require.Equal(t, DefaultShutdownGracePeriod, cfg.ShutdownGracePeriod)
	require.False(t, cfg.AgentSetGracePeriod)
}

func TestConfigFromEnvReportsEveryProblemByName(t *testing.T) {
	env := agentEnv()
	delete(env, "MESOS_FRAMEWORK_ID")
	delete(env, "MESOS_SLAVE_ID")
	env["MESOS_SLAVE_PID"] = "nonsense"
	env["MESOS_CHECKPOINT"] = "yes"
	env["MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD"] = "5s"
	env[EnvProtocol] = "v2"
	_, err := ConfigFromEnv(mapEnv(env))
	require.Error(t, err)
	for _, name := range []string{"MESOS_FRAMEWORK_ID", "MESOS_SLAVE_ID", "MESOS_SLAVE_PID", "MESOS_CHECKPOINT",
		"MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD", EnvProtocol} {
		require.ErrorContains(t, err, name)
	}
}

func TestConfigFromEnvReadsDurationsOnlyWhenCheckpointing(t *testing.T) {
	env := agentEnv()
	env["MESOS_RECOVERY_TIMEOUT"] = "soon"
	env["MESOS_SUBSCRIPTION_BACKOFF_MAX"] = "-1secs"
	_, err := ConfigFromEnv(mapEnv(env))
	require.ErrorContains(t, err, "MESOS_RECOVERY_TIMEOUT")
	require.ErrorContains(t, err, "MESOS_SUBSCRIPTION_BACKOFF_MAX")
	env["MESOS_CHECKPOINT"] = "0"
	_, err = ConfigFromEnv(mapEnv(env))
	require.NoError(t, err)
}

func TestChooseWireFollowsTheAgentsGeneration(t *testing.T) {
	base := func(mut func(map[string]string)) Config {
		env := agentEnv()
		mut(env)
		cfg, err := ConfigFromEnv(mapEnv(env))
		require.NoError(t, err)
		return cfg
	}
	cases := []struct {
		name     string
		mut      func(map[string]string)
		wire     Protocol
		fallback bool
		reason   string
	}{
		{"1.x", func(map[string]string) {}, ProtocolV1, true, "1.0 or newer"},
		{"0.28", func(e map[string]string) { delete(e, "MESOS_HTTP_COMMAND_EXECUTOR") }, ProtocolV0, false, "0.28"},
		{"0.27", func(e map[string]string) {
			delete(e, "MESOS_HTTP_COMMAND_EXECUTOR")
			delete(e, "MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD")
		}, ProtocolV0, false, "0.27"},
		{"0.26", func(e map[string]string) {
			delete(e, "MESOS_HTTP_COMMAND_EXECUTOR")
			delete(e, "MESOS_AGENT_ENDPOINT")
		}, ProtocolV0, false, "older than 0.27"},
		{"forced v0", func(e map[string]string) { e[EnvProtocol] = "v0" }, ProtocolV0, false, "asked for v0"},
		{"forced v1 on 0.28", func(e map[string]string) {
			delete(e, "MESOS_HTTP_COMMAND_EXECUTOR")
			e[EnvProtocol] = "v1"
		}, ProtocolV1, false, "asked for v1"},
		{"forced v1 without an endpoint", func(e map[string]string) {
			delete(e, "MESOS_AGENT_ENDPOINT")
			e[EnvProtocol] = "v1"
		}, ProtocolV0, false, "unset"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := chooseWire(base(c.mut))
			require.Equal(t, c.wire, got.wire)
			require.Equal(t, c.fallback, got.fallback)
			require.Contains(t, got.reason, c.reason)
		})
	}
}

// A Config printed any way hides the executor's token.
func TestPrintingAConfigHidesTheToken(t *testing.T) {
	const token = "eyJhbGciOi.secret-part.signature"
	cfg := Config{ExecutorID: "e1", AuthToken: token}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(verb, cfg)
		require.NotContains(t, out, "secret-part", verb)
		require.Contains(t, out, "e1", verb)
		require.Contains(t, out, "not shown", verb)
	}
	require.NotContains(t, fmt.Sprintf("%v", &cfg), "secret-part", "through a pointer")
}
