package agentsim

import (
	"context"
	"crypto/rand"
	"net/netip"
	"testing"
	"time"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/mesosproto"
	"github.com/mesos-shim/executor/messenger"
	"github.com/mesos-shim/executor/upid"
)

// testTimeout bounds every wait in these tests; reaching it is a failure.
const testTimeout = 5 * time.Second

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

func startAgent(t *testing.T, cfg AgentConfig) *Agent {
	t.Helper()
	a, err := Start(testContext(t), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { a.Close() })
	return a
}

// fakeExecutor is a bare legacy executor on messenger and mesosproto: the
// test decides every message it sends and reads every one it gets.
type fakeExecutor struct {
	t      *testing.T
	m      *messenger.Messenger
	agent  upid.UPID
	env    func(string) string
	inbox  chan messenger.Message
	linked bool
}

func newFakeExecutor(t *testing.T, a *Agent) *fakeExecutor {
	t.Helper()
	agent, err := upid.Parse(a.Getenv("MESOS_SLAVE_PID"))
	require.NoError(t, err)
	f := &fakeExecutor{t: t, agent: agent, env: a.Getenv, inbox: make(chan messenger.Message, 64)}
	f.m = newInbox(t, f.inbox)
	require.NoError(t, f.m.Link(agent))
	return f
}

// newInbox is a messenger serving executor(1) that puts every message in
// inbox.
func newInbox(t *testing.T, inbox chan messenger.Message) *messenger.Messenger {
	m, err := messenger.New(messenger.Config{
		ProcessID: "executor(1)",
		BindIP:    netip.MustParseAddr("127.0.0.1"),
		Handler:   func(msg messenger.Message) { inbox <- msg },
	})
	require.NoError(t, err)
	t.Cleanup(func() { m.Close() })
	return m
}

func (f *fakeExecutor) send(m proto.Message) {
	f.t.Helper()
	body, err := proto.Marshal(m)
	require.NoError(f.t, err)
	require.NoError(f.t, f.m.Send(messenger.Message{To: f.agent, Name: mesosproto.Name(m), Body: body}))
}

func (f *fakeExecutor) ids() (*mesos.FrameworkID, *mesos.ExecutorID, *mesos.AgentID) {
	return &mesos.FrameworkID{Value: f.env("MESOS_FRAMEWORK_ID")},
		&mesos.ExecutorID{Value: f.env("MESOS_EXECUTOR_ID")},
		&mesos.AgentID{Value: f.env("MESOS_SLAVE_ID")}
}

func (f *fakeExecutor) register() {
	fw, ex, _ := f.ids()
	f.send(&mesosproto.RegisterExecutorMessage{FrameworkID: fw, ExecutorID: ex})
}

// statusUpdate is what a C++ driver sends for a task's new state.
func (f *fakeExecutor) statusUpdate(taskID string, state mesos.TaskState, pid upid.UPID) *mesosproto.StatusUpdateMessage {
	fw, ex, agent := f.ids()
	uuid := make([]byte, 16)
	rand.Read(uuid)
	now := float64(time.Now().UnixNano()) / 1e9
	status := &mesos.TaskStatus{TaskID: mesos.TaskID{Value: taskID}, State: state.Enum(), AgentID: agent,
		ExecutorID: ex, Timestamp: &now, UUID: uuid}
	u := &mesosproto.StatusUpdate{FrameworkID: fw, ExecutorID: ex, SlaveID: agent, Status: status,
		Timestamp: &now, UUID: uuid}
	p := pid.String()
	return &mesosproto.StatusUpdateMessage{Update: u, PID: &p}
}

// update sends a status update whose acknowledgement goes to this
// executor, and returns its uuid.
func (f *fakeExecutor) update(taskID string, state mesos.TaskState) *mesosproto.StatusUpdateMessage {
	m := f.statusUpdate(taskID, state, f.m.UPID())
	f.send(m)
	return m
}

// expect reads the next message, which must be of m's type, into m.
func (f *fakeExecutor) expect(m proto.Message) messenger.Message {
	f.t.Helper()
	return expectOn(f.t, f.inbox, m)
}

func expectOn(t *testing.T, inbox chan messenger.Message, m proto.Message) messenger.Message {
	t.Helper()
	msg := nextOn(t, inbox)
	require.Equal(t, mesosproto.Name(m), msg.Name, "unexpected message")
	require.NoError(t, mesosproto.Unmarshal(msg.Body, m))
	return msg
}

// next reads the next message, whatever it is.
func (f *fakeExecutor) next() messenger.Message {
	f.t.Helper()
	return nextOn(f.t, f.inbox)
}

func nextOn(t *testing.T, inbox chan messenger.Message) messenger.Message {
	t.Helper()
	select {
	case msg := <-inbox:
		return msg
	case <-time.After(testTimeout):
		require.FailNow(t, "no message", "waited %s", testTimeout)
	}
	return messenger.Message{}
}

// registerWithTask queues a task, registers, and reads Registered and the
// RunTask. Agents before 0.27 do not link, so the two may come on separate
// temporary connections, in either order.
func (f *fakeExecutor) registerWithTask(a *Agent, taskID string) {
	f.t.Helper()
	require.NoError(f.t, a.Launch(CommandTask(taskID, "true")))
	f.register()
	got := []string{f.next().Name, f.next().Name}
	require.ElementsMatch(f.t, []string{
		"mesos.internal.ExecutorRegisteredMessage", "mesos.internal.RunTaskMessage"}, got)
	require.NoError(f.t, a.WaitRegistered(testContext(f.t)))
}

// names lists the names of the trace entries in direction d.
func names(tr *Trace, d Direction) []string {
	var out []string
	for _, e := range tr.Entries() {
		if e.Dir == d {
			out = append(out, e.Name)
		}
	}
	return out
}
