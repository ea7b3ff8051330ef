package driver_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/executor"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/compat/agentsim"
	"github.com/mesos-shim/executor/driver"
)

// heartbeatCalls counts the HEARTBEAT calls the agent received, and those
// it refused.
func heartbeatCalls(tr *agentsim.Trace) (got, refused int) {
	for _, e := range tr.Entries() {
		switch {
		case e.Dir == agentsim.FromExecutor && e.Kind() == "HEARTBEAT":
			got++
		case e.Call == "HEARTBEAT" && e.Status >= 400:
			refused++
		}
	}
	return got, refused
}

// HEARTBEAT calls go only to agents that take them (1.8+), found out from
// the agent's own HEARTBEAT events, so older agents never see one.
func TestHeartbeatCallsOnlyToAgentsThatTakeThem(t *testing.T) {
	for _, p := range []agentsim.Profile{agentsim.Mesos14, agentsim.Mesos18} {
		t.Run(p.Name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			agent, err := agentsim.Start(ctx, agentsim.AgentConfig{Profile: p, HeartbeatInterval: 20 * time.Millisecond})
			require.NoError(t, err)
			defer agent.Close()
			require.NoError(t, agent.Launch(task("t1", "")))
			rec := newRecorder()
			d := startInProcess(t, agent, rec, driver.ProtocolAuto)
			defer d.Stop()
			rec.waitFor(t, "LaunchTask t1")
			// Framework message round trips for at least ten of the
			// agent's heartbeat periods (and, on 1.8, until the call came):
			// the echo travels behind any HEARTBEAT call on the one calls
			// connection, so each round trip shows what was sent before it.
			var got, refused int
			for i, until := 0, time.Now().Add(200*time.Millisecond); ; i++ {
				require.NoError(t, agent.FrameworkMessage([]byte(fmt.Sprint(i))))
				require.NoError(t, agent.WaitFrameworkMessage(ctx, []byte(fmt.Sprint(i))))
				got, refused = heartbeatCalls(agent.Trace())
				if time.Now().After(until) && (got > 0 || !p.Heartbeats) || ctx.Err() != nil {
					break
				}
			}
			require.Zero(t, refused)
			if p.Heartbeats {
				require.Positive(t, got, "a 1.8+ agent hears from the executor")
			} else {
				require.Zero(t, got, "an agent before 1.8 never gets a HEARTBEAT call")
			}
		})
	}
}

// A 1.3 agent that authenticates executors refuses any request without
// the token; the driver sends it, and takes it out of the environment.
func TestTheExecutorTokenIsSentAndRemovedFromTheEnvironment(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	agent, err := agentsim.Start(ctx, agentsim.AgentConfig{Profile: agentsim.Mesos13})
	require.NoError(t, err)
	defer agent.Close()
	require.NoError(t, agent.Launch(task("t1", "finish")))
	for _, kv := range agent.Env() {
		k, v, _ := cutEnv(kv)
		t.Setenv(k, v)
	}
	if os.Getenv("LIBPROCESS_IP") == "" {
		t.Setenv("LIBPROCESS_IP", "127.0.0.1")
	}
	require.NotEmpty(t, os.Getenv(driver.EnvExecutorAuthToken), "the 1.3 profile sets a token")
	rec := newRecorder()
	d, err := driver.NewFromEnv(rec)
	require.NoError(t, err)
	require.Empty(t, os.Getenv(driver.EnvExecutorAuthToken), "tasks must not inherit the token")
	cfg := d.Config()
	require.NotEmpty(t, cfg.AuthToken)
	cfg.KeepProcessGroup = true
	d, err = driver.New(rec, cfg)
	require.NoError(t, err)
	_, err = d.Start()
	require.NoError(t, err)
	defer d.Stop()
	_, err = agent.WaitUpdate(ctx, "t1", 2 /* TASK_FINISHED */)
	require.NoError(t, err)
	require.Equal(t, driver.ProtocolV1, d.Protocol())
}

func cutEnv(kv string) (string, string, bool) {
	for i := 0; i < len(kv); i++ {
		if kv[i] == '=' {
			return kv[:i], kv[i+1:], true
		}
	}
	return kv, "", false
}

// A LAUNCH larger than mesos-go's 4 MiB RecordIO limit reaches the
// executor, on both wires.
func TestEventsLargerThanFourMiB(t *testing.T) {
	for _, wire := range []driver.Protocol{driver.ProtocolV0, driver.ProtocolV1} {
		t.Run(string(wire), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			agent, err := agentsim.Start(ctx, agentsim.AgentConfig{})
			require.NoError(t, err)
			defer agent.Close()
			big := task("big", "")
			big.Data = make([]byte, 6<<20)
			require.NoError(t, agent.Launch(big))
			got := make(chan int, 1)
			exec := driver.Funcs{OnLaunchTask: func(_ driver.ExecutorDriver, ti *mesos.TaskInfo) { got <- len(ti.Data) }}
			d := startInProcess(t, agent, exec, wire)
			defer d.Stop()
			select {
			case n := <-got:
				require.Equal(t, 6<<20, n)
			case <-ctx.Done():
				t.Fatal("the large task never arrived")
			}
		})
	}
}

// Once a v1 subscription worked, the driver stays on v1 whatever happens:
// a restarted agent cannot take the executor back on the other wire.
func TestNeverSwitchWiresAfterASubscription(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	agent, err := agentsim.Start(ctx, agentsim.AgentConfig{Checkpoint: true})
	require.NoError(t, err)
	defer agent.Close()
	require.NoError(t, agent.Launch(task("t1", "")))
	rec := newRecorder()
	d := startInProcess(t, agent, rec, driver.ProtocolAuto)
	defer d.Stop()
	rec.waitFor(t, "LaunchTask t1")
	agent.FailCalls(executor.Call_SUBSCRIBE, 2, 404)
	require.NoError(t, agent.CutStream())
	rec.waitFor(t, "Reregistered")
	require.Equal(t, driver.ProtocolV1, d.Protocol())
}

// An UPDATE the agent rejects for good (400) is logged and kept: it rides
// the next subscription, and is acknowledged then.
func TestARejectedUpdateIsKeptForTheNextSubscription(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	agent, err := agentsim.Start(ctx, agentsim.AgentConfig{Checkpoint: true})
	require.NoError(t, err)
	defer agent.Close()
	require.NoError(t, agent.Launch(task("t1", "")))
	rec := newRecorder()
	d := startInProcess(t, agent, rec, driver.ProtocolV1)
	defer d.Stop()
	_, err = agent.WaitUpdate(ctx, "t1", mesos.TASK_RUNNING)
	require.NoError(t, err)
	agent.FailCalls(executor.Call_UPDATE, 1, 400)
	_, err = d.SendStatusUpdate(&mesos.TaskStatus{TaskID: mesos.TaskID{Value: "t1"}, State: mesos.TASK_FINISHED.Enum()})
	require.NoError(t, err)
	short, cancelShort := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancelShort()
	require.Error(t, d.AwaitAcknowledgements(short), "rejected, so not acknowledged")
	require.NoError(t, agent.CutStream())
	rec.waitFor(t, "Reregistered")
	require.NoError(t, d.AwaitAcknowledgements(ctx), "carried by the new SUBSCRIBE")
	_, err = agent.WaitUpdate(ctx, "t1", mesos.TASK_FINISHED)
	require.NoError(t, err)
}

// A SUBSCRIBE answered 200 in a content type other than the one asked for
// is refused with a log line; on a first subscription that is the shutdown
// path, not a hang.
func TestWrongContentTypeOnSubscribe(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusOK)
		w.Write([]byte("<html>not an agent</html>"))
	}))
	defer srv.Close()
	env := agentEnvFor(srv.Listener.Addr().String())
	cfg, err := driver.ConfigFromEnv(func(k string) string { return env[k] })
	require.NoError(t, err)
	cfg.KeepProcessGroup, cfg.Protocol = true, driver.ProtocolV1
	rec := newRecorder()
	d, err := driver.New(rec, cfg)
	require.NoError(t, err)
	_, err = d.Start()
	require.NoError(t, err)
	defer d.Stop()
	rec.waitFor(t, "Shutdown")
	require.NotContains(t, rec.trace(), "Registered")
}

func agentEnvFor(endpoint string) map[string]string {
	return map[string]string{
		"MESOS_FRAMEWORK_ID": "fw", "MESOS_EXECUTOR_ID": "ex", "MESOS_SLAVE_ID": "ag",
		"MESOS_SLAVE_PID": "slave(1)@" + endpoint, "MESOS_DIRECTORY": os.TempDir(),
		"MESOS_AGENT_ENDPOINT": endpoint, "MESOS_HTTP_COMMAND_EXECUTOR": "0",
		"MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD": "5secs", "LIBPROCESS_IP": "127.0.0.1",
	}
}
