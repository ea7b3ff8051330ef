package driver_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/executor"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/compat/agentsim"
	"github.com/mesos-shim/executor/compat/httpapi"
	"github.com/mesos-shim/executor/driver"
	"github.com/mesos-shim/executor/internal/tlsopt"
)

// startOnRaw runs the driver, on v1, against a; env adds to the agent's
// environment.
func startOnRaw(t *testing.T, a *rawAgent, rec driver.Executor, env map[string]string, tweak func(*driver.Config)) *driver.Driver {
	t.Helper()
	all := agentEnvFor(a.endpoint())
	for k, v := range env {
		all[k] = v
	}
	cfg, err := driver.ConfigFromEnv(func(k string) string { return all[k] })
	require.NoError(t, err)
	cfg.KeepProcessGroup, cfg.Protocol = true, driver.ProtocolV1
	if tweak != nil {
		tweak(&cfg)
	}
	d, err := driver.New(rec, cfg)
	require.NoError(t, err)
	_, err = d.Start()
	require.NoError(t, err)
	t.Cleanup(func() { d.Stop() })
	return d
}

// sendNumbered sends TASK_RUNNING updates for task numbered from to
// below to in their message.
func sendNumbered(t *testing.T, d *driver.Driver, task string, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		_, err := d.SendStatusUpdate(&mesos.TaskStatus{TaskID: mesos.TaskID{Value: task},
			State: mesos.TASK_RUNNING.Enum(), Message: &[]string{strconv.Itoa(i)}[0]})
		require.NoError(t, err)
	}
}

// acceptedUpdates lists the numbers of the UPDATEs the agent accepted, in the
// order it accepted them.
func acceptedUpdates(reqs []rawRequest) []int {
	var out []int
	for _, r := range reqs {
		if r.call.Type == executor.Call_UPDATE && r.status == http.StatusAccepted {
			i, _ := strconv.Atoi(r.call.Update.Status.GetMessage())
			out = append(out, i)
		}
	}
	return out
}

func numbersUpTo(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// Calls are written back to back on one connection, each before the
// answer to the one before it: the agent holds 15 answers unsent until it
// has read the 16th call, which only a pipelining executor sends. The
// agent gets every update once, in order, with the same request line and
// fields as net/http sent before (Host, Content-Type and Accept of the
// codec, the token), over TLS too.
func TestV1CallsArePipelinedOnOneConnection(t *testing.T) {
	const held, n = 16, 300
	for _, tc := range []struct {
		name  string
		json  bool
		tls   bool
		codec httpapi.Codec
	}{
		{"protobuf", false, false, httpapi.Protobuf},
		{"json", true, false, httpapi.JSON},
		{"protobuf-tls", false, true, httpapi.Protobuf},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.tls && !tlsopt.Available {
				t.Skip("speaks TLS, which a " + tlsopt.Tag + " build leaves out")
			}
			a := startRawAgent(t, tc.tls, func(i int, _ *executor.Call) rawReply {
				// The first call is answered at once: a connection
				// pipelines once the agent has accepted a call on it.
				return rawReply{status: http.StatusAccepted, flush: i == 0 || i >= held}
			})
			env := map[string]string{driver.EnvExecutorAuthToken: "s3cret"}
			if tc.tls {
				env["LIBPROCESS_SSL_ENABLED"] = "1"
			}
			rec := newRecorder()
			d := startOnRaw(t, a, rec, env, func(c *driver.Config) { c.JSON = tc.json })
			rec.waitFor(t, "Registered")
			sendNumbered(t, d, "t1", 0, n)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			require.NoError(t, d.AwaitAcknowledgements(ctx), "the agent would hold its answers for ever without pipelining")

			reqs := a.requests()
			require.Equal(t, numbersUpTo(n), acceptedUpdates(reqs), "every update once, in order")
			callsConn := -1
			for _, r := range reqs {
				require.Equal(t, "POST", r.method)
				require.Equal(t, "/api/v1/executor", r.path)
				require.Equal(t, []string{tc.codec.ContentType()}, r.header.Values("Content-Type"))
				require.Equal(t, []string{tc.codec.ContentType()}, r.header.Values("Accept"))
				require.Equal(t, []string{"Bearer s3cret"}, r.header.Values("Authorization"))
				if r.call.Type == executor.Call_SUBSCRIBE {
					continue
				}
				if callsConn < 0 {
					callsConn = r.conn
				}
				require.Equal(t, callsConn, r.conn, "one calls connection")
			}
			require.NotEqual(t, reqs[0].conn, callsConn, "SUBSCRIBE has its own connection")
		})
	}
}

// A recovering agent refuses calls (503) and then takes them. The
// refused call is sent again, and nothing behind it goes out until the
// agent has accepted one: the updates are accepted once each, in order,
// where pipelining them behind a refused one would have had later ones
// accepted first.
func TestV1RefusedCallsAreRetriedInOrder(t *testing.T) {
	const refusals, n = 4, 60
	a := startRawAgent(t, false, func(i int, _ *executor.Call) rawReply {
		if i < refusals {
			return rawReply{status: http.StatusServiceUnavailable, flush: true}
		}
		return rawReply{status: http.StatusAccepted, flush: true}
	})
	rec := newRecorder()
	d := startOnRaw(t, a, rec, nil, nil)
	rec.waitFor(t, "Registered")
	sendNumbered(t, d, "t1", 0, n)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, d.AwaitAcknowledgements(ctx))
	reqs := a.requests()
	require.Equal(t, numbersUpTo(n), acceptedUpdates(reqs))
	for _, r := range reqs[1 : 1+refusals] {
		require.Equal(t, "0", r.call.Update.Status.GetMessage(), "the refused call alone, again and again")
	}
}

// The connection breaks after the agent handled calls 5 to 9 but before
// their answers went out (nor their acknowledgements, which an agent sends
// once the update is checkpointed), and with call 10 unread: every call
// without an answer is sent again, in order, on a new connection. The
// agent sees 5 to 9 twice (it ignores a duplicate uuid and acknowledges it
// again) and every update in order of first arrival.
func TestV1CallsUnansweredWhenTheConnectionBreaksAreSentAgain(t *testing.T) {
	got := sendAcrossABrokenCallsConnection(t, rawReply{status: http.StatusAccepted, noAck: true})
	want := append(numbersUpTo(10), 5, 6, 7, 8, 9)
	require.Equal(t, append(want, numbersUpTo(40)[10:]...), got)
}

// As above, but the acknowledgements of 5 to 9 came on the event stream
// before the connection broke: those updates are not sent again (an agent
// that has forgotten a task after its terminal update was acknowledged
// would forward a duplicate to the framework).
func TestV1UpdatesAcknowledgedAreNotSentAgainAfterTheConnectionBreaks(t *testing.T) {
	got := sendAcrossABrokenCallsConnection(t, rawReply{status: http.StatusAccepted})
	require.Equal(t, numbersUpTo(40), got)
}

// sendAcrossABrokenCallsConnection sends 40 updates to an agent that
// answers calls 5 to 9 with handled (the answer written but never flushed),
// closes the connection on call 10 without reading it, and accepts every
// other call, and returns the updates the agent accepted, in order, once
// the driver has seen all acknowledged. Where the agent acknowledges 5 to 9,
// the driver has seen those acknowledgements before it sends call 10.
func sendAcrossABrokenCallsConnection(t *testing.T, handled rawReply) []int {
	t.Helper()
	a := startRawAgent(t, false, func(i int, _ *executor.Call) rawReply {
		switch {
		case i < 5 || i > 10:
			return rawReply{status: http.StatusAccepted, flush: true}
		case i < 10:
			return handled
		}
		return rawReply{closeConn: true}
	})
	rec := newRecorder()
	d := startOnRaw(t, a, rec, nil, nil)
	rec.waitFor(t, "Registered")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sendNumbered(t, d, "t1", 0, 10)
	if !handled.noAck {
		require.NoError(t, d.AwaitAcknowledgements(ctx))
	}
	sendNumbered(t, d, "t1", 10, 40)
	require.NoError(t, d.AwaitAcknowledgements(ctx))
	return acceptedUpdates(a.requests())
}

// The agent's host goes silent: the calls connection takes a call and
// never answers. After CallTimeout the driver gives up on both connections,
// reports the loss as it would a broken stream (Disconnected), and
// subscribes again on fresh ones, with the update in the SUBSCRIBE. An
// agent that is slow but answering is not silent.
func TestV1SilentAgentIsLostAfterCallTimeout(t *testing.T) {
	const timeout, slow = time.Second, 6
	logs := captureLogs(t)
	a := startRawAgent(t, false, func(i int, _ *executor.Call) rawReply {
		if i < slow {
			time.Sleep(timeout / 5) // slow: the calls take 1.2 s, each answered within 200 ms
			return rawReply{status: http.StatusAccepted, flush: true}
		}
		return rawReply{} // swallowed
	})
	rec := newRecorder()
	d := startOnRaw(t, a, rec, map[string]string{driver.EnvCheckpoint: "1"}, func(c *driver.Config) { c.CallTimeout = timeout })
	rec.waitFor(t, "Registered")
	sendNumbered(t, d, "slow", 0, slow)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, d.AwaitAcknowledgements(ctx), "a slow agent is not a silent one")

	start := time.Now()
	sendNumbered(t, d, "t1", 0, 1)
	a.waitUntil("got a second SUBSCRIBE", func() bool { return a.subscribesLocked() == 2 })
	took := time.Since(start)
	require.GreaterOrEqual(t, took, timeout)
	require.Less(t, took, timeout+3*time.Second)
	rec.waitFor(t, "Disconnected")
	rec.waitFor(t, "Reregistered")

	reqs := a.requests()
	first, last := reqs[0], reqs[len(reqs)-1]
	require.Equal(t, executor.Call_SUBSCRIBE, last.call.Type)
	ups := last.call.Subscribe.UnacknowledgedUpdates
	require.Len(t, ups, 1)
	require.Equal(t, "t1", ups[0].Status.TaskID.Value, "the unanswered update rides the new SUBSCRIBE")
	var callsConn int
	for _, r := range reqs {
		if r.call.Type == executor.Call_UPDATE {
			callsConn = r.conn
		}
	}
	a.waitUntil("saw the old connections closed", func() bool {
		return a.closedLocked(first.conn) && a.closedLocked(callsConn)
	})
	logs.wait(t, 0, 5*time.Second, "no answer from the agent at "+a.endpoint()+" on the calls connection (1 call(s) unanswered for 1s")
}

// Without checkpointing too, an agent that leaves a call unanswered for
// CallTimeout may be slow rather than gone: the executor subscribes again,
// with the update, and carries on when the agent takes it (Disconnected,
// then Reregistered) instead of shutting its tasks down. The C++ library
// has no call timeout and would simply wait.
func TestV1SilentAgentWithoutCheckpointIsAskedAgainNotAbandoned(t *testing.T) {
	const timeout = time.Second
	a := startRawAgent(t, false, func(i int, c *executor.Call) rawReply {
		if i == 0 {
			return rawReply{} // the first call after SUBSCRIBE is never answered
		}
		return accept202(i, c)
	})
	rec := newRecorder()
	d := startOnRaw(t, a, rec, nil, func(c *driver.Config) { c.CallTimeout = timeout })
	rec.waitFor(t, "Registered")
	sendNumbered(t, d, "t1", 0, 1)
	rec.waitFor(t, "Reregistered")
	require.NotContains(t, rec.trace(), "Shutdown")
	require.Contains(t, rec.trace(), "Disconnected")
	require.Equal(t, mesos.DRIVER_RUNNING, d.Status())
	last := a.requests()[len(a.requests())-1]
	require.Equal(t, executor.Call_SUBSCRIBE, last.call.Type)
	require.Len(t, last.call.Subscribe.UnacknowledgedUpdates, 1, "the unanswered update rides the new SUBSCRIBE")
}

// An agent whose event stream works but whose calls connection never
// completes its connect (here: TCP accepted, the TLS handshake never
// answered) is the agent gone silent: after CallTimeout the connect gives
// up, the subscription is dropped, and the executor subscribes again with
// the updates that could not go out. Nothing hangs, nothing is lost.
func TestV1CallsConnectThatNeverCompletesIsTheAgentGoneSilent(t *testing.T) {
	if !tlsopt.Available {
		t.Skip("stalls a TLS handshake, which a " + tlsopt.Tag + " build leaves out")
	}
	const timeout = time.Second
	logs := captureLogs(t)
	a := startRawAgent(t, true, accept202)
	a.stall(2) // the first connection is SUBSCRIBE's, the second the calls'
	rec := newRecorder()
	env := map[string]string{driver.EnvCheckpoint: "1", "LIBPROCESS_SSL_ENABLED": "1"}
	d := startOnRaw(t, a, rec, env, func(c *driver.Config) { c.CallTimeout = timeout })
	rec.waitFor(t, "Registered")

	start := time.Now()
	sendNumbered(t, d, "t1", 0, 3)
	a.waitUntil("got a second SUBSCRIBE", func() bool { return a.subscribesLocked() == 2 })
	took := time.Since(start)
	require.GreaterOrEqual(t, took, timeout, "the connect was given CallTimeout")
	require.Less(t, took, timeout+3*time.Second)
	rec.waitFor(t, "Disconnected")
	rec.waitFor(t, "Reregistered")

	reqs := a.requests()
	require.Empty(t, acceptedUpdates(reqs), "no update could reach the agent on the stalled connection")
	last := reqs[len(reqs)-1]
	require.Equal(t, executor.Call_SUBSCRIBE, last.call.Type)
	var messages []string
	for _, u := range last.call.Subscribe.UnacknowledgedUpdates {
		messages = append(messages, u.Status.GetMessage())
	}
	require.Equal(t, []string{"0", "1", "2"}, messages, "the updates ride the new SUBSCRIBE, in order")
	logs.wait(t, 0, 5*time.Second, "no answer from the agent at "+a.endpoint()+" on the calls connection (cannot connect to the agent for calls")

	// The calls of the new subscription take a fresh connection.
	sendNumbered(t, d, "t2", 0, 1)
	a.waitUntil("accepted t2's update", func() bool { return len(acceptedUpdates(a.reqs)) == 1 })
	reqs = a.requests()
	last = reqs[len(reqs)-1]
	require.Equal(t, executor.Call_UPDATE, last.call.Type)
	require.Greater(t, last.conn, 2, "t2's update came on the stalled connection")
}

// A new subscription drops the calls connection of the one it replaces:
// after the agent cuts the stream, calls go on a new connection and the
// old one is closed.
func TestV1NewSubscriptionDropsTheCallsConnection(t *testing.T) {
	a := startRawAgent(t, false, accept202)
	rec := newRecorder()
	d := startOnRaw(t, a, rec, map[string]string{driver.EnvCheckpoint: "1"}, nil)
	rec.waitFor(t, "Registered")
	sendNumbered(t, d, "t1", 0, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, d.AwaitAcknowledgements(ctx))
	old := a.requests()[1].conn
	a.cutStream()
	rec.waitFor(t, "Reregistered")
	a.waitUntil("saw the old calls connection closed", func() bool { return a.closedLocked(old) })
	sendNumbered(t, d, "t1", 0, 1)
	require.NoError(t, d.AwaitAcknowledgements(ctx))
	reqs := a.requests()
	require.NotEqual(t, old, reqs[len(reqs)-1].conn)
}

// Against the simulated agent (Go's HTTP server), several tasks' bursts
// interleaved on the pipelined connection reach the agent whole and in
// each task's order: each burst is a pattern of TASK_STARTING and
// TASK_RUNNING that a reordering would change.
func TestV1BurstsKeepEachTasksOrderAtTheAgent(t *testing.T) {
	const tasks, perTask = 4, 500
	pattern := func(i int) mesos.TaskState {
		if (i*7919)%5 < 2 {
			return mesos.TASK_STARTING
		}
		return mesos.TASK_RUNNING
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	agent, err := agentsim.Start(ctx, agentsim.AgentConfig{})
	require.NoError(t, err)
	defer agent.Close()
	for i := 0; i < tasks; i++ {
		require.NoError(t, agent.Launch(task(fmt.Sprint("t", i), "")))
	}
	rec := newRecorder()
	d := startInProcess(t, agent, rec, driver.ProtocolV1)
	defer d.Stop()
	for i := 0; i < tasks; i++ {
		rec.waitFor(t, fmt.Sprint("LaunchTask t", i))
	}
	errs := make(chan error, tasks)
	for i := 0; i < tasks; i++ {
		go func() {
			for j := 0; j < perTask; j++ {
				if _, err := d.SendStatusUpdate(&mesos.TaskStatus{TaskID: mesos.TaskID{Value: fmt.Sprint("t", i)}, State: pattern(j).Enum()}); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for i := 0; i < tasks; i++ {
		require.NoError(t, <-errs)
	}
	require.NoError(t, d.AwaitAcknowledgements(ctx))
	require.NoError(t, agent.WaitAllAcknowledged(ctx))
	want := make([]mesos.TaskState, perTask)
	for j := range want {
		want[j] = pattern(j)
	}
	got := map[string][]mesos.TaskState{}
	for _, u := range agent.Updates() {
		got[u.TaskID] = append(got[u.TaskID], u.State)
	}
	for i := 0; i < tasks; i++ {
		states := got[fmt.Sprint("t", i)]
		require.Len(t, states, perTask+1, "the launch's TASK_RUNNING and the burst, once each")
		require.Equal(t, want, states[1:], "task t%d's updates in the order sent", i)
	}
}
