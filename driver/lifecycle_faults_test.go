package driver_test

import (
	"context"
	"strings"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/compat/agentsim"
	"github.com/mesos-shim/executor/driver"
)

// Lifecycle faults from the agent's side, on both wires, with the executor
// in this process. Each ends in the callbacks a C++-driver executor would
// see, and in a driver that stops instead of hanging.

// A checkpointed agent dies and never comes back: the executor hears
// Disconnected, and Shutdown once MESOS_RECOVERY_TIMEOUT has passed; the
// driver then stops.
func TestRecoveryTimeoutExpiryShutsTheExecutorDown(t *testing.T) {
	for _, wire := range []driver.Protocol{driver.ProtocolV0, driver.ProtocolV1} {
		t.Run(string(wire), func(t *testing.T) {
			t.Parallel()
			f := startFaulty(t, wire, agentsim.AgentConfig{Checkpoint: true, RecoveryTimeout: 300 * time.Millisecond})
			f.agent.Crash()
			f.rec.waitFor(t, "Disconnected")
			f.rec.waitFor(t, "Shutdown")
			f.joined()
			require.Equal(t, "Registered\nLaunchTask t1\nDisconnected\nShutdown\n", callbackNames(f.rec.trace()))
		})
	}
}

// The executor waits to reregister with a checkpointing agent, and the
// agent comes back without the executor's checkpoint (its work directory
// was wiped): on v1 the resubscription is refused for good; on the legacy
// wire no ReconnectExecutorMessage ever comes and the recovery timeout
// ends the wait. Either way: Shutdown, and the driver stops.
func TestAgentBackWithoutTheCheckpointShutsTheExecutorDown(t *testing.T) {
	for _, wire := range []driver.Protocol{driver.ProtocolV0, driver.ProtocolV1} {
		t.Run(string(wire), func(t *testing.T) {
			t.Parallel()
			f := startFaulty(t, wire, agentsim.AgentConfig{Checkpoint: true, RecoveryTimeout: time.Second})
			_, err := f.agent.Restart(f.ctx, false)
			require.NoError(t, err)
			f.rec.waitFor(t, "Shutdown")
			f.joined()
			require.NotContains(t, f.rec.trace(), "Reregistered")
		})
	}
}

// The agent receives the registration and never answers it. On the legacy
// wire the driver does not register again (a second RegisterExecutorMessage
// to an agent that did take the first gets the executor shut down); on v1
// it subscribes again, on a fresh connection, each time SubscribeTimeout
// passes without SUBSCRIBED (the agent closes an older subscription when a
// new one comes). Either way it stays responsive and stops when told to;
// the agent would destroy it after --executor_registration_timeout.
func TestRegistrationNeverAnswered(t *testing.T) {
	for _, wire := range []driver.Protocol{driver.ProtocolV0, driver.ProtocolV1} {
		t.Run(string(wire), func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			agent, err := agentsim.Start(ctx, agentsim.AgentConfig{})
			require.NoError(t, err)
			defer agent.Close()
			agent.IgnoreRegistrations(1)
			agent.StallSubscribes(1000)
			rec := newRecorder()
			d := startInProcess(t, agent, rec, wire, func(c *driver.Config) { c.SubscribeTimeout = 200 * time.Millisecond })
			attempts := map[driver.Protocol]int{driver.ProtocolV0: 1, driver.ProtocolV1: 3}[wire]
			require.NoError(t, agent.WaitFaults(ctx, attempts), "the agent got the registration, or three subscriptions")
			_, err = d.Stop()
			require.NoError(t, err)
			_, err = d.Join()
			require.NoError(t, err)
			require.Equal(t, "\n", rec.trace(), "no callback: the executor was never registered")
			require.Equal(t, agentsim.Registering, agent.State())
			registrations := 0
			for _, e := range agent.Trace().Entries() {
				if e.Dir == agentsim.FromExecutor && e.Kind() == "SUBSCRIBE" {
					registrations++
				}
			}
			if wire == driver.ProtocolV0 {
				require.Equal(t, 1, registrations, "the legacy driver registered again")
			} else {
				require.GreaterOrEqual(t, registrations, 3)
			}
		})
	}
}

type faulty struct {
	t     *testing.T
	ctx   context.Context
	agent *agentsim.Agent
	rec   *recorder
	d     *driver.Driver
}

// startFaulty starts an agent and an executor on wire with task t1
// running and its TASK_RUNNING acknowledged.
func startFaulty(t *testing.T, wire driver.Protocol, cfg agentsim.AgentConfig, tweaks ...func(*driver.Config)) *faulty {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	agent, err := agentsim.Start(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { agent.Close() })
	require.NoError(t, agent.Launch(task("t1", "")))
	rec := newRecorder()
	d := startInProcess(t, agent, rec, wire, tweaks...)
	t.Cleanup(func() { d.Stop(); d.Join() })
	rec.waitFor(t, "LaunchTask t1")
	// The recorder sends TASK_RUNNING after recording the launch: wait for
	// it at the agent, so that every connection is open from here on.
	_, err = agent.WaitUpdate(ctx, "t1", mesos.TASK_RUNNING)
	require.NoError(t, err)
	require.NoError(t, d.AwaitAcknowledgements(ctx))
	return &faulty{t: t, ctx: ctx, agent: agent, rec: rec, d: d}
}

// joined checks that the driver ends by itself.
func (f *faulty) joined() {
	done := make(chan struct{})
	go func() { f.d.Join(); close(done) }()
	select {
	case <-done:
	case <-f.ctx.Done():
		f.t.Fatal("the driver did not end after Shutdown")
	}
}

// callbackNames keeps the first word of each line of a recorder's trace.
func callbackNames(trace string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimSuffix(trace, "\n"), "\n") {
		name, rest, _ := strings.Cut(l, " ")
		if name == "LaunchTask" {
			name += " " + rest
		}
		b.WriteString(name + "\n")
	}
	return b.String()
}

// The agent shuts the executor down right after it reregistered, while
// the agent is still recovering (its other executors may not be back yet,
// and on v1 it answers updates 503 until then): the task's TASK_KILLED
// still reaches the agent and is acknowledged, and the driver ends.
func TestShutdownWhileTheAgentStillRecovers(t *testing.T) {
	for _, wire := range []driver.Protocol{driver.ProtocolV0, driver.ProtocolV1} {
		t.Run(string(wire), func(t *testing.T) {
			t.Parallel()
			f := startFaulty(t, wire, agentsim.AgentConfig{Checkpoint: true, ReregistrationTimeout: time.Second})
			_, err := f.agent.Restart(f.ctx, true)
			require.NoError(t, err)
			require.NoError(t, f.agent.Shutdown())
			f.rec.waitFor(t, "Shutdown")
			_, err = f.agent.WaitUpdate(f.ctx, "t1", mesos.TASK_KILLED)
			require.NoError(t, err)
			f.joined()
			require.NoError(t, f.agent.WaitAllAcknowledged(f.ctx))
			_, problems := agentsim.AckProblems(f.agent.Trace().Entries())
			require.Empty(t, problems)
			require.Equal(t, "Registered\nLaunchTask t1\nDisconnected\nReregistered\nShutdown\n", callbackNames(f.rec.trace()))
			if wire == driver.ProtocolV1 {
				unavailable := 0
				for _, e := range f.agent.Trace().Entries() {
					if e.Name == agentsim.EventUnavailable {
						unavailable++
					}
				}
				require.NotZero(t, unavailable, "the update met the agent still recovering (503)")
			}
		})
	}
}
