package agentsim

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/upid"
)

func envParams(checkpoint bool) EnvParams {
	return EnvParams{
		FrameworkID: "fw", ExecutorID: "ex", AgentID: "ag",
		AgentPID:  upid.MustParse("slave(1)@127.0.0.1:5051"),
		Directory: "/sandbox", Checkpoint: checkpoint, AuthToken: "tok",
		RecoveryTimeout: 15 * time.Minute, ShutdownGracePeriod: 5 * time.Second,
		ReregistrationTimeout: 4 * time.Second,
	}
}

func TestProfileEnvironments(t *testing.T) {
	for _, tc := range []struct {
		profile    Profile
		checkpoint bool
		want       []string
	}{
		{Mesos020, true, []string{
			"MESOS_FRAMEWORK_ID=fw", "MESOS_EXECUTOR_ID=ex", "MESOS_DIRECTORY=/sandbox",
			"MESOS_SLAVE_PID=slave(1)@127.0.0.1:5051", "MESOS_SLAVE_ID=ag", "MESOS_CHECKPOINT=1",
			"MESOS_RECOVERY_TIMEOUT=15mins", "LIBPROCESS_PORT=0",
		}},
		{Mesos022, false, []string{
			"MESOS_FRAMEWORK_ID=fw", "MESOS_EXECUTOR_ID=ex", "MESOS_DIRECTORY=/sandbox",
			"MESOS_SLAVE_PID=slave(1)@127.0.0.1:5051", "MESOS_SLAVE_ID=ag", "MESOS_CHECKPOINT=0",
			"LIBPROCESS_PORT=0",
		}},
		{Mesos026, false, []string{
			"MESOS_FRAMEWORK_ID=fw", "MESOS_EXECUTOR_ID=ex", "MESOS_DIRECTORY=/sandbox", "MESOS_SANDBOX=/sandbox",
			"MESOS_SLAVE_PID=slave(1)@127.0.0.1:5051", "MESOS_SLAVE_ID=ag", "MESOS_CHECKPOINT=0",
			"LIBPROCESS_PORT=0", "LIBPROCESS_IP=127.0.0.1",
		}},
		{Mesos025, false, []string{
			"MESOS_FRAMEWORK_ID=fw", "MESOS_EXECUTOR_ID=ex", "MESOS_DIRECTORY=/sandbox", "MESOS_SANDBOX=/sandbox",
			"MESOS_SLAVE_PID=slave(1)@127.0.0.1:5051", "MESOS_SLAVE_ID=ag", "MESOS_CHECKPOINT=0",
			"LIBPROCESS_PORT=0",
		}},
		{Mesos027, true, []string{
			"MESOS_FRAMEWORK_ID=fw", "MESOS_EXECUTOR_ID=ex", "MESOS_DIRECTORY=/sandbox", "MESOS_SANDBOX=/sandbox",
			"MESOS_SLAVE_PID=slave(1)@127.0.0.1:5051", "MESOS_SLAVE_ID=ag", "MESOS_CHECKPOINT=1",
			"MESOS_RECOVERY_TIMEOUT=15mins", "LIBPROCESS_PORT=0", "LIBPROCESS_IP=127.0.0.1",
			"MESOS_AGENT_ENDPOINT=127.0.0.1:5051", "MESOS_SUBSCRIPTION_BACKOFF_MAX=2secs",
		}},
		{Mesos028, false, []string{
			"MESOS_FRAMEWORK_ID=fw", "MESOS_EXECUTOR_ID=ex", "MESOS_DIRECTORY=/sandbox", "MESOS_SANDBOX=/sandbox",
			"MESOS_SLAVE_PID=slave(1)@127.0.0.1:5051", "MESOS_SLAVE_ID=ag", "MESOS_CHECKPOINT=0",
			"LIBPROCESS_PORT=0", "LIBPROCESS_IP=127.0.0.1", "MESOS_AGENT_ENDPOINT=127.0.0.1:5051",
			"MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD=5secs",
		}},
		{Mesos13, true, []string{
			"MESOS_FRAMEWORK_ID=fw", "MESOS_EXECUTOR_ID=ex", "MESOS_DIRECTORY=/sandbox", "MESOS_SANDBOX=/sandbox",
			"MESOS_SLAVE_PID=slave(1)@127.0.0.1:5051", "MESOS_SLAVE_ID=ag", "MESOS_CHECKPOINT=1",
			"MESOS_RECOVERY_TIMEOUT=15mins", "LIBPROCESS_PORT=0", "LIBPROCESS_IP=127.0.0.1",
			"MESOS_AGENT_ENDPOINT=127.0.0.1:5051", "MESOS_SUBSCRIPTION_BACKOFF_MAX=2secs",
			"MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD=5secs", "MESOS_HTTP_COMMAND_EXECUTOR=0",
			"MESOS_EXECUTOR_AUTHENTICATION_TOKEN=tok",
		}},
		{Mesos10, true, []string{
			"MESOS_FRAMEWORK_ID=fw", "MESOS_EXECUTOR_ID=ex", "MESOS_DIRECTORY=/sandbox", "MESOS_SANDBOX=/sandbox",
			"MESOS_SLAVE_PID=slave(1)@127.0.0.1:5051", "MESOS_SLAVE_ID=ag", "MESOS_CHECKPOINT=1",
			"MESOS_RECOVERY_TIMEOUT=15mins", "LIBPROCESS_PORT=0", "LIBPROCESS_IP=127.0.0.1",
			"MESOS_AGENT_ENDPOINT=127.0.0.1:5051", "MESOS_SUBSCRIPTION_BACKOFF_MAX=2secs",
			"MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD=5secs", "MESOS_HTTP_COMMAND_EXECUTOR=0",
		}},
		{Mesos14, true, []string{
			"MESOS_FRAMEWORK_ID=fw", "MESOS_EXECUTOR_ID=ex", "MESOS_DIRECTORY=/sandbox", "MESOS_SANDBOX=/sandbox",
			"MESOS_SLAVE_PID=slave(1)@127.0.0.1:5051", "MESOS_SLAVE_ID=ag", "MESOS_CHECKPOINT=1",
			"MESOS_RECOVERY_TIMEOUT=15mins", "LIBPROCESS_PORT=0", "LIBPROCESS_IP=127.0.0.1",
			"MESOS_AGENT_ENDPOINT=127.0.0.1:5051", "MESOS_SUBSCRIPTION_BACKOFF_MAX=4secs",
			"MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD=5secs", "MESOS_HTTP_COMMAND_EXECUTOR=0",
		}},
		{Mesos112, false, []string{
			"MESOS_FRAMEWORK_ID=fw", "MESOS_EXECUTOR_ID=ex", "MESOS_DIRECTORY=/sandbox", "MESOS_SANDBOX=/sandbox",
			"MESOS_SLAVE_PID=slave(1)@127.0.0.1:5051", "MESOS_SLAVE_ID=ag", "MESOS_CHECKPOINT=0",
			"LIBPROCESS_PORT=0", "LIBPROCESS_IP=127.0.0.1", "MESOS_AGENT_ENDPOINT=127.0.0.1:5051",
			"MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD=5secs", "MESOS_HTTP_COMMAND_EXECUTOR=0",
		}},
	} {
		t.Run(tc.profile.Name, func(t *testing.T) {
			require.Equal(t, tc.want, tc.profile.Env(envParams(tc.checkpoint)))
		})
	}
}

// The variable names a real 1.12 agent set for a checkpointing executor
// (testdata/captures/mesos-1.12-dev/env/v0-c-restart.env.txt).
func TestNewestProfileSetsTheCapturedVariables(t *testing.T) {
	captured := []string{
		"LIBPROCESS_IP", "LIBPROCESS_PORT", "MESOS_AGENT_ENDPOINT", "MESOS_CHECKPOINT", "MESOS_DIRECTORY",
		"MESOS_EXECUTOR_ID", "MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD", "MESOS_FRAMEWORK_ID",
		"MESOS_HTTP_COMMAND_EXECUTOR", "MESOS_RECOVERY_TIMEOUT", "MESOS_SANDBOX", "MESOS_SLAVE_ID",
		"MESOS_SLAVE_PID", "MESOS_SUBSCRIPTION_BACKOFF_MAX",
	}
	a := startAgent(t, AgentConfig{Checkpoint: true})
	var got []string
	for _, kv := range a.Env() {
		name, _, _ := strings.Cut(kv, "=")
		got = append(got, name)
	}
	require.ElementsMatch(t, captured, got)
	require.Equal(t, a.UPID().String(), a.Getenv("MESOS_SLAVE_PID"))
	require.Equal(t, a.Directory(), a.Getenv("MESOS_SANDBOX"))
	require.Equal(t, "2secs", a.Getenv("MESOS_SUBSCRIPTION_BACKOFF_MAX"))
	require.Empty(t, a.Getenv("PATH"))
}

func TestProfileByName(t *testing.T) {
	for _, p := range Profiles() {
		got, err := ProfileByName(p.Name)
		require.NoError(t, err)
		require.Equal(t, p, got)
	}
	_, err := ProfileByName("0.1")
	require.ErrorContains(t, err, "1.12")
	require.Equal(t, "mesos-1.12", Newest().String())
	require.Equal(t, Mesos10, Mesos1x, "the old name still works")
	got, err := ProfileByName("1.0")
	require.NoError(t, err)
	require.Equal(t, Mesos1x, got)
}

// The v1 endpoint by generation (the /api/v1/executor route of each release
// tag's src/slave/slave.cpp and src/slave/http.cpp): none up to 0.24, a
// stub in 0.25-0.26, the API from 0.27, 0.27's numbering only there.
func TestProfilesV1Generations(t *testing.T) {
	for _, p := range Profiles() {
		switch p.Name {
		case "0.20", "0.22", "0.24":
			require.Equal(t, V1None, p.V1, p.Name)
		case "0.25", "0.26":
			require.Equal(t, V1Stub, p.V1, p.Name)
		default:
			require.Equal(t, V1Works, p.V1, p.Name)
			require.True(t, p.EnvAgentEndpoint, "%s: MESOS_AGENT_ENDPOINT comes with the working API", p.Name)
		}
		require.Equal(t, p.Name == "0.27", p.V1EventNumbering027, p.Name)
		require.Equal(t, p.V1UnknownCallType, p.EnvHTTPCommandExecutor, "%s: both 1.0", p.Name)
		require.Equal(t, p.V1ContainerID, p.TaskGroups, "%s: both 1.1", p.Name)
	}
}
