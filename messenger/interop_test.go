package messenger

// Interoperability with an independent libprocess implementation: the
// mesos-go v0.0.11 messenger (api/v0/messenger), used here only as a second
// opinion on the wire. Its message names are "mesos.internal.<GoType>" and
// its bodies are gogo-marshalled api/v0/mesosproto messages.
//
// Known mesos-go behaviour these tests rely on (read from its source):
//   - Sending, it POSTs with Go's net/http client, one request at a time from a
//     single send loop, waiting for each response; it sends Libprocess-From,
//     Content-Length and "User-Agent: Go-http-client/1.1".
//   - Receiving, Go's net/http server parses the first request on a
//     connection; the handler then hijacks the connection and mesos-go's own
//     decoder parses every later request on it. It answers nothing to senders
//     with a libprocess User-Agent. Messages go through one queue and one
//     decode loop, so its handlers see them in arrival order. Its Stop closes
//     the listener only: hijacked connections stay open.

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gogo/protobuf/proto"
	v0 "github.com/mesos/mesos-go/api/v0/mesosproto"
	v0messenger "github.com/mesos/mesos-go/api/v0/messenger"
	v0upid "github.com/mesos/mesos-go/api/v0/upid"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/upid"
)

// startV0 starts a mesos-go v0 messenger as process id on 127.0.0.1 with an
// ephemeral port, after install has installed its handlers. It is stopped
// when the test ends.
func startV0(tb testing.TB, id string, install func(v0messenger.Messenger)) *v0messenger.MesosMessenger {
	tb.Helper()
	m := v0messenger.NewHttpWithBindingAddress(v0upid.UPID{ID: id, Host: "127.0.0.1", Port: "0"}, net.ParseIP("127.0.0.1"))
	if install != nil {
		install(m)
	}
	require.NoError(tb, m.Start())
	tb.Cleanup(func() { m.Stop() })
	return m
}

// toV0 converts one of our UPIDs to mesos-go's type by parsing its text.
func toV0(tb testing.TB, u upid.UPID) *v0upid.UPID {
	tb.Helper()
	p, err := v0upid.Parse(u.String())
	require.NoError(tb, err)
	return p
}

// fromV0 converts a mesos-go UPID to ours by parsing its text.
func fromV0(tb testing.TB, u v0upid.UPID) upid.UPID {
	tb.Helper()
	p, err := upid.Parse(u.String())
	require.NoError(tb, err)
	return p
}

// v0Received is one message delivered to a mesos-go handler.
type v0Received struct {
	from v0upid.UPID
	msg  proto.Message
}

// v0Inbox installs a handler for each of kinds that forwards to a channel.
type v0Inbox chan v0Received

func (in v0Inbox) install(kinds ...proto.Message) func(v0messenger.Messenger) {
	return func(m v0messenger.Messenger) {
		for _, k := range kinds {
			err := m.Install(func(from *v0upid.UPID, msg proto.Message) {
				in <- v0Received{from: *from, msg: msg}
			}, k)
			if err != nil {
				panic(err)
			}
		}
	}
}

func (in v0Inbox) next(t *testing.T) v0Received {
	t.Helper()
	select {
	case r := <-in:
		return r
	case <-time.After(waitFor):
		t.Fatal("mesos-go handler received nothing")
		return v0Received{}
	}
}

// unmarshalV0 decodes body into a fresh value of the same type as like.
func unmarshalV0[T proto.Message](t *testing.T, body []byte, like T) T {
	t.Helper()
	out := proto.Clone(like).(T)
	out.Reset()
	require.NoError(t, proto.Unmarshal(body, out))
	return out
}

func v0Name(m proto.Message) string {
	return "mesos.internal." + strings.TrimPrefix(fmt.Sprintf("%T", m), "*mesosproto.")
}

func testRegisterExecutor() *v0.RegisterExecutorMessage {
	return &v0.RegisterExecutorMessage{
		FrameworkId: &v0.FrameworkID{Value: proto.String("fw-0001")},
		ExecutorId:  &v0.ExecutorID{Value: proto.String("exec-0001")},
	}
}

// testStatusUpdate is a StatusUpdateMessage carrying data bytes of task data.
func testStatusUpdate(seq int, data int) *v0.StatusUpdateMessage {
	payload := make([]byte, data)
	for i := range payload {
		payload[i] = byte(i*7 + seq)
	}
	state := v0.TaskState_TASK_RUNNING
	source := v0.TaskStatus_SOURCE_EXECUTOR
	return &v0.StatusUpdateMessage{
		Update: &v0.StatusUpdate{
			FrameworkId: &v0.FrameworkID{Value: proto.String("fw-0001")},
			ExecutorId:  &v0.ExecutorID{Value: proto.String("exec-0001")},
			SlaveId:     &v0.SlaveID{Value: proto.String("a1b2c3d4-0000-4000-8000-0123456789ab-S0")},
			Status: &v0.TaskStatus{
				TaskId:     &v0.TaskID{Value: proto.String(fmt.Sprintf("task-%06d", seq))},
				State:      &state,
				Source:     &source,
				Message:    proto.String("task is running"),
				Data:       payload,
				ExecutorId: &v0.ExecutorID{Value: proto.String("exec-0001")},
				Timestamp:  proto.Float64(1.7e9 + float64(seq)),
				Uuid:       []byte("0123456789abcdef"),
			},
			Timestamp: proto.Float64(1.7e9 + float64(seq)),
			Uuid:      []byte("0123456789abcdef"),
		},
		Pid: proto.String("executor(1)@127.0.0.1:40000"),
	}
}

func testExecutorRegistered() *v0.ExecutorRegisteredMessage {
	fw := &v0.FrameworkID{Value: proto.String("fw-0001")}
	agent := &v0.SlaveID{Value: proto.String("agent-S0")}
	return &v0.ExecutorRegisteredMessage{
		ExecutorInfo: &v0.ExecutorInfo{
			ExecutorId:  &v0.ExecutorID{Value: proto.String("exec-0001")},
			FrameworkId: fw,
			Command:     &v0.CommandInfo{Value: proto.String("/bin/executor --flag"), Shell: proto.Bool(false)},
			Name:        proto.String("interop executor"),
		},
		FrameworkId:   fw,
		FrameworkInfo: &v0.FrameworkInfo{User: proto.String("root"), Name: proto.String("interop"), Id: fw},
		SlaveId:       agent,
		SlaveInfo:     &v0.SlaveInfo{Hostname: proto.String("agent.example"), Id: agent, Port: proto.Int32(5051)},
	}
}

// TestInteropMesosGoSendsToUs: the mesos-go v0 messenger's wire (net/http
// client, Content-Length bodies, Libprocess-From only) is received by ours
// with the right sender, name and body, in order, over one kept-alive
// connection (which also shows mesos-go's client accepted our 202s).
func TestInteropMesosGoSendsToUs(t *testing.T) {
	box := newInbox()
	ln := newCountingListener(t)
	cfg := box.config("executor(1)")
	cfg.Listener = ln
	ours := startMessenger(t, cfg)
	agent := startV0(t, "slave(1)", nil)
	agentUPID := fromV0(t, agent.UPID())
	to := toV0(t, ours.UPID())
	ctx := context.Background()

	reg := testRegisterExecutor()
	require.NoError(t, agent.Send(ctx, to, reg))
	got := box.next(t)
	require.Equal(t, agentUPID, got.From)
	require.Equal(t, ours.UPID(), got.To)
	require.Equal(t, "mesos.internal.RegisterExecutorMessage", got.Name)
	require.Equal(t, reg, unmarshalV0(t, got.Body, reg))

	big := testStatusUpdate(0, 256<<10) // several TCP segments, beyond our read buffer
	require.NoError(t, agent.Send(ctx, to, big))
	got = box.next(t)
	require.Equal(t, agentUPID, got.From)
	require.Equal(t, "mesos.internal.StatusUpdateMessage", got.Name)
	require.Greater(t, len(got.Body), 256<<10)
	require.Equal(t, big, unmarshalV0(t, got.Body, big))

	const n = 200
	for i := 1; i <= n; i++ {
		require.NoError(t, agent.Send(ctx, to, testStatusUpdate(i, 100)))
	}
	for i := 1; i <= n; i++ {
		got := box.next(t)
		require.Equal(t, agentUPID, got.From)
		require.Equal(t, "mesos.internal.StatusUpdateMessage", got.Name)
		require.Equal(t, testStatusUpdate(i, 100), unmarshalV0(t, got.Body, &v0.StatusUpdateMessage{}), "message %d", i)
	}
	require.Equal(t, 1, ln.accepted(), "mesos-go's client should keep using one connection")
	require.Empty(t, box.rejected)
}

// TestInteropWeSendToMesosGo: mesos-go's receiver (net/http for the first
// request of a connection, its own decoder for the rest) gets our framed
// messages intact, in order, from our UPID, over a link that stays up, in
// both HTTP/1.1 framings.
func TestInteropWeSendToMesosGo(t *testing.T) {
	for _, framing := range []Framing{FramingHTTP11, FramingHTTP11Host} {
		t.Run(framing.String(), func(t *testing.T) {
			in := make(v0Inbox, 512)
			exec := startV0(t, "executor(1)", in.install(
				&v0.ExecutorRegisteredMessage{}, &v0.StatusUpdateMessage{}, &v0.ShutdownExecutorMessage{}))
			execUPID := fromV0(t, exec.UPID())
			box := newInbox()
			cfg := box.config("slave(1)")
			cfg.Framing = framing
			ours := startMessenger(t, cfg)
			require.NoError(t, ours.Link(execUPID))

			send := func(m proto.Message) {
				body, err := proto.Marshal(m)
				require.NoError(t, err)
				require.NoError(t, ours.Send(Message{To: execUPID, Name: v0Name(m), Body: body}))
			}
			ourV0 := *toV0(t, ours.UPID())
			expect := func(want proto.Message) {
				t.Helper()
				r := in.next(t)
				require.Equal(t, ourV0, r.from)
				require.Equal(t, want, r.msg)
			}

			send(testExecutorRegistered())
			send(testStatusUpdate(0, 256<<10))
			const n = 200
			for i := 1; i <= n; i++ {
				send(testStatusUpdate(i, 100))
			}
			send(&v0.ShutdownExecutorMessage{}) // empty body: no body headers at all

			expect(testExecutorRegistered())
			expect(testStatusUpdate(0, 256<<10))
			for i := 1; i <= n; i++ {
				expect(testStatusUpdate(i, 100))
			}
			expect(&v0.ShutdownExecutorMessage{})
			require.Empty(t, box.exited, "the link to mesos-go must stay up")
		})
	}
}

// TestInteropHTTP10ToMesosGo pins down a known mesos-go limitation, not a
// fault of ours (pre-0.22 libprocess sends HTTP/1.0 with a chunked body;
// mesos-go v0.0.11's api/v0/messenger/http_transporter.go). mesos-go lets
// Go's net/http server parse the first request of each connection, and
// net/http ignores Transfer-Encoding on HTTP/1.0 requests: that first
// message is delivered with an EMPTY body, and the unread chunk bytes are
// then read by mesos-go's decoder as the next request line, which it calls
// illegal and closes the connection (so the link breaks and anything queued
// behind is lost). Later requests on a connection are parsed by mesos-go's
// own decoder, which does honour chunked HTTP/1.0 bodies, so a connection
// whose first message has an empty body carries later HTTP/1.0 messages
// intact. A pre-0.22 agent's first message to a mesos-go executor on each
// connection has a body, so such an executor cannot work with those agents.
// Our own receiver reads the same bytes intact (checked here too for
// contrast).
func TestInteropHTTP10ToMesosGo(t *testing.T) {
	shutdown := &v0.ShutdownExecutorMessage{ // all fields optional: an empty body decodes
		ExecutorId:  &v0.ExecutorID{Value: proto.String("exec-0001")},
		FrameworkId: &v0.FrameworkID{Value: proto.String("fw-0001")},
	}
	shutdownBody, err := proto.Marshal(shutdown)
	require.NoError(t, err)
	update := testStatusUpdate(1, 100)
	updateBody, err := proto.Marshal(update)
	require.NoError(t, err)

	t.Run("first body on a connection is lost and the connection closed", func(t *testing.T) {
		in := make(v0Inbox, 16)
		exec := startV0(t, "executor(1)", in.install(&v0.ShutdownExecutorMessage{}, &v0.StatusUpdateMessage{}))
		execUPID := fromV0(t, exec.UPID())
		box := newInbox()
		cfg := box.config("slave(1)")
		cfg.Framing = FramingHTTP10
		ours := startMessenger(t, cfg)
		require.NoError(t, ours.Link(execUPID))
		require.NoError(t, ours.Send(Message{To: execUPID, Name: v0Name(shutdown), Body: shutdownBody}))

		r := in.next(t)
		require.Equal(t, *toV0(t, ours.UPID()), r.from)
		require.Equal(t, &v0.ShutdownExecutorMessage{}, r.msg, "mesos-go delivers the first HTTP/1.0 message without its body")
		require.Equal(t, execUPID, box.nextExit(t), "mesos-go closes the connection on the leftover chunk bytes")
	})

	t.Run("later bodies on a connection arrive", func(t *testing.T) {
		in := make(v0Inbox, 16)
		exec := startV0(t, "executor(1)", in.install(&v0.ShutdownExecutorMessage{}, &v0.StatusUpdateMessage{}))
		execUPID := fromV0(t, exec.UPID())
		box := newInbox()
		cfg := box.config("slave(1)")
		cfg.Framing = FramingHTTP10
		ours := startMessenger(t, cfg)
		require.NoError(t, ours.Link(execUPID))
		require.NoError(t, ours.Send(Message{To: execUPID, Name: v0Name(shutdown)})) // empty: read by net/http intact
		require.NoError(t, ours.Send(Message{To: execUPID, Name: v0Name(update), Body: updateBody}))
		require.NoError(t, ours.Send(Message{To: execUPID, Name: v0Name(shutdown), Body: shutdownBody}))

		require.Equal(t, &v0.ShutdownExecutorMessage{}, in.next(t).msg)
		require.Equal(t, update, in.next(t).msg)
		require.Equal(t, shutdown, in.next(t).msg)
		require.Empty(t, box.exited)
	})

	t.Run("our receiver reads the same bytes intact", func(t *testing.T) {
		rbox, sbox := newInbox(), newInbox()
		recv := startMessenger(t, rbox.config("executor(1)"))
		cfg := sbox.config("slave(1)")
		cfg.Framing = FramingHTTP10
		ours := startMessenger(t, cfg)
		require.NoError(t, ours.Link(recv.UPID()))
		require.NoError(t, ours.Send(Message{To: recv.UPID(), Name: v0Name(shutdown), Body: shutdownBody}))
		require.NoError(t, ours.Send(Message{To: recv.UPID(), Name: v0Name(update), Body: updateBody}))
		got := rbox.next(t)
		require.Equal(t, ours.UPID(), got.From)
		require.Equal(t, shutdown, unmarshalV0(t, got.Body, shutdown))
		require.Equal(t, update, unmarshalV0(t, rbox.next(t).Body, update))
		require.Empty(t, sbox.exited)
	})
}
