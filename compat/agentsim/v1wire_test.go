package agentsim

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/executor"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/compat/httpapi"
	"github.com/mesos-shim/executor/mesosproto"
	"github.com/mesos-shim/executor/recordio"
)

// rawSubscription is a SUBSCRIBE written and read on a bare TCP
// connection, to see the chunks themselves.
type rawSubscription struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

func rawSubscribe(t *testing.T, a *Agent, path string) (*rawSubscription, http.Header) {
	f := newV1Executor(t, a, httpapi.Protobuf)
	body := f.encode(f.subscribeCall())
	c, err := net.Dial("tcp", a.UPID().HostPort())
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nAccept: %s\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s",
		path, a.UPID().HostPort(), httpapi.ContentTypeProtobuf, httpapi.ContentTypeProtobuf, len(body), body)
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(bufio.NewReader(io.MultiReader(headOnly(t, br))), nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	return &rawSubscription{t: t, c: c, br: br}, resp.Header
}

// headOnly reads the response head (up to the blank line) off br.
func headOnly(t *testing.T, br *bufio.Reader) io.Reader {
	var head bytes.Buffer
	for {
		line, err := br.ReadString('\n')
		require.NoError(t, err)
		head.WriteString(line)
		if line == "\r\n" {
			return &head
		}
	}
}

// chunk reads one chunk and returns its data; io.EOF if the connection
// ends where a chunk should start.
func (r *rawSubscription) chunk() ([]byte, error) {
	line, err := r.br.ReadString('\n')
	if err != nil {
		return nil, err
	}
	n, err := strconv.ParseUint(strings.TrimSpace(line), 16, 32)
	require.NoError(r.t, err, "chunk size line %q", line)
	data := make([]byte, n+2)
	_, err = io.ReadFull(r.br, data)
	require.NoError(r.t, err)
	require.Equal(r.t, "\r\n", string(data[n:]))
	return data[:n], nil
}

// record reads a chunk, which must hold exactly one RecordIO record.
func (r *rawSubscription) record() []byte {
	r.t.Helper()
	data, err := r.chunk()
	require.NoError(r.t, err)
	rd := recordio.NewReader(bytes.NewReader(data))
	rec, err := rd.ReadRecord()
	require.NoError(r.t, err)
	_, err = rd.ReadRecord()
	require.ErrorIs(r.t, err, io.EOF, "one record per chunk")
	return rec
}

// The wire as captured (v1-a-finish): 200, chunked, the exact Content-Type,
// one record per chunk; SHUTDOWN is the 2-byte record 08 07 (08 06 on
// 0.27, whose numbering is older); and when the agent dies the stream just
// stops, without a last chunk.
func TestV1StreamFraming(t *testing.T) {
	for _, tc := range []struct {
		profile  Profile
		path     string
		shutdown []byte
	}{
		{Mesos112, "/api/v1/executor", []byte{0x08, 0x07}},
		{Mesos027, "/slave(1)/api/v1/executor", []byte{0x08, 0x06}},
		{Mesos028, "/slave%281%29/api/v1/executor", []byte{0x08, 0x07}},
	} {
		t.Run(tc.profile.Name, func(t *testing.T) {
			a := startAgent(t, AgentConfig{Profile: tc.profile})
			require.NoError(t, a.Launch(CommandTask("t1", "true")))
			raw, header := rawSubscribe(t, a, tc.path)
			require.Equal(t, []string{httpapi.ContentTypeProtobuf}, header.Values("Content-Type"))
			require.NotEmpty(t, header.Get("Date"))
			codec := httpapi.Protobuf.WithNumbering(numbering(tc.profile))

			for _, want := range []executor.Event_Type{executor.Event_SUBSCRIBED, executor.Event_LAUNCH} {
				ev, err := codec.DecodeEvent(raw.record())
				require.NoError(t, err)
				require.Equal(t, want, ev.Type)
			}
			require.NoError(t, a.Shutdown())
			rec := raw.record()
			require.Equal(t, tc.shutdown, rec)
			ev, err := codec.DecodeEvent(rec)
			require.NoError(t, err)
			require.Equal(t, executor.Event_SHUTDOWN, ev.Type)

			a.Crash()
			_, err = raw.chunk()
			require.ErrorIs(t, err, io.EOF, "no last chunk: the connection just closes")
		})
	}
}

// 0.25 and 0.26 answer SUBSCRIBE with 200 and a stream that never carries
// anything, and discard UPDATE and MESSAGE with 202; the executor is still
// REGISTERING, so a legacy registration works.
func TestV1StubNeverSubscribesAndLegacyRegistrationStillWorks(t *testing.T) {
	for _, p := range []Profile{Mesos025, Mesos026} {
		t.Run(p.Name, func(t *testing.T) {
			a := startAgent(t, AgentConfig{Profile: p})
			require.Empty(t, a.Getenv("MESOS_AGENT_ENDPOINT"), "0.27+")
			require.NoError(t, a.Launch(CommandTask("t1", "true")))
			f := newV1Executor(t, a, httpapi.Protobuf)
			s := f.subscribe()
			f.accepted(f.updateCall("t1", mesos.TASK_RUNNING))
			f.accepted(f.messageCall([]byte("x")))
			require.Empty(t, a.Updates())
			require.Empty(t, a.FrameworkMessages())
			require.Equal(t, Registering, a.State())

			legacy := newFakeExecutor(t, a)
			legacy.register()
			got := []string{legacy.next().Name, legacy.next().Name}
			require.ElementsMatch(t, []string{
				"mesos.internal.ExecutorRegisteredMessage", "mesos.internal.RunTaskMessage"}, got)
			require.NoError(t, a.WaitRegistered(testContext(t)))
			require.Equal(t, WireV0, a.Wire())

			a.Close()
			s.cut() // and never an event before
			require.Equal(t, []string{"executor SUBSCRIBE", "executor UPDATE", "executor MESSAGE"}, v1Entries(a.Trace()))
		})
	}
}

// One port serves both wires, as a real agent's does: a PID executor
// registers, then subscribes on the same port (accepted, its pid is
// forgotten, Slave::subscribe); its legacy registration afterwards meets a
// RUNNING executor and is answered with Shutdown. At a restart its
// libprocess.pid still wins: the agent reconnects it on the legacy wire.
func TestBothWiresOnOnePort(t *testing.T) {
	a := startAgent(t, AgentConfig{Profile: Mesos112, Checkpoint: true})
	require.Equal(t, a.UPID().HostPort(), a.Getenv("MESOS_AGENT_ENDPOINT"))
	legacy := newFakeExecutor(t, a)
	legacy.registerWithTask(a, "t1")
	require.Equal(t, WireV0, a.Wire())
	legacy.update("t1", mesos.TASK_RUNNING)
	legacy.expect(&mesosproto.StatusUpdateAcknowledgementMessage{})

	f := newV1Executor(t, a, httpapi.JSON)
	f.url = "http://" + a.Getenv("MESOS_AGENT_ENDPOINT") + "/slave(1)/api/v1/executor"
	s := f.subscribe()
	s.expect(executor.Event_SUBSCRIBED)
	require.Equal(t, WireV1, a.Wire())
	require.NoError(t, a.Kill("t1", nil))
	s.expect(executor.Event_KILL)
	killed := f.updateCall("t1", mesos.TASK_KILLED)
	f.accepted(killed)
	require.Equal(t, killed.Update.Status.UUID, s.expect(executor.Event_ACKNOWLEDGED).Acknowledged.UUID)

	legacy.register()
	legacy.expect(&mesosproto.ShutdownExecutorMessage{})
	require.Equal(t, Running, a.State())

	done := restartAsync(t, a, true)
	s.cut()
	legacy.reconnected(a)
	legacy.reregister()
	legacy.expect(&mesosproto.ExecutorReregisteredMessage{})
	require.NoError(t, (<-done).err)
	require.Equal(t, WireV0, a.Wire())

	var wires []string
	for _, e := range a.Trace().Entries() {
		if e.Dir == ToExecutor && e.Kind() == "ACKNOWLEDGED" {
			wires = append(wires, string(e.Wire))
		}
	}
	require.Equal(t, []string{"v0", "v1"}, wires)
}

func TestV1FaultHooks(t *testing.T) {
	a, f, s := subscribedExecutor(t, Mesos112, httpapi.Protobuf)

	a.FailCalls(executor.Call_UPDATE, 2, http.StatusServiceUnavailable)
	up := f.updateCall("t1", mesos.TASK_RUNNING)
	for range 2 {
		r := f.post(up)
		require.Equal(t, http.StatusServiceUnavailable, r.status)
		require.Equal(t, RecoveryBody, r.body)
	}
	f.accepted(up)
	require.Equal(t, up.Update.Status.UUID, s.expect(executor.Event_ACKNOWLEDGED).Acknowledged.UUID)
	require.Len(t, a.Updates(), 1)

	a.FailCalls(executor.Call_SUBSCRIBE, 1, http.StatusNotFound)
	resp, _ := f.subscribeRaw(f.subscribeCall())
	require.Equal(t, http.StatusNotFound, resp.StatusCode)

	a.StallSubscribes(1)
	stalled := f.subscribe()
	require.NoError(t, a.Kill("t1", nil))
	s.expect(executor.Event_KILL) // the first stream is still the subscription

	s2 := f.subscribe()
	s2.expect(executor.Event_SUBSCRIBED)
	s.endedCleanly()
	a.Close()
	stalled.cut() // it never carried anything
	require.Equal(t, 4, countEntries(a.Trace(), AtAgent, EventFaultInjected))
}

// InjectRaw puts bytes on the stream as one record; InjectStreamBytes puts
// them there unframed: a malformed length line, the length line of an
// oversized record, a truncated record (then CutStream).
func TestV1Injection(t *testing.T) {
	a, f, s := subscribedExecutor(t, Mesos112, httpapi.Protobuf)
	require.NoError(t, a.InjectRaw("garbage", []byte{0xff, 0xfe}))
	require.Equal(t, []byte{0xff, 0xfe}, s.nextRecord())
	require.NoError(t, a.InjectRaw("unknown type", []byte{0x08, 0x63}))
	require.Equal(t, executor.Event_Type(0x63), s.next().Type)
	require.ErrorContains(t, a.InjectFromStranger(&mesosproto.ShutdownExecutorMessage{}), "no libprocess address")

	for _, tc := range []struct {
		name string
		raw  string
		cut  bool
		want func(*testing.T, error)
	}{
		{"bad length line", "12x\n", false, func(t *testing.T, err error) {
			var fe *recordio.FormatError
			require.ErrorAs(t, err, &fe)
		}},
		{"oversized", "1099511627776\n", false, func(t *testing.T, err error) {
			require.ErrorIs(t, err, recordio.ErrRecordTooLarge)
		}},
		{"truncated", "100\nabc", true, func(t *testing.T, err error) {
			require.ErrorIs(t, err, io.ErrUnexpectedEOF)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := f.subscribe()
			s.expect(executor.Event_SUBSCRIBED)
			require.NoError(t, a.InjectStreamBytes([]byte(tc.raw)))
			if tc.cut {
				require.NoError(t, a.CutStream())
			}
			tc.want(t, s.ended())
		})
	}
	s.endedCleanly() // replaced by the first re-subscription
}
