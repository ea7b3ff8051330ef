package driver

import (
	"testing"
	"time"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/mesosproto"
	"github.com/mesos-shim/executor/messenger"
)

// fakeAgent is the smallest agent the driver tests need: a messenger at
// slave(1) that hands every message to the test.
type fakeAgent struct {
	t    *testing.T
	m    *messenger.Messenger
	msgs chan messenger.Message
}

func startFakeAgent(t *testing.T, port uint16) *fakeAgent {
	t.Helper()
	a := &fakeAgent{t: t, msgs: make(chan messenger.Message, 256)}
	var err error
	// Binding the port a closed agent used works at once: Close waits for
	// the listener to be gone, and Go listens with SO_REUSEADDR.
	a.m, err = messenger.New(messenger.Config{ProcessID: "slave(1)", BindPort: port,
		Handler: func(m messenger.Message) { a.msgs <- m }})
	require.NoError(t, err)
	t.Cleanup(func() { a.m.Close() })
	return a
}

func (a *fakeAgent) expect(name string, into proto.Message) messenger.Message {
	a.t.Helper()
	select {
	case m := <-a.msgs:
		require.Equal(a.t, name, m.Name)
		if into != nil {
			require.NoError(a.t, mesosproto.Unmarshal(m.Body, into))
		}
		return m
	case <-time.After(5 * time.Second):
		a.t.Fatalf("agent: no %s", name)
		return messenger.Message{}
	}
}

func (a *fakeAgent) send(to messenger.Message, msg proto.Message) {
	a.t.Helper()
	body, err := proto.Marshal(msg)
	require.NoError(a.t, err)
	require.NoError(a.t, a.m.Send(messenger.Message{To: to.From, Name: mesosproto.Name(msg), Body: body}))
}

// recorder is an Executor that reports every callback on a channel.
type recorder struct {
	calls  chan string
	tasks  chan *mesos.TaskInfo
	errors chan string // the messages of Error callbacks
}

func newRecorder() *recorder {
	return &recorder{calls: make(chan string, 64), tasks: make(chan *mesos.TaskInfo, 16), errors: make(chan string, 16)}
}

func (r *recorder) next(t *testing.T) string {
	t.Helper()
	select {
	case c := <-r.calls:
		return c
	case <-time.After(5 * time.Second):
		t.Fatal("no callback")
		return ""
	}
}

func (r *recorder) executor() Funcs {
	return Funcs{
		OnRegistered: func(ExecutorDriver, *mesos.ExecutorInfo, *mesos.FrameworkInfo, *mesos.AgentInfo) {
			r.calls <- "Registered"
		},
		OnReregistered: func(ExecutorDriver, *mesos.AgentInfo) { r.calls <- "Reregistered" },
		OnDisconnected: func(ExecutorDriver) { r.calls <- "Disconnected" },
		OnLaunchTask: func(_ ExecutorDriver, t *mesos.TaskInfo) {
			r.tasks <- t
			r.calls <- "LaunchTask"
		},
		OnKillTask:         func(ExecutorDriver, *mesos.TaskID, *mesos.KillPolicy) { r.calls <- "KillTask" },
		OnFrameworkMessage: func(_ ExecutorDriver, d []byte) { r.calls <- "FrameworkMessage:" + string(d) },
		OnShutdown:         func(ExecutorDriver) { r.calls <- "Shutdown" },
		OnError: func(_ ExecutorDriver, m string) {
			r.errors <- m
			r.calls <- "Error"
		},
	}
}
