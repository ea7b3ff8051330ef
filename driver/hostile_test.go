package driver_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/executor"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/compat/agentsim"
	"github.com/mesos-shim/executor/compat/httpapi"
	"github.com/mesos-shim/executor/driver"
	"github.com/mesos-shim/executor/mesosproto"
	"github.com/mesos-shim/executor/messenger"
	"github.com/mesos-shim/executor/recordio"
	"github.com/mesos-shim/executor/upid"
)

// TestHostileInput injects every class of bad input an executor can meet,
// on each wire, into a running executor (agentsim's newest profile,
// checkpointing), and checks for each case that
//
//	(a) it produces a precise log line,
//	(b) the offending connection is closed where that is right (legacy: the
//	    raw connection it came on; v1: the subscription stream, after which
//	    the driver subscribes again) and kept where it is not,
//	(c) the driver still works: an update sent before the bad input, and
//	    unacknowledged when it arrives, and one sent after it both reach the
//	    agent and are acknowledged exactly once (agentsim.AckProblems), and
//	    nothing reaches the executor that should not (no Shutdown, no task
//	    launched, no Error).
//
// The legacy cases talk to the executor's listener on raw connections
// (agentsim.DialExecutor), claiming the agent's UPID unless they are the
// stranger's; the v1 cases write on the agent's side of the subscription
// stream (agentsim.InjectStreamBytes, CutStream).
//
// `go test -run TestHostileInput -v ./driver/` ends with a summary: the
// cases by class and wire, and the log line each produced. The two legacy
// slowloris cases wait out the messenger's default bounds (10 s; the driver
// has no setting for them), in parallel; -short skips them.
func TestHostileInput(t *testing.T) {
	logs := captureLogs(t)
	var sum hostileSummary
	t.Run("case", func(t *testing.T) {
		for _, c := range hostileCases() {
			t.Run(string(c.wire)+"/"+c.class+"/"+c.name, func(t *testing.T) {
				if c.slow {
					if testing.Short() {
						t.Skip("waits out the messenger's default 10 s bounds")
					}
					t.Parallel()
				}
				line := runHostile(t, logs, c)
				sum.add(c, line, !t.Failed())
			})
		}
	})
	sum.report(t)
}

// hostileCase is one piece of bad input.
type hostileCase struct {
	wire  driver.Protocol
	class string
	name  string
	// raw, for the legacy wire, is written on a fresh connection to the
	// executor's listener; with halfClose the sender then closes its
	// side, cutting the request short. status is the answer it must get.
	raw       func(h *hostile) []byte
	halfClose bool
	status    int
	// inject does the rest: v1 stream input, floods, trickles.
	inject func(h *hostile)
	// log returns the parts one log line must hold; nil when the input is
	// legitimate and must be taken silently.
	log func(h *hostile) []string
	// closes: the offending connection is closed (v1: the stream).
	closes bool
	slow   bool
	tweak  func(*driver.Config)
}

// hostile is one case's running executor and agent.
type hostile struct {
	t     *testing.T
	ctx   context.Context
	agent *agentsim.Agent
	drv   *driver.Driver
	rec   *recorder
	logs  logCapture
	from  int // the log position when the bad input began
	conn  net.Conn
	br    *bufio.Reader
	seen  string // the log line found
	// before is the update left unacknowledged when the bad input comes.
	before agentsim.Update
}

func runHostile(t *testing.T, logs logCapture, c hostileCase) string {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	agent, err := agentsim.Start(ctx, agentsim.AgentConfig{Profile: agentsim.Newest(), Checkpoint: true})
	require.NoError(t, err)
	defer agent.Close()
	require.NoError(t, agent.Launch(task("t1", "")))
	h := &hostile{t: t, ctx: ctx, agent: agent, rec: newRecorder(), logs: logs}
	var tweaks []func(*driver.Config)
	if c.tweak != nil {
		tweaks = append(tweaks, c.tweak)
	}
	h.drv = startInProcess(t, agent, h.rec, c.wire, tweaks...)
	defer h.drv.Stop()
	h.rec.waitFor(t, "LaunchTask t1")
	_, err = agent.WaitUpdate(ctx, "t1", mesos.TASK_RUNNING)
	require.NoError(t, err)
	require.NoError(t, agent.WaitAllAcknowledged(ctx))
	// The agent has sent the acknowledgement; the executor must have it
	// too, or a case that cuts the v1 stream makes the subscription carry
	// t1's update again, and the agent acknowledge it twice.
	require.NoError(t, h.drv.AwaitAcknowledgements(ctx))

	// An update still unacknowledged when the bad input arrives.
	agent.SetAckDelay(150 * time.Millisecond)
	h.before = h.update("before")

	h.from = logs.mark()
	if c.raw != nil {
		h.sendRaw(c)
	}
	if c.inject != nil {
		c.inject(h)
	}
	if c.log != nil {
		h.seen = logs.wait(t, h.from, 30*time.Second, c.log(h)...)
	}
	h.checkConnection(c)
	for _, line := range logs.all()[h.from:] {
		require.NotContains(t, line, "\n", "one log line per call: bad input must not forge lines")
		if c.log == nil {
			require.Regexp(t, "^I ", line, "legitimate input is taken without a warning")
		}
	}

	// The driver still works, and nothing was lost.
	agent.SetAckDelay(0)
	h.update("after")
	require.NoError(t, h.drv.AwaitAcknowledgements(ctx))
	require.NoError(t, agent.WaitAllAcknowledged(ctx))
	n, problems := agentsim.AckProblems(agent.Trace().Entries())
	require.Empty(t, problems, "trace:\n%s", agent.Trace())
	require.GreaterOrEqual(t, n, 3, "t1 RUNNING, before, after")
	for _, u := range agent.Updates() {
		require.Equal(t, 1, u.Acks, "update %s %s acknowledged once", u.TaskID, u.State)
	}
	h.requireOnlyExpectedCallbacks(c)

	require.NoError(t, agent.Shutdown())
	st, err := h.drv.Join()
	require.NoError(t, err)
	require.Equal(t, mesos.DRIVER_STOPPED, st)
	return h.seen
}

// update sends a TASK_RUNNING update of t1 (a task the agent launched:
// v1 agents acknowledge no other) with message msg, and returns it as the
// agent received it.
func (h *hostile) update(msg string) agentsim.Update {
	h.t.Helper()
	n := h.agent.Accepted()
	_, err := h.drv.SendStatusUpdate(&mesos.TaskStatus{TaskID: mesos.TaskID{Value: "t1"}, State: mesos.TASK_RUNNING.Enum(), Message: &msg})
	require.NoError(h.t, err)
	require.NoError(h.t, h.agent.WaitAccepted(h.ctx, n+1))
	for _, u := range h.agent.Updates() {
		if u.Message == msg {
			return u
		}
	}
	h.t.Fatalf("the agent accepted an update, not %q's", msg)
	return agentsim.Update{}
}

// requireOnlyExpectedCallbacks: the bad input made the executor do
// nothing, apart from re-registering after a v1 stream it dropped and
// echoing what a case sent as the agent.
func (h *hostile) requireOnlyExpectedCallbacks(c hostileCase) {
	h.t.Helper()
	for _, line := range strings.Split(strings.TrimSpace(h.rec.trace()), "\n") {
		switch {
		case strings.HasPrefix(line, "Registered "), line == "LaunchTask t1",
			strings.HasPrefix(line, `FrameworkMessage "probe`),
			strings.HasPrefix(line, `FrameworkMessage "trickled`),
			c.wire == driver.ProtocolV1 && c.closes && (line == "Disconnected" || strings.HasPrefix(line, "Reregistered ")):
		default:
			h.t.Fatalf("unexpected callback %q; trace:\n%s", line, h.rec.trace())
		}
	}
}

// checkConnection checks (b): closed, or kept and still working.
func (h *hostile) checkConnection(c hostileCase) {
	h.t.Helper()
	switch {
	case c.wire == driver.ProtocolV1 && c.closes:
		h.rec.waitFor(h.t, "Reregistered") // the driver dropped the stream and subscribed again
	case c.wire == driver.ProtocolV1:
		h.probeV1()
		require.NotContains(h.t, h.rec.trace(), "Reregistered", "the stream must be kept")
	case h.conn == nil:
	case c.closes:
		h.requireClosed()
	default:
		h.probeLegacy()
	}
}

// dial opens a raw connection to the executor's listener.
func (h *hostile) dial() net.Conn {
	h.t.Helper()
	c, err := h.agent.DialExecutor()
	require.NoError(h.t, err)
	require.NoError(h.t, c.SetDeadline(time.Now().Add(45*time.Second)))
	h.t.Cleanup(func() { c.Close() })
	return c
}

func (h *hostile) sendRaw(c hostileCase) {
	h.t.Helper()
	h.conn = h.dial()
	h.br = bufio.NewReader(h.conn)
	_, err := h.conn.Write(c.raw(h))
	require.NoError(h.t, err)
	if c.halfClose {
		require.NoError(h.t, h.conn.(*net.TCPConn).CloseWrite())
	}
	if c.status != 0 {
		resp, err := http.ReadResponse(h.br, nil)
		require.NoError(h.t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equal(h.t, c.status, resp.StatusCode, "answer: %s", body)
	}
}

// requireClosed reads to the end of the raw connection.
func (h *hostile) requireClosed() {
	h.t.Helper()
	rest, err := io.ReadAll(h.br)
	if err != nil {
		require.ErrorIs(h.t, err, syscall.ECONNRESET, "the executor must close the connection")
	}
	require.Empty(h.t, string(rest))
}

// probeLegacy sends a message as the agent on the same raw connection: it
// is answered and delivered, so the connection was kept and still works.
func (h *hostile) probeLegacy() {
	h.t.Helper()
	_, err := h.conn.Write(h.message(h.agent.UPID(), &mesosproto.FrameworkToExecutorMessage{Data: []byte("probe")}))
	require.NoError(h.t, err)
	resp, err := http.ReadResponse(h.br, nil)
	require.NoError(h.t, err, "the connection must be kept")
	resp.Body.Close()
	require.Equal(h.t, 202, resp.StatusCode)
	h.rec.waitFor(h.t, `FrameworkMessage "probe"`)
}

// probeV1 sends a framework message on the stream: it arrives, so the
// stream still works.
func (h *hostile) probeV1() {
	h.t.Helper()
	require.NoError(h.t, h.agent.FrameworkMessage([]byte("probe")))
	h.rec.waitFor(h.t, `FrameworkMessage "probe"`)
}

// message frames m as a libprocess message from from to the executor.
func (h *hostile) message(from upid.UPID, m proto.Message) []byte {
	h.t.Helper()
	body, err := proto.Marshal(m)
	require.NoError(h.t, err)
	return h.named(from, mesosproto.Name(m), body)
}

func (h *hostile) named(from upid.UPID, name string, body []byte) []byte {
	to := upid.UPID{ID: driver.ExecutorProcessID, Host: "127.0.0.1", Port: 1}
	return messenger.AppendMessage(nil, &messenger.Message{From: from, To: to, Name: name, Body: body}, messenger.FramingHTTP11)
}

// stranger is a process that claims to be an agent, at an address no
// agent is at: the raw connection's own, one port up.
func (h *hostile) stranger() upid.UPID {
	u, err := upid.Parse(agentsim.AgentProcessID + "@" + h.conn.LocalAddr().String())
	require.NoError(h.t, err)
	u.Port++
	return u
}

// peer is the raw connection's address as the executor logs it.
func (h *hostile) peer() string { return h.conn.LocalAddr().String() }

// head is a request line and libprocess headers from the agent, without
// the blank line that ends them.
func (h *hostile) head(name string) string {
	return "POST /executor(1)/" + name + " HTTP/1.1\r\nUser-Agent: libprocess/" + h.agent.UPID().String() +
		"\r\nLibprocess-From: " + h.agent.UPID().String() + "\r\nHost: \r\n"
}

func (h *hostile) stream(b []byte) {
	h.t.Helper()
	require.NoError(h.t, h.agent.InjectStreamBytes(b))
}

func (h *hostile) record(e *executor.Event) []byte {
	h.t.Helper()
	b, err := httpapi.Protobuf.EncodeEvent(e)
	require.NoError(h.t, err)
	return recordio.AppendRecord(nil, b)
}

// messenger log lines name the raw connection's peer address.
func rejected(status int, reason string) func(h *hostile) []string {
	return func(h *hostile) []string {
		return []string{"W messenger: executor(1)@", fmt.Sprintf("rejected request from %s with %d: %s", h.peer(), status, reason)}
	}
}

// dropped is the driver's line for a message it will not take.
func dropped(name, why string) func(h *hostile) []string {
	return func(h *hostile) []string {
		return []string{"W driver: dropping " + name + " from " + h.agent.UPID().String() + ": " + why}
	}
}

func fromStranger(name string) func(h *hostile) []string {
	return func(h *hostile) []string {
		return []string{"W driver: dropping " + name + " from " + h.stranger().String() + ": not our agent " + h.agent.UPID().String()}
	}
}

func lines(parts ...string) func(*hostile) []string {
	return func(*hostile) []string { return parts }
}

const (
	v0 = driver.ProtocolV0
	v1 = driver.ProtocolV1
)

// The classes, as issue 5 names them.
const (
	classGarbage   = "garbage"
	classTruncated = "truncated"
	classMalformed = "malformed-protobuf"
	classUnknown   = "unknown-name-or-type"
	classStranger  = "stranger"
	classOversized = "oversized"
	classSlow      = "slowloris"
	classStream    = "stream-garbage"
)

// notApplicable says why a class has no case on a wire.
var notApplicable = map[string]string{
	string(v0) + "/" + classStream: "the legacy wire has no stream: every message is its own request (garbage between requests is the garbage class)",
	string(v1) + "/" + classStranger: "a v1 executor has no listener: events arrive only on the response to its own SUBSCRIBE, " +
		"on a connection it opened to MESOS_AGENT_ENDPOINT (with TLS when LIBPROCESS_SSL_ENABLED), so no other sender can reach it",
}

func hostileCases() []hostileCase {
	return append(legacyHostileCases(), v1HostileCases()...)
}

func legacyHostileCases() []hostileCase {
	agentMsg := func(name string, body []byte) func(h *hostile) []byte {
		return func(h *hostile) []byte { return h.named(h.agent.UPID(), name, body) }
	}
	strangerMsg := func(m proto.Message) func(h *hostile) []byte {
		return func(h *hostile) []byte { return h.message(h.stranger(), m) }
	}
	fixed := func(s string) func(*hostile) []byte { return func(*hostile) []byte { return []byte(s) } }
	withHead := func(name, rest string) func(h *hostile) []byte {
		return func(h *hostile) []byte { return []byte(h.head(name) + rest) }
	}
	const ftx = "mesos.internal.FrameworkToExecutorMessage"
	cases := []hostileCase{
		// Garbage bytes where a request must start, or inside one.
		{class: classGarbage, name: "binary bytes", raw: fixed("\x00\xff\xfe\x01garbage\x7f\r\n\r\n"), status: 400,
			log: rejected(400, "request line"), closes: true},
		{class: classGarbage, name: "a text line that is not HTTP", raw: fixed("hello executor\r\n\r\n"), status: 400,
			log: rejected(400, `malformed request line "hello executor"`), closes: true},
		{class: classGarbage, name: "a TLS ClientHello to a plaintext listener", raw: fixed("\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\r\n\r\n"), status: 400,
			log: rejected(400, "request line"), closes: true},
		{class: classGarbage, name: "a header line without a colon", raw: withHead(ftx, "\x01\x02 garbage\r\n\r\n"), status: 400,
			log: rejected(400, "malformed header line"), closes: true},
		{class: classGarbage, name: "a chunk size that is not hex", raw: withHead(ftx, "Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"), status: 400,
			log: rejected(400, `invalid chunk size "zz"`), closes: true},
		{class: classGarbage, name: "chunk data longer than its size", raw: withHead(ftx, "Transfer-Encoding: chunked\r\n\r\n2\r\nabcdef\r\n0\r\n\r\n"), status: 400,
			log: rejected(400, "chunk data longer than its size line says"), closes: true},

		// Requests cut short: the sender closes its side mid-request.
		{class: classTruncated, name: "body shorter than Content-Length", raw: withHead(ftx, "Content-Length: 100\r\n\r\n\x22\x05hel"), halfClose: true, status: 400,
			log: rejected(400, "connection closed inside the body"), closes: true},
		{class: classTruncated, name: "chunked body cut inside a chunk", raw: withHead(ftx, "Transfer-Encoding: chunked\r\n\r\n20\r\n\x22\x05he"), halfClose: true, status: 400,
			log: rejected(400, "connection closed inside the chunk"), closes: true},
		{class: classTruncated, name: "chunked body without its last chunk", raw: withHead(ftx, "Transfer-Encoding: chunked\r\n\r\n3\r\n\x22\x01x\r\n"), halfClose: true, status: 400,
			log: rejected(400, "connection closed inside the chunk size"), closes: true},
		{class: classTruncated, name: "headers cut short", raw: fixed("POST /executor(1)/" + ftx + " HTTP/1.1\r\nLibprocess-Fr"), halfClose: true, status: 400,
			log: rejected(400, "connection closed inside the headers"), closes: true},
		{class: classTruncated, name: "request line cut short", raw: fixed("POST /executor(1)/mesos.int"), halfClose: true, status: 400,
			log: rejected(400, "connection closed inside the request line"), closes: true},

		// Malformed protobuf under a valid name, from the agent's UPID: the
		// message is well framed, so it is answered 202 and dropped.
		{class: classMalformed, name: "RunTaskMessage of garbage", raw: agentMsg("mesos.internal.RunTaskMessage", []byte{0xff, 0xff, 0xff}), status: 202,
			log: dropped("mesos.internal.RunTaskMessage", "compat: decoding mesos.internal.RunTaskMessage")},
		{class: classMalformed, name: "RunTaskMessage without its task", raw: agentMsg("mesos.internal.RunTaskMessage", nil), status: 202,
			log: dropped("mesos.internal.RunTaskMessage", "compat: mesos.internal.RunTaskMessage without its required task")},
		{class: classMalformed, name: "KillTaskMessage cut inside a field", raw: agentMsg("mesos.internal.KillTaskMessage", []byte("\x12\x03\x0a")), status: 202,
			log: dropped("mesos.internal.KillTaskMessage", "compat: decoding mesos.internal.KillTaskMessage")},
		{class: classMalformed, name: "acknowledgement with a field of the wrong wire type", raw: agentMsg("mesos.internal.StatusUpdateAcknowledgementMessage", []byte{0x20, 0x01}), status: 202,
			log: dropped("mesos.internal.StatusUpdateAcknowledgementMessage", "compat:")},
		{class: classMalformed, name: "ExecutorRegisteredMessage of garbage", raw: agentMsg("mesos.internal.ExecutorRegisteredMessage", []byte{0x12, 0xff, 0x01}), status: 202,
			log: dropped("mesos.internal.ExecutorRegisteredMessage", "compat: decoding mesos.internal.ExecutorRegisteredMessage")},
		{class: classMalformed, name: "ReconnectExecutorMessage of garbage", raw: agentMsg("mesos.internal.ReconnectExecutorMessage", []byte{0x0a, 0x05, 0x0a}), status: 202,
			log: dropped("mesos.internal.ReconnectExecutorMessage", "compat: decoding mesos.internal.ReconnectExecutorMessage")},
		{class: classMalformed, name: "mesos.executor.Event of garbage", raw: agentMsg(mesosproto.ExecutorEventName, []byte{0x42, 0xff}), status: 202,
			log: dropped(mesosproto.ExecutorEventName, "compat: decoding mesos.executor.Event")},
		{class: classMalformed, name: "RunTaskMessage whose task nests groups 12 million deep", raw: agentMsg("mesos.internal.RunTaskMessage", protoField(4, deepTask())), status: 202,
			log: dropped("mesos.internal.RunTaskMessage", "compat: decoding mesos.internal.RunTaskMessage: mesosproto: malformed mesos.internal.RunTaskMessage: groups nested more than 100 deep")},

		// Names no agent sends an executor, and other process ids.
		{class: classUnknown, name: "an unknown message name", raw: agentMsg("mesos.internal.NoSuchMessage", []byte("x")), status: 202,
			log: dropped("mesos.internal.NoSuchMessage", "compat: not a message an agent sends to an executor")},
		{class: classUnknown, name: "a message for schedulers", raw: agentMsg("mesos.internal.FrameworkRegisteredMessage", []byte{0x0a, 0x00}), status: 202,
			log: dropped("mesos.internal.FrameworkRegisteredMessage", "compat: not a message an agent sends to an executor")},
		{class: classUnknown, name: "a 4000-byte name", raw: agentMsg("mesos.internal."+strings.Repeat("X", 4000), nil), status: 202,
			log: func(h *hostile) []string {
				return []string{"W driver: dropping mesos.internal.XXXX", "X… (4015 bytes) from " + h.agent.UPID().String() + ": compat: not a message an agent sends to an executor"}
			}},
		{class: classUnknown, name: "a mesos.executor.Event of an unknown type", raw: agentMsg(mesosproto.ExecutorEventName, []byte{0x08, 42}), status: 202,
			log: dropped(mesosproto.ExecutorEventName, "compat: mesos.executor.Event of type 42: only LAUNCH_GROUP is sent this way")},
		{class: classUnknown, name: "a message for another process id", raw: func(h *hostile) []byte {
			return []byte(strings.Replace(string(h.message(h.agent.UPID(), &mesosproto.ShutdownExecutorMessage{})), "/executor(1)/", "/executor(2)/", 1))
		}, status: 404, log: rejected(404, `no process "executor(2)" here (message mesos.internal.ShutdownExecutorMessage`)},
		{class: classUnknown, name: "a name with an encoded newline (log forging)", raw: func(h *hostile) []byte {
			return []byte(h.head("mesos.internal.X%0AE0101%2000:00:00.000000%201%20forged.go:1]%20forged") + "\r\n")
		}, status: 400, log: rejected(400, `message name "mesos.internal.X\nE0101 00:00:00.000000 1 forged.go:1] forged" has a control character`)},
		{class: classUnknown, name: "a GET, not a message", raw: fixed("GET /executor(1)/state HTTP/1.1\r\nHost: x\r\n\r\n"), status: 405,
			log: rejected(405, "method GET, libprocess messages are POSTs")},

		// Messages from a stranger that claims to be an agent.
		{class: classStranger, name: "a framework message", raw: strangerMsg(&mesosproto.FrameworkToExecutorMessage{Data: []byte("from a stranger")}), status: 202,
			log: fromStranger(ftx)},
		{class: classStranger, name: "a shutdown", raw: strangerMsg(&mesosproto.ShutdownExecutorMessage{}), status: 202,
			log: fromStranger("mesos.internal.ShutdownExecutorMessage")},
		{class: classStranger, name: "a task to run", raw: func(h *hostile) []byte {
			t := task("evil", "finish")
			return h.message(h.stranger(), &mesosproto.RunTaskMessage{Framework: &mesos.FrameworkInfo{User: "u", Name: "f"}, Task: &t})
		}, status: 202, log: fromStranger("mesos.internal.RunTaskMessage")},
		{class: classStranger, name: "an acknowledgement of the unacknowledged update", raw: func(h *hostile) []byte {
			u := h.before
			return h.message(h.stranger(), &mesosproto.StatusUpdateAcknowledgementMessage{TaskID: &mesos.TaskID{Value: u.TaskID}, UUID: u.UUID,
				SlaveID: &mesos.AgentID{Value: h.agent.Config().AgentID}, FrameworkID: &mesos.FrameworkID{Value: h.agent.Config().FrameworkID}})
		}, status: 202, log: fromStranger("mesos.internal.StatusUpdateAcknowledgementMessage")},
		{class: classStranger, name: "a reconnect request for another agent", raw: func(h *hostile) []byte {
			return h.message(h.stranger(), &mesosproto.ReconnectExecutorMessage{SlaveID: &mesos.AgentID{Value: "another-agent"}})
		}, status: 202, log: func(h *hostile) []string {
			return []string{"W driver: dropping reconnect request from " + h.stranger().String() + ` for agent "another-agent": ours is "` + h.agent.Config().AgentID + `"`}
		}},
		{class: classStranger, name: "another process at the agent's address", raw: func(h *hostile) []byte {
			other := h.agent.UPID()
			other.ID = "slave(2)"
			return h.message(other, &mesosproto.ShutdownExecutorMessage{})
		}, status: 202, log: func(h *hostile) []string {
			other := h.agent.UPID()
			other.ID = "slave(2)"
			return []string{"W driver: dropping mesos.internal.ShutdownExecutorMessage from " + other.String() + ": not our agent " + h.agent.UPID().String()}
		}},
		{class: classStranger, name: "a sender that is not a UPID", raw: func(h *hostile) []byte {
			return []byte("POST /executor(1)/mesos.internal.ShutdownExecutorMessage HTTP/1.1\r\nLibprocess-From: nobody\r\n\r\n")
		}, status: 400, log: rejected(400, "sender:")},

		// Bodies and headers over the receiver's limits.
		{class: classOversized, name: "Content-Length over 64 MiB", raw: withHead(ftx, "Content-Length: 67108865\r\n\r\n"), status: 413,
			log: rejected(413, "body of 67108865 bytes exceeds the limit of 67108864"), closes: true},
		{class: classOversized, name: "a chunk over 64 MiB", raw: withHead(ftx, "Transfer-Encoding: chunked\r\n\r\n4000001\r\n"), status: 413,
			log: rejected(413, "body of 67108865 bytes exceeds the limit of 67108864"), closes: true},
		{class: classOversized, name: "a header line over 64 KiB", raw: withHead(ftx, "X-Padding: "+strings.Repeat("p", 70000)+"\r\n\r\n"), status: 431,
			log: rejected(431, "line longer than 65536 bytes"), closes: true},
		{class: classOversized, name: "more than 128 headers", raw: withHead(ftx, strings.Repeat("X-H: v\r\n", 130)+"\r\n"), status: 431,
			log: rejected(431, "more than 128 headers"), closes: true},

		// Slow and silent connections.
		{class: classSlow, name: "connections that never send", inject: floodSilent, closes: true, log: func(h *hostile) []string {
			return []string{"W messenger: executor(1)@", "refused the connection from " + h.peer() + ": closing the connection: no message delivered in",
				"the oldest of 128 such connections (Config.MaxPendingConnections)"}
		}},
		{class: classSlow, name: "headers trickled", slow: true, closes: true, inject: func(h *hostile) {
			h.trickle([]byte(h.head(ftx)+"X-Slow: "+strings.Repeat("s", 100)), 500*time.Millisecond)
		}, log: rejected(408, "request line and headers not complete 10s after the request's first byte (Config.RequestHeaderTimeout)")},
		{class: classSlow, name: "body trickled", slow: true, closes: true, inject: func(h *hostile) {
			h.conn = h.dial()
			h.br = bufio.NewReader(h.conn)
			_, err := h.conn.Write([]byte(h.head(ftx) + "Content-Length: 1000\r\n\r\n"))
			require.NoError(h.t, err)
			h.trickle(make([]byte, 1000), 500*time.Millisecond)
		}, log: rejected(408, "body arriving too slowly")},
	}
	for i := range cases {
		cases[i].wire = v0
	}
	return cases
}

// trickle writes b one byte per gap on the raw connection (dialled if it
// is not yet) until the executor answers; the answer must be 408.
func (h *hostile) trickle(b []byte, gap time.Duration) {
	h.t.Helper()
	if h.conn == nil {
		h.conn = h.dial()
		h.br = bufio.NewReader(h.conn)
	}
	c := h.conn
	go func() {
		for i := range b {
			if _, err := c.Write(b[i : i+1]); err != nil {
				return
			}
			time.Sleep(gap) // the trickle itself
		}
	}()
	start := time.Now()
	resp, err := http.ReadResponse(h.br, nil)
	require.NoError(h.t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(h.t, err)
	resp.Body.Close()
	require.Equal(h.t, http.StatusRequestTimeout, resp.StatusCode, "answer: %s", body)
	require.GreaterOrEqual(h.t, time.Since(start), messenger.DefaultRequestHeaderTimeout-time.Second)
}

// floodSilent opens one connection more than the executor lets wait for
// a first message: the first of them is closed to make room.
func floodSilent(h *hostile) {
	h.conn = h.dial()
	h.br = bufio.NewReader(h.conn)
	for i := 0; i < messenger.DefaultMaxPendingConnections; i++ {
		c, err := net.Dial("tcp", h.conn.RemoteAddr().String())
		require.NoError(h.t, err)
		h.t.Cleanup(func() { c.Close() })
	}
}

func v1HostileCases() []hostileCase {
	stream := func(b string) func(h *hostile) { return func(h *hostile) { h.stream([]byte(b)) } }
	lost := func(cause string) func(*hostile) []string {
		return lines("W driver: lost the agent (event stream ended: ", cause, "waiting up to")
	}
	undecodable := func(n int) func(*hostile) []string {
		return lines(fmt.Sprintf("E driver: dropping an undecodable event (%d bytes) from the agent:", n))
	}
	cut := func(b string) func(h *hostile) {
		return func(h *hostile) { require.NoError(h.t, h.agent.EndStream([]byte(b))) }
	}
	lacks := func(what string) func(*hostile) []string {
		return lines("E driver: dropping an undecodable event (2 bytes) from the agent: httpapi: malformed protobuf Event: httpapi: event lacks the field its type requires: " + what)
	}
	event := func(e *executor.Event) func(h *hostile) { return func(h *hostile) { h.stream(h.record(e)) } }
	message := &executor.Event{Type: executor.Event_MESSAGE, Message: &executor.Event_Message{Data: []byte("trickled")}}
	deepLaunch := append([]byte{1<<3 | 0, byte(executor.Event_LAUNCH)}, protoField(4, protoField(1, deepTask()))...)
	cases := []hostileCase{
		// Well-framed records whose bytes are garbage: dropped, as the
		// legacy wire drops a message that does not decode.
		{class: classGarbage, name: "a record of binary garbage", inject: stream("3\n\xff\xff\xff"), log: undecodable(3)},
		{class: classGarbage, name: "a record of text", inject: stream("11\nhello agent"), log: undecodable(11)},
		{class: classGarbage, name: "a record of broken JSON on a JSON stream", tweak: func(c *driver.Config) { c.JSON = true },
			inject: stream("10\n{not json!"), log: undecodable(10)},

		// Garbage in the framing itself.
		{class: classStream, name: "a length line with a letter", inject: stream("12x\n"), log: lost(`byte 'x' at offset`), closes: true},
		{class: classStream, name: "binary bytes for a length line", inject: stream("\xff\xfe\xfd\n"), log: lost("is not a digit"), closes: true},
		{class: classStream, name: "an empty length line", inject: stream("\n"), log: lost("empty length line"), closes: true},
		{class: classStream, name: "garbage after a good record in one chunk", inject: func(h *hostile) {
			h.stream(append(h.record(&executor.Event{Type: executor.Event_MESSAGE, Message: &executor.Event_Message{Data: []byte("probe-before-garbage")}}), "\x00\x01garbage"...))
			h.rec.waitFor(h.t, `FrameworkMessage "probe-before-garbage"`) // the good record is not lost
		}, log: lost("is not a digit"), closes: true},

		// Records cut short by the stream's end.
		{class: classTruncated, name: "a record cut short", inject: cut("100\nabc"), log: lost("stream ends inside a record of 100 bytes"), closes: true},
		{class: classTruncated, name: "a length line cut short", inject: cut("12"), log: lost("stream ends inside a length line"), closes: true},
		{class: classTruncated, name: "the connection cut between records", inject: func(h *hostile) { require.NoError(h.t, h.agent.CutStream()) },
			log: lost("unexpected EOF"), closes: true},

		// Malformed protobuf under a valid event type.
		{class: classMalformed, name: "LAUNCH with a garbage payload", inject: stream("7\n\x08\x02\x22\x03\xff\xff\xff"), log: undecodable(7)},
		{class: classMalformed, name: "KILL without its required task_id", inject: stream("4\n\x08\x03\x2a\x00"), log: undecodable(4)},
		{class: classMalformed, name: "LAUNCH whose task nests groups 12 million deep", inject: stream(fmt.Sprintf("%d\n%s", len(deepLaunch), deepLaunch)),
			log: undecodable(len(deepLaunch))},
		{class: classMalformed, name: "LAUNCH without its payload", inject: event(&executor.Event{Type: executor.Event_LAUNCH}),
			log: lacks(`LAUNCH without "launch"`)},
		{class: classMalformed, name: "ACKNOWLEDGED without its payload", inject: event(&executor.Event{Type: executor.Event_ACKNOWLEDGED}),
			log: lacks(`ACKNOWLEDGED without "acknowledged"`)},
		{class: classMalformed, name: "SUBSCRIBED without its payload", inject: event(&executor.Event{Type: executor.Event_SUBSCRIBED}),
			log: lacks(`SUBSCRIBED without "subscribed"`)},
		{class: classMalformed, name: "ACKNOWLEDGED of an update never sent", inject: event(&executor.Event{Type: executor.Event_ACKNOWLEDGED,
			Acknowledged: &executor.Event_Acknowledged{TaskID: mesos.TaskID{Value: "t1"}, UUID: []byte("0123456789abcdef")}}),
			log: lines("W driver: ignoring acknowledgement of unknown update", "for task t1")},

		// Event types the driver does not know, and fields it does not.
		{class: classUnknown, name: "an event of type 42", inject: stream("2\n\x08\x2a"), log: lines("W driver: ignoring 42 event (unknown type or missing payload)")},
		{class: classUnknown, name: "an event of type UNKNOWN", inject: stream("2\n\x08\x00"), log: lines("W driver: ignoring UNKNOWN event (unknown type or missing payload)")},
		{class: classUnknown, name: "a MESSAGE with an unknown field", inject: func(h *hostile) {
			body, err := httpapi.Protobuf.EncodeEvent(message)
			require.NoError(h.t, err)
			h.stream(recordio.AppendRecord(nil, append(body, 0x98, 0x06, 0x01))) // field 99, varint 1
			h.rec.waitFor(h.t, `FrameworkMessage "trickled"`)
		}},

		// Records over the driver's limit.
		{class: classOversized, name: "a length line of 1 TiB", inject: stream("1099511627776\n"), log: lost("record of 1099511627776 bytes is over the maximum of 268435456"), closes: true},
		{class: classOversized, name: "a length line of 21 digits", inject: stream("123456789012345678901\n"), log: lost("more than 20 digits"), closes: true},
		{class: classOversized, name: "a record over Config.MaxEventBytes", tweak: func(c *driver.Config) { c.MaxEventBytes = 64 << 10 },
			inject: func(h *hostile) {
				h.stream(h.record(&executor.Event{Type: executor.Event_MESSAGE, Message: &executor.Event_Message{Data: make([]byte, 100<<10)}}))
			}, log: lost("is over the maximum of 65536"), closes: true},

		// The agent trickling its stream is a slow agent, not an attack: the
		// stream is the response to our own request, to the agent we were
		// told to use, and is idle for 30 minutes between heartbeats, so no
		// rate is imposed on it. A trickled event is taken once complete.
		{class: classSlow, name: "an event trickled a byte at a time", inject: func(h *hostile) {
			// The simulated agent would write the pending acknowledgement in
			// the middle of the trickled record, as no real agent does.
			require.NoError(h.t, h.agent.WaitAllAcknowledged(h.ctx))
			for _, b := range h.record(message) {
				h.stream([]byte{b})
				time.Sleep(10 * time.Millisecond) // the trickle itself
			}
			h.rec.waitFor(h.t, `FrameworkMessage "trickled"`)
		}},
	}
	for i := range cases {
		cases[i].wire = v1
	}
	return cases
}

// hostileSummary collects what each case did, for the report.
type hostileSummary struct {
	mu    sync.Mutex
	cases []hostileResult
}

type hostileResult struct {
	c      hostileCase
	line   string
	passed bool
}

func (s *hostileSummary) add(c hostileCase, line string, passed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cases = append(s.cases, hostileResult{c, line, passed})
}

// report logs the classes and counts by wire, then each case.
func (s *hostileSummary) report(t *testing.T) {
	s.mu.Lock()
	defer s.mu.Unlock()
	classes := []string{classGarbage, classStream, classTruncated, classMalformed, classUnknown, classStranger, classOversized, classSlow}
	count := map[string]int{}
	for _, r := range s.cases {
		if r.passed {
			count[string(r.c.wire)+"/"+r.c.class]++
		}
	}
	var b strings.Builder
	total := 0
	fmt.Fprintf(&b, "hostile input: cases passed by class and wire\n%-22s %4s %4s\n", "class", "v0", "v1")
	for _, cl := range classes {
		fmt.Fprintf(&b, "%-22s %4s %4s\n", cl, countOrNA(count, v0, cl), countOrNA(count, v1, cl))
		total += count[string(v0)+"/"+cl] + count[string(v1)+"/"+cl]
	}
	fmt.Fprintf(&b, "%-22s %9d\n", "total", total)
	for _, k := range sortedKeys(notApplicable) {
		fmt.Fprintf(&b, "n/a %s: %s\n", k, notApplicable[k])
	}
	sort.SliceStable(s.cases, func(i, j int) bool { return s.cases[i].c.wire < s.cases[j].c.wire })
	for _, r := range s.cases {
		conn := "kept"
		if r.c.closes {
			conn = "closed"
		}
		line := r.line
		if len(line) > 240 {
			line = line[:240] + "..."
		}
		if line == "" {
			line = "(none: taken as legitimate)"
		}
		fmt.Fprintf(&b, "%s %-20s %-48s %-6s %s\n", r.c.wire, r.c.class, r.c.name, conn, line)
	}
	t.Log(b.String())
}

func countOrNA(count map[string]int, w driver.Protocol, class string) string {
	if _, na := notApplicable[string(w)+"/"+class]; na {
		return "n/a"
	}
	return fmt.Sprint(count[string(w)+"/"+class])
}

func sortedKeys(m map[string]string) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// deepTask is a task made of one unknown field holding 12 million
// start-group tags: decoding it by recursion, as mesos-go's decoders skip
// groups, would take more stack than Go allows a goroutine.
func deepTask() []byte {
	return append([]byte{0xa3, 0x06}, bytes.Repeat([]byte{0x0b}, 12<<20)...) // field 100, then field 1, start group
}

// protoField encodes field num, length-delimited, holding value.
func protoField(num int, value []byte) []byte {
	b := binary.AppendUvarint([]byte{byte(num<<3 | 2)}, uint64(len(value)))
	return append(b, value...)
}

// Without checkpointing, a lost agent means Shutdown; bad input on the
// stream from a live agent must not. An event that does not decode is
// dropped and the stream kept (no callback, as on the legacy wire); a
// stream whose framing breaks is ended by the driver, which then
// subscribes again: Disconnected, Reregistered, and the task lives on.
func TestV1BadInputWithoutCheckpointKeepsTheTasks(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	agent, err := agentsim.Start(ctx, agentsim.AgentConfig{Profile: agentsim.Newest()})
	require.NoError(t, err)
	defer agent.Close()
	require.NoError(t, agent.Launch(task("t1", "")))
	rec := newRecorder()
	d := startInProcess(t, agent, rec, v1)
	defer d.Stop()
	rec.waitFor(t, "LaunchTask t1")

	require.NoError(t, agent.InjectStreamBytes([]byte("3\n\xff\xff\xff")))
	require.NoError(t, agent.FrameworkMessage([]byte("after garbage")))
	rec.waitFor(t, `FrameworkMessage "after garbage"`)
	require.NotContains(t, rec.trace(), "Disconnected", "the stream is kept")

	require.NoError(t, agent.InjectStreamBytes([]byte("12x\n")))
	rec.waitFor(t, "Reregistered")
	require.NoError(t, agent.FrameworkMessage([]byte("after resubscribing")))
	rec.waitFor(t, `FrameworkMessage "after resubscribing"`)
	require.NotContains(t, rec.trace(), "Shutdown")
	_, err = d.SendStatusUpdate(&mesos.TaskStatus{TaskID: mesos.TaskID{Value: "t1"}, State: mesos.TASK_FINISHED.Enum()})
	require.NoError(t, err)
	_, err = agent.WaitUpdate(ctx, "t1", mesos.TASK_FINISHED)
	require.NoError(t, err)
}
