package driver_test

import (
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
		h.sendIntoTheSilence()
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
		sendRunning(t, h.d, "into the silence") // unanswered, it is what tells the executor
		latency, err := h.agent.Restart(h.ctx, true)
		require.NoError(t, err)
		t.Logf("resubscribed %v after the agent listened again", latency)
		h.recovered()
	})
}

// halfOpen is an executor that reaches its agent only through the agent's
// proxy (AgentConfig.BehindProxy).
type halfOpen struct {
	*faulty
	proxy *agentsim.Proxy
}

// startHalfOpen starts an agent behind a proxy and an executor on wire
// that reaches it only through the proxy, with task t1 running and its
// first update acknowledged.
func startHalfOpen(t *testing.T, wire driver.Protocol, cfg agentsim.AgentConfig, tweaks ...func(*driver.Config)) *halfOpen {
	cfg.BehindProxy = true
	f := startFaulty(t, wire, cfg, tweaks...)
	proxy := f.agent.Proxy()
	require.Contains(t, f.agent.InProcessGetenv(driver.EnvAgentPID), proxy.Addr(), "the agent advertises the proxy")
	require.NotZero(t, proxy.Stats().Opened, "the executor reaches the agent through the proxy")
	return &halfOpen{faulty: f, proxy: proxy}
}

func (h *halfOpen) swallow() {
	n := h.proxy.Swallow()
	require.NotZero(h.t, n, "the executor's connections to the agent go silent")
}

// sendIntoTheSilence sends an update on the legacy wire and waits until
// the executor has written it into the silenced link. An update still
// queued when a restarted agent's Reconnect relinks would move to the new
// link, as in libprocess, and reach the agent twice, in the reregistration
// too (the agent acknowledges both): a different case from the one tested
// here.
func (h *halfOpen) sendIntoTheSilence() {
	sendRunning(h.t, h.d, "into the silence")
	require.NoError(h.t, h.proxy.WaitStats(h.ctx, "the update written into the silence", func(s agentsim.ProxyStats) bool {
		return s.BytesIntoSilence > 0
	}))
}

// recovered checks that every update was acknowledged, that one sent after
// the recovery is too, that it went on a connection opened after the
// swallow, and that the executor closed every silenced connection.
func (h *halfOpen) recovered() {
	t := h.t
	require.NoError(t, h.d.AwaitAcknowledgements(h.ctx))
	sendRunning(t, h.d, "after the recovery")
	require.NoError(t, h.d.AwaitAcknowledgements(h.ctx))
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
