package driver_test

import (
	"context"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/compat/agentsim"
	"github.com/mesos-shim/executor/driver"
)

// The agent's host goes silent without closing the executor's connections
// (a half-open connection: a proxy swallows everything on them), then the
// agent comes back after a restart. The executor must recover on a fresh
// connection, never by writing into the stale one: the update it sent into
// the silence is resent and acknowledged, later updates flow, and the
// executor closes the connections it gave up on.
func TestHalfOpenConnectionIsLeftForAFreshOne(t *testing.T) {
	t.Run("v0", func(t *testing.T) {
		// On the legacy wire the restarted agent's ReconnectExecutorMessage
		// comes on a connection of its own; the driver relinks fresh.
		h := startHalfOpen(t, driver.ProtocolV0, agentsim.AgentConfig{Checkpoint: true})
		h.swallow()
		sendRunning(t, h.driver, "into the silence")
		latency, err := h.agent.Restart(h.ctx, true)
		require.NoError(t, err)
		t.Logf("reregistered %v after the Reconnect", latency)
		h.recovered()
	})
	t.Run("v1", func(t *testing.T) {
		// On v1 nothing comes from a restarted agent: the executor learns
		// of the silence from an update left unanswered for CallTimeout,
		// drops the stream and the calls connection, and subscribes again
		// on fresh ones, inside the agent's window.
		h := startHalfOpen(t, driver.ProtocolV1, agentsim.AgentConfig{Checkpoint: true},
			func(c *driver.Config) { c.CallTimeout = 500 * time.Millisecond })
		h.swallow()
		sendRunning(t, h.driver, "into the silence")
		latency, err := h.agent.Restart(h.ctx, true)
		require.NoError(t, err)
		t.Logf("resubscribed %v after the agent listened again", latency)
		h.recovered()
	})
}

type halfOpen struct {
	t      *testing.T
	ctx    context.Context
	agent  *agentsim.Agent
	proxy  *agentsim.Proxy
	driver *driver.Driver
}

// startHalfOpen starts an agent, a proxy in front of it, and an executor
// that reaches the agent only through the proxy, with task t1 running and
// its first update acknowledged.
func startHalfOpen(t *testing.T, wire driver.Protocol, cfg agentsim.AgentConfig, tweaks ...func(*driver.Config)) *halfOpen {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	cfg.BehindProxy = true
	agent, err := agentsim.Start(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { agent.Close() })
	proxy := agent.Proxy()
	require.Contains(t, agent.InProcessGetenv(driver.EnvAgentPID), proxy.Addr(), "the agent advertises the proxy")
	cfg2, err := driver.ConfigFromEnv(agent.InProcessGetenv)
	require.NoError(t, err)
	cfg2.KeepProcessGroup = true
	cfg2.Protocol = wire
	for _, tweak := range tweaks {
		tweak(&cfg2)
	}
	require.NoError(t, agent.Launch(task("t1", "")))
	rec := newRecorder()
	d, err := driver.New(rec, cfg2)
	require.NoError(t, err)
	_, err = d.Start()
	require.NoError(t, err)
	t.Cleanup(func() { d.Stop(); d.Join() })
	rec.waitFor(t, "LaunchTask t1")
	_, err = agent.WaitUpdate(ctx, "t1", mesos.TASK_RUNNING) // so every connection is open before the swallow
	require.NoError(t, err)
	require.NoError(t, d.AwaitAcknowledgements(ctx))
	require.NotZero(t, proxy.Stats().Opened, "the executor reaches the agent through the proxy")
	return &halfOpen{t: t, ctx: ctx, agent: agent, proxy: proxy, driver: d}
}

func (h *halfOpen) swallow() {
	n := h.proxy.Swallow()
	require.NotZero(h.t, n, "the executor's connections to the agent go silent")
}

// recovered checks that every update was acknowledged, that one sent after
// the recovery is too, that it went on a connection opened after the
// swallow, and that the executor closed every silenced connection.
func (h *halfOpen) recovered() {
	t := h.t
	require.NoError(t, h.driver.AwaitAcknowledgements(h.ctx))
	sendRunning(t, h.driver, "after the recovery")
	require.NoError(t, h.driver.AwaitAcknowledgements(h.ctx))
	require.NoError(t, h.agent.WaitAllAcknowledged(h.ctx))
	require.NoError(t, h.proxy.WaitStats(h.ctx, "the silenced connections closed by the executor", func(s agentsim.ProxyStats) bool {
		return s.SwallowedClosed == s.Swallowed
	}))
	stats := h.proxy.Stats()
	t.Logf("proxy: %+v", stats)
	require.NotZero(t, stats.RelayedAfterSwallow, "the recovery used a fresh connection")
	n, problems := agentsim.AckProblems(h.agent.Trace().Entries())
	require.Empty(t, problems)
	require.Equal(t, 3, n, "TASK_RUNNING at launch, into the silence, after the recovery")
	var messages []string
	for _, u := range h.agent.Updates() {
		if u.Message != "" && !u.Replayed {
			messages = append(messages, u.Message)
		}
	}
	require.Contains(t, messages, "after the recovery")
}

func sendRunning(t *testing.T, d driver.ExecutorDriver, msg string) {
	_, err := d.SendStatusUpdate(&mesos.TaskStatus{TaskID: mesos.TaskID{Value: "t1"}, State: mesos.TASK_RUNNING.Enum(), Message: &msg})
	require.NoError(t, err)
}
