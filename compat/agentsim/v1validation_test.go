package agentsim

import (
	"net/http"
	"strings"
	"testing"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/executor"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/compat/httpapi"
)

// subscribedExecutor is a v1 executor subscribed to a fresh agent of
// profile p, with task t1 launched.
func subscribedExecutor(t *testing.T, p Profile, codec httpapi.Codec) (*Agent, *v1Executor, *v1Stream) {
	t.Helper()
	a := startAgent(t, AgentConfig{Profile: p})
	require.NoError(t, a.Launch(CommandTask("t1", "sleep 30")))
	f := newV1Executor(t, a, codec)
	s := f.subscribe()
	s.expect(executor.Event_SUBSCRIBED)
	s.expect(executor.Event_LAUNCH)
	return a, f, s
}

// The status codes of Http::executor (Mesos's src/slave/http.cpp), each for
// a call that is wrong in one way, against a subscribed executor's agent.
// Nothing wrong reaches the agent's logic: no update is accepted.
func TestV1RefusesBadCalls(t *testing.T) {
	spoilUpdate := func(spoil func(*executor.Call)) func(*v1Executor) reply {
		return func(f *v1Executor) reply {
			c := f.updateCall("t1", mesos.TASK_RUNNING)
			spoil(c)
			return f.post(c)
		}
	}
	spoilCheck := func(check *mesos.CheckStatusInfo) func(*v1Executor) reply {
		return spoilUpdate(func(c *executor.Call) { c.Update.Status.CheckStatus = check })
	}
	for _, tc := range []struct {
		name    string
		profile Profile
		send    func(*v1Executor) reply
		status  int
		body    string // a substring of the answer's body
	}{
		{"charset parameter", Mesos112, func(f *v1Executor) reply {
			return f.do(f.request(httpapi.ContentTypeJSON+"; charset=utf-8", []byte("{}")))
		}, http.StatusUnsupportedMediaType, ""},
		{"no content type", Mesos112, func(f *v1Executor) reply {
			return f.do(f.request("", f.encode(f.updateCall("t1", mesos.TASK_RUNNING))))
		}, http.StatusBadRequest, "Content-Type"},
		{"garbage protobuf", Mesos112, func(f *v1Executor) reply {
			return f.do(f.request(httpapi.ContentTypeProtobuf, []byte{0xff, 0xff, 0xff}))
		}, http.StatusBadRequest, "Failed to parse"},
		{"garbage json", Mesos112, func(f *v1Executor) reply {
			return f.do(f.request(httpapi.ContentTypeJSON, []byte("{")))
		}, http.StatusBadRequest, "Failed to parse"},
		{"GET", Mesos112, func(f *v1Executor) reply {
			req := f.request(httpapi.ContentTypeProtobuf, nil)
			req.Method = http.MethodGet
			return f.do(req)
		}, http.StatusMethodNotAllowed, ""},
		{"short uuid", Mesos10, spoilUpdate(func(c *executor.Call) { c.Update.Status.UUID = c.Update.Status.UUID[:8] }),
			http.StatusBadRequest, "UUID"},
		{"uuid of no known version", Mesos112, spoilUpdate(func(c *executor.Call) { c.Update.Status.UUID[6] &= 0x0f }),
			http.StatusBadRequest, "Not a valid UUID"},
		{"no uuid", Mesos028, spoilUpdate(func(c *executor.Call) { c.Update.Status.UUID = nil }),
			http.StatusBadRequest, "'uuid'"},
		{"TASK_STAGING", Mesos112, spoilUpdate(func(c *executor.Call) { c.Update.Status.State = mesos.TASK_STAGING.Enum() }),
			http.StatusBadRequest, "TASK_STAGING"},
		{"source agent", Mesos112, spoilUpdate(func(c *executor.Call) { c.Update.Status.Source = mesos.SOURCE_AGENT.Enum() }),
			http.StatusBadRequest, "SOURCE_EXECUTOR"},
		{"no source", Mesos112, spoilUpdate(func(c *executor.Call) { c.Update.Status.Source = nil }),
			http.StatusBadRequest, "SOURCE_EXECUTOR"},
		{"status of another executor", Mesos112, spoilUpdate(func(c *executor.Call) {
			c.Update.Status.ExecutorID = &mesos.ExecutorID{Value: "other"}
		}), http.StatusBadRequest, "does not match"},
		{"no update", Mesos112, spoilUpdate(func(c *executor.Call) { c.Update = nil }), http.StatusBadRequest, "'update'"},
		{"unknown framework", Mesos112, spoilUpdate(func(c *executor.Call) { c.FrameworkID.Value = "other" }),
			http.StatusBadRequest, "Framework cannot be found"},
		{"unknown executor", Mesos112, spoilUpdate(func(c *executor.Call) {
			c.ExecutorID.Value = "other"
			c.Update.Status.ExecutorID = &c.ExecutorID
		}), http.StatusBadRequest, "Executor cannot be found"},
		{"UNKNOWN on 1.0", Mesos10, func(f *v1Executor) reply { return f.post(f.call(executor.Call_UNKNOWN)) },
			http.StatusNotImplemented, ""},
		{"UNKNOWN on 0.28", Mesos028, func(f *v1Executor) reply { return f.post(f.call(executor.Call_UNKNOWN)) },
			http.StatusBadRequest, "'type'"},
		{"check status without type", Mesos15, spoilCheck(&mesos.CheckStatusInfo{}), http.StatusBadRequest, "must specify 'type'"},
		{"check status UNKNOWN", Mesos112, spoilCheck(&mesos.CheckStatusInfo{Type: mesos.CheckInfo_UNKNOWN.Enum()}),
			http.StatusBadRequest, "'UNKNOWN' is not a valid"},
		{"command check without command", Mesos14, spoilCheck(&mesos.CheckStatusInfo{Type: mesos.CheckInfo_COMMAND.Enum()}),
			http.StatusBadRequest, "'command'"},
		{"HTTP check without http", Mesos112, spoilCheck(&mesos.CheckStatusInfo{Type: mesos.CheckInfo_HTTP.Enum()}),
			http.StatusBadRequest, "'http'"},
		{"TCP check without tcp", Mesos18, spoilCheck(&mesos.CheckStatusInfo{Type: mesos.CheckInfo_TCP.Enum()}),
			http.StatusBadRequest, "'tcp'"},
		{"HEARTBEAT on 1.4", Mesos14, func(f *v1Executor) reply { return f.post(httpapi.HeartbeatCall()) },
			http.StatusBadRequest, "'type'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, f, _ := subscribedExecutor(t, tc.profile, httpapi.Protobuf)
			r := tc.send(f)
			require.Equal(t, tc.status, r.status, "body %q", r.body)
			require.Contains(t, r.body, tc.body)
			if r.body != "" {
				require.Equal(t, "text/plain; charset=utf-8", r.header.Get("Content-Type"))
			}
			if tc.status == http.StatusMethodNotAllowed {
				require.Equal(t, "POST", r.header.Get("Allow"))
			}
			require.Empty(t, a.Updates())
			var refusals []int
			for _, e := range a.Trace().Entries() {
				if e.Name == EventRejected {
					refusals = append(refusals, e.Status)
				}
			}
			require.Equal(t, []int{tc.status}, refusals)
		})
	}
}

// Before 1.0 a uuid of the wrong length passes the endpoint (202) and is
// dropped by the agent, unacknowledged.
func TestV1ShortUUIDBefore10IsAcceptedAndDropped(t *testing.T) {
	a, f, _ := subscribedExecutor(t, Mesos028, httpapi.Protobuf)
	c := f.updateCall("t1", mesos.TASK_RUNNING)
	c.Update.Status.UUID = c.Update.Status.UUID[:8]
	f.accepted(c)
	require.Empty(t, a.Updates())
	require.Contains(t, names(a.Trace(), AtAgent), EventUpdateDropped)
}

// A refused UPDATE's body is the agent's own text, and a call wrong in
// several ways is answered for the first of them in validateExecutorCall's
// order: uuid, executor id, source, state (validation.cpp).
func TestV1ValidationAnswersAsTheAgentWords(t *testing.T) {
	_, f, _ := subscribedExecutor(t, Mesos112, httpapi.JSON)
	c := f.updateCall("t1", mesos.TASK_STAGING)
	r := f.post(c)
	require.Equal(t, "Failed to validate Executor::Call: Received TASK_STAGING from executor "+DefaultExecutorID+
		" of framework "+DefaultFrameworkID+" which is not allowed", r.body)

	c.Update.Status.Source = mesos.SOURCE_MASTER.Enum()
	r = f.post(c)
	require.Equal(t, "Failed to validate Executor::Call: Received Call from executor "+DefaultExecutorID+
		" of framework "+DefaultFrameworkID+" with invalid source, expecting 'SOURCE_EXECUTOR'", r.body)

	c.Update.Status.ExecutorID = &mesos.ExecutorID{Value: "other"}
	r = f.post(c)
	require.Equal(t, "Failed to validate Executor::Call: ExecutorID in Call: "+DefaultExecutorID+
		" does not match ExecutorID in TaskStatus: other", r.body)
}

// Before 1.2 the agent does not look into an UPDATE's check_status; from
// 1.2 on a complete one passes (validation.cpp at the 1.1.0 and 1.2.0 tags).
func TestV1CheckStatusValidatedFrom12(t *testing.T) {
	_, f, _ := subscribedExecutor(t, Mesos11, httpapi.Protobuf)
	c := f.updateCall("t1", mesos.TASK_RUNNING)
	c.Update.Status.CheckStatus = &mesos.CheckStatusInfo{}
	f.accepted(c)

	a, f, _ := subscribedExecutor(t, Mesos112, httpapi.JSON)
	c = f.updateCall("t1", mesos.TASK_RUNNING)
	exit := int32(0)
	c.Update.Status.CheckStatus = &mesos.CheckStatusInfo{Type: mesos.CheckInfo_COMMAND.Enum(),
		Command: &mesos.CheckStatusInfo_Command{ExitCode: &exit}}
	f.accepted(c)
	require.Len(t, a.Updates(), 1)
}

// A call other than SUBSCRIBE from an executor that has not subscribed is
// refused with 403 (Http::executor).
func TestV1CallsBeforeSubscribingAreForbidden(t *testing.T) {
	a := startAgent(t, AgentConfig{Profile: Mesos112})
	f := newV1Executor(t, a, httpapi.JSON)
	for _, c := range []*executor.Call{f.updateCall("t1", mesos.TASK_RUNNING), f.messageCall([]byte("x"))} {
		r := f.post(c)
		require.Equal(t, http.StatusForbidden, r.status)
		require.Equal(t, "Executor is not subscribed", r.body)
	}
	require.Equal(t, Registering, a.State())
}

// 1.3 with executor authentication: the token is in the environment, and
// every v1 request without it is refused with 401 before anything else.
func TestV1RequestsNeedTheTokenOn13(t *testing.T) {
	a := startAgent(t, AgentConfig{Profile: Mesos13})
	token := a.Getenv(EnvAuthToken)
	require.Len(t, strings.Split(token, "."), 3, "JWT-shaped: %q", token)
	require.Empty(t, startAgent(t, AgentConfig{Profile: Mesos14}).Getenv(EnvAuthToken), "1.4 as captured: no authentication")

	f := newV1Executor(t, a, httpapi.Protobuf)
	for _, bad := range []string{"", "wrong"} {
		f.token = bad
		resp, _ := f.subscribeRaw(f.subscribeCall())
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
		require.Contains(t, resp.Header.Get("WWW-Authenticate"), `realm="mesos-agent-executor"`)
		r := f.do(f.request("text/plain", nil)) // 401 comes before the content type is looked at
		require.Equal(t, http.StatusUnauthorized, r.status)
	}
	require.Equal(t, Registering, a.State())

	f.token = token
	require.NoError(t, a.Launch(CommandTask("t1", "true")))
	f.subscribe().expect(executor.Event_SUBSCRIBED)
	f.accepted(f.updateCall("t1", mesos.TASK_RUNNING))
}

func TestV1HeartbeatCallsFrom18(t *testing.T) {
	a := startAgent(t, AgentConfig{Profile: Mesos18})
	f := newV1Executor(t, a, httpapi.Protobuf)
	f.accepted(httpapi.HeartbeatCall()) // before subscribing, with placeholder ids
	json := newV1Executor(t, a, httpapi.JSON)
	json.accepted(httpapi.HeartbeatCall())

	a14 := startAgent(t, AgentConfig{Profile: Mesos14})
	r := newV1Executor(t, a14, httpapi.JSON).post(httpapi.HeartbeatCall())
	require.Equal(t, http.StatusBadRequest, r.status)
	var refused []Entry
	for _, e := range a14.Trace().Entries() {
		if e.Name == EventRejected {
			refused = append(refused, e)
		}
	}
	require.Len(t, refused, 1)
	require.Equal(t, "HEARTBEAT", refused[0].Call)
	require.Equal(t, http.StatusBadRequest, refused[0].Status)
}

// A 1.8+ agent sends HEARTBEAT events every HeartbeatInterval (30 min on a
// real agent) once subscribed.
func TestV1HeartbeatEvents(t *testing.T) {
	a := startAgent(t, AgentConfig{Profile: Mesos18, HeartbeatInterval: 5e6})
	require.NoError(t, a.Launch(CommandTask("t1", "true")))
	s := newV1Executor(t, a, httpapi.Protobuf).subscribe()
	s.expect(executor.Event_SUBSCRIBED)
	s.expect(executor.Event_LAUNCH)
	s.expect(executor.Event_HEARTBEAT)
	s.expect(executor.Event_HEARTBEAT)
}

// Agents before 0.25 have no route: 404 on both paths.
func TestV1EndpointAbsentBefore025(t *testing.T) {
	a := startAgent(t, AgentConfig{Profile: Mesos022})
	f := newV1Executor(t, a, httpapi.Protobuf)
	for _, path := range v1Routes {
		f.url = "http://" + a.UPID().HostPort() + path
		resp, _ := f.subscribeRaw(f.subscribeCall())
		require.Equal(t, http.StatusNotFound, resp.StatusCode)
	}
}
