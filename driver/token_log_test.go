package driver_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/executor"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/compat/agentsim"
	"github.com/mesos-shim/executor/compat/httpapi"
	"github.com/mesos-shim/executor/driver"
	"github.com/mesos-shim/executor/recordio"
)

// secretToken is an executor token no log line, error or callback may
// hold. Its middle part is checked on its own too, in case something
// prints a token cut short.
const (
	secretCore  = "SECRET-7f3a9c1e"
	secretToken = "eyJhbGciOiJIUzI1NiJ9.eyJmaWQiOiJmIn0." + secretCore + "-signature"
)

// errorLog keeps every error the driver returns to the executor.
type errorLog struct {
	mu   sync.Mutex
	errs []string
}

func (l *errorLog) add(err error) {
	if err != nil {
		l.mu.Lock()
		l.errs = append(l.errs, err.Error())
		l.mu.Unlock()
	}
}

func (l *errorLog) status(_ mesos.Status, err error) { l.add(err) }

// The executor's token goes into the Authorization header and nowhere
// else: at the highest verbosity, through 503s retried, 401 and 403
// refusals of calls, refused and failed subscriptions, an agent restart,
// an agent ERROR and calls after the driver ended, no log line, no error
// returned to the executor and no callback holds it.
func TestTheExecutorTokenIsNeverLogged(t *testing.T) {
	logs := captureLogs(t)
	errs := &errorLog{}
	var recs []*recorder
	tokens := []string{secretToken, "wrong-" + secretToken}

	t.Run("refusals, retries and an agent restart", func(t *testing.T) {
		recs = append(recs, tokenSessionWithRefusals(t, logs, errs))
	})
	t.Run("a subscription refused for a wrong token", func(t *testing.T) {
		recs = append(recs, tokenSessionRefused(t, errs, tokens[1]))
	})
	t.Run("an agent error", func(t *testing.T) {
		recs = append(recs, tokenSessionAgentError(t, errs))
	})
	t.Run("a configuration error", func(t *testing.T) {
		_, err := driver.ConfigFromEnv(func(name string) string {
			switch name {
			case driver.EnvExecutorAuthToken:
				return secretToken
			case driver.EnvCheckpoint:
				return "1"
			case driver.EnvRecoveryTimeout:
				return "soon"
			}
			return ""
		})
		require.Error(t, err)
		errs.add(err)
	})

	// The failing paths ran: each left its line.
	all := strings.Join(logs.all(), "\n")
	for _, want := range []string{
		"agent refused UPDATE", "(503); retrying", // an UPDATE retried
		"agent rejected UPDATE", "403 Forbidden", // an UPDATE refused
		"agent rejected MESSAGE",              // a MESSAGE refused
		"SUBSCRIBE answered 401 Unauthorized", // a SUBSCRIBE refused
		"subscription refused for now",        // a SUBSCRIBE answered 503
		"lost the agent before registering",   // the failed subscription
	} {
		require.Contains(t, all, want)
	}
	var callbacks []string
	for _, r := range recs {
		callbacks = append(callbacks, r.trace())
	}
	require.Contains(t, strings.Join(callbacks, ""), "Error ")
	require.NotEmpty(t, errs.errs)

	for _, secret := range append(tokens, secretCore) {
		for _, line := range logs.all() {
			require.NotContains(t, line, secret, "a log line holds the token")
		}
		for _, e := range errs.errs {
			require.NotContains(t, e, secret, "an error returned to the executor holds the token")
		}
		for _, c := range callbacks {
			require.NotContains(t, c, secret, "a callback was given the token")
		}
	}
	t.Logf("%d log lines, %d errors returned, %d callbacks checked; the log lines:\n%s",
		len(logs.all()), len(errs.errs), strings.Count(strings.Join(callbacks, ""), "\n"), strings.Join(logs.all(), "\n"))
}

func tokenAgent(t *testing.T, ctx context.Context) *agentsim.Agent {
	p := agentsim.Newest()
	p.AuthenticatesExecutors = true // as --authenticate_http_executors does
	agent, err := agentsim.Start(ctx, agentsim.AgentConfig{Profile: p, Checkpoint: true, ExecutorToken: secretToken,
		ReregistrationTimeout: 300 * time.Millisecond})
	require.NoError(t, err)
	t.Cleanup(func() { agent.Close() })
	require.Equal(t, secretToken, agent.Getenv(driver.EnvExecutorAuthToken))
	return agent
}

func tokenSessionWithRefusals(t *testing.T, logs logCapture, errs *errorLog) *recorder {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	agent := tokenAgent(t, ctx)
	agent.FailCalls(executor.Call_SUBSCRIBE, 2, 503)
	require.NoError(t, agent.Launch(task("t1", "")))
	rec := newRecorder()
	d := startInProcess(t, agent, rec, driver.ProtocolV1)
	defer d.Stop()
	require.Equal(t, secretToken, d.Config().AuthToken)
	rec.waitFor(t, "LaunchTask t1")
	// The recorder sends t1's TASK_RUNNING after recording the launch: the
	// refusals armed below are for the test's own updates, not for that one.
	_, err := agent.WaitUpdate(ctx, "t1", mesos.TASK_RUNNING)
	require.NoError(t, err)

	agent.FailCalls(executor.Call_UPDATE, 2, 503) // retried until taken
	errs.status(d.SendStatusUpdate(&mesos.TaskStatus{TaskID: mesos.TaskID{Value: "u1"}, State: mesos.TASK_RUNNING.Enum()}))
	_, err = agent.WaitUpdate(ctx, "u1", mesos.TASK_RUNNING)
	require.NoError(t, err)

	agent.FailCalls(executor.Call_UPDATE, 1, 403) // refused: replayed by the next SUBSCRIBE
	errs.status(d.SendStatusUpdate(&mesos.TaskStatus{TaskID: mesos.TaskID{Value: "u2"}, State: mesos.TASK_RUNNING.Enum()}))
	logs.wait(t, 0, 10*time.Second, "agent rejected UPDATE TASK_RUNNING of task u2", "403 Forbidden")
	agent.FailCalls(executor.Call_MESSAGE, 1, 401)
	errs.status(d.SendFrameworkMessage([]byte("refused")))
	logs.wait(t, 0, 10*time.Second, "agent rejected MESSAGE", "401 Unauthorized")

	_, err = agent.Restart(ctx, true) // 503s while it recovers, then a new SUBSCRIBE
	require.NoError(t, err)
	rec.waitFor(t, "Reregistered")
	_, err = agent.WaitUpdate(ctx, "u2", mesos.TASK_RUNNING)
	require.NoError(t, err)
	errs.add(d.AwaitAcknowledgements(ctx))
	require.NoError(t, agent.WaitRecovered(ctx))

	require.NoError(t, agent.Shutdown())
	errs.status(d.Join())
	errs.status(d.SendStatusUpdate(&mesos.TaskStatus{TaskID: mesos.TaskID{Value: "late"}, State: mesos.TASK_RUNNING.Enum()}))
	errs.status(d.SendFrameworkMessage([]byte("late")))
	errs.status(d.Stop())
	return rec
}

// The agent refuses the driver's token: the subscription fails and the
// driver shuts the executor down.
func tokenSessionRefused(t *testing.T, errs *errorLog, wrong string) *recorder {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	agent := tokenAgent(t, ctx)
	rec := newRecorder()
	d := startInProcess(t, agent, rec, driver.ProtocolV1, func(c *driver.Config) { c.AuthToken = wrong })
	defer d.Stop()
	rec.waitFor(t, "Shutdown")
	errs.status(d.Join())
	errs.status(d.SendStatusUpdate(&mesos.TaskStatus{TaskID: mesos.TaskID{Value: "late"}, State: mesos.TASK_RUNNING.Enum()}))
	errs.add(d.AwaitAcknowledgements(ctx))
	return rec
}

// The agent reports an error: the executor's Error callback gets its
// message, and the driver aborts.
func tokenSessionAgentError(t *testing.T, errs *errorLog) *recorder {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	agent := tokenAgent(t, ctx)
	require.NoError(t, agent.Launch(task("t1", "")))
	rec := newRecorder()
	d := startInProcess(t, agent, rec, driver.ProtocolV1)
	defer d.Stop()
	rec.waitFor(t, "LaunchTask t1")
	ev, err := httpapi.Protobuf.EncodeEvent(&executor.Event{Type: executor.Event_ERROR, Error: &executor.Event_Error{Message: "the agent is unhappy"}})
	require.NoError(t, err)
	require.NoError(t, agent.InjectStreamBytes(recordio.AppendRecord(nil, ev)))
	rec.waitFor(t, "Error the agent is unhappy")
	errs.status(d.Join())
	errs.status(d.SendStatusUpdate(&mesos.TaskStatus{TaskID: mesos.TaskID{Value: "late"}, State: mesos.TASK_RUNNING.Enum()}))
	errs.status(d.Abort())
	errs.add(fmt.Errorf("%v", d.Status()))
	return rec
}
