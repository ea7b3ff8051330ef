package agentsim

import (
	"net/http"
	"path/filepath"
	"testing"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/executor"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/compat/httpapi"
)

// The captured conversation (v1-a-finish, v1j-a-finish): SUBSCRIBE → 200,
// SUBSCRIBED then the queued LAUNCH; each UPDATE → 202 and an ACKNOWLEDGED
// carrying status.uuid; SHUTDOWN, after which the stream stays open.
func TestV1SubscribeLaunchUpdateAcknowledgeShutdown(t *testing.T) {
	for _, codec := range []httpapi.Codec{httpapi.Protobuf, httpapi.JSON} {
		t.Run(codec.String(), func(t *testing.T) {
			a := startAgent(t, AgentConfig{Profile: Mesos112})
			require.NoError(t, a.Launch(CommandTask("t1", "echo hello > out.txt")))
			f := newV1Executor(t, a, codec)

			s := f.subscribe()
			sub := s.expect(executor.Event_SUBSCRIBED).Subscribed
			require.Equal(t, DefaultExecutorID, sub.ExecutorInfo.ExecutorID.Value)
			require.Equal(t, DefaultFrameworkID, sub.FrameworkInfo.GetID().GetValue())
			require.Equal(t, DefaultAgentID, sub.AgentInfo.GetID().GetValue())
			require.Equal(t, filepath.Base(a.Directory()), sub.GetContainerID().GetValue(), "1.1+: the sandbox's last component")
			launch := s.expect(executor.Event_LAUNCH).Launch
			require.Equal(t, "t1", launch.Task.TaskID.Value)
			require.Equal(t, DefaultAgentID, launch.Task.AgentID.Value)
			require.NoError(t, a.WaitRegistered(testContext(t)))
			require.Equal(t, WireV1, a.Wire())

			for _, state := range []mesos.TaskState{mesos.TASK_RUNNING, mesos.TASK_FINISHED} {
				up := f.updateCall("t1", state)
				f.accepted(up)
				ack := s.expect(executor.Event_ACKNOWLEDGED).Acknowledged
				require.Equal(t, "t1", ack.TaskID.Value)
				require.Equal(t, up.Update.Status.UUID, ack.UUID)
			}
			require.NoError(t, a.WaitAllAcknowledged(testContext(t)))
			for _, u := range a.Updates() {
				require.Equal(t, WireV1, u.Wire)
				require.Equal(t, 1, u.Acks)
			}

			require.NoError(t, a.Shutdown())
			s.expect(executor.Event_SHUTDOWN)
			// The stream stays open: the last update's acknowledgement
			// comes on it.
			killed := f.updateCall("t1", mesos.TASK_KILLED)
			f.accepted(killed)
			require.Equal(t, killed.Update.Status.UUID, s.expect(executor.Event_ACKNOWLEDGED).Acknowledged.UUID)

			require.Equal(t, []string{
				"executor SUBSCRIBE", "agent SUBSCRIBED", "agent LAUNCH",
				"executor UPDATE", "agent ACKNOWLEDGED", "executor UPDATE", "agent ACKNOWLEDGED",
				"agent SHUTDOWN", "executor UPDATE", "agent ACKNOWLEDGED",
			}, v1Entries(a.Trace()))
		})
	}
}

func TestV1FrameworkMessagesBothWaysAndKillPolicy(t *testing.T) {
	a := startAgent(t, AgentConfig{Profile: Mesos10})
	require.NoError(t, a.Launch(CommandTask("t1", "sleep 30")))
	f := newV1Executor(t, a, httpapi.Protobuf)
	s := f.subscribe()
	require.Nil(t, s.expect(executor.Event_SUBSCRIBED).Subscribed.ContainerID, "container_id is 1.1+")
	s.expect(executor.Event_LAUNCH)

	data := []byte("ping \x00\xff")
	require.NoError(t, a.FrameworkMessage(data))
	require.Equal(t, data, s.expect(executor.Event_MESSAGE).Message.Data)
	f.accepted(f.messageCall(data))
	require.NoError(t, a.WaitFrameworkMessage(testContext(t), data))

	policy := &mesos.KillPolicy{GracePeriod: &mesos.DurationInfo{Nanoseconds: 3e9}}
	require.NoError(t, a.Kill("t1", policy))
	kill := s.expect(executor.Event_KILL).Kill
	require.Equal(t, "t1", kill.TaskID.Value)
	require.Equal(t, int64(3e9), kill.GetKillPolicy().GetGracePeriod().GetNanoseconds())
}

func TestV1LaunchGroup(t *testing.T) {
	a := startAgent(t, AgentConfig{Profile: Mesos11})
	group := mesos.TaskGroupInfo{Tasks: []mesos.TaskInfo{CommandTask("g1", "true"), CommandTask("g2", "true")}}
	require.NoError(t, a.LaunchGroup(group))
	s := newV1Executor(t, a, httpapi.JSON).subscribe()
	s.expect(executor.Event_SUBSCRIBED)
	tasks := s.expect(executor.Event_LAUNCH_GROUP).LaunchGroup.TaskGroup.Tasks
	require.Len(t, tasks, 2)
	require.Equal(t, DefaultAgentID, tasks[1].AgentID.Value)
}

// Accept decides the event encoding: JSON when acceptable (no Accept and
// */* included), else protobuf, else 406 (Http::executor).
func TestV1AcceptNegotiation(t *testing.T) {
	for _, tc := range []struct {
		accept string
		want   string
	}{
		{"", httpapi.ContentTypeJSON},
		{"*/*", httpapi.ContentTypeJSON},
		{"application/x-protobuf", httpapi.ContentTypeProtobuf},
		{"application/json;q=0, */*", httpapi.ContentTypeProtobuf},
		{"text/html", ""},
	} {
		t.Run(tc.accept, func(t *testing.T) {
			a := startAgent(t, AgentConfig{Profile: Mesos14})
			require.NoError(t, a.Launch(CommandTask("t1", "true"))) // 1.1+ shuts down a taskless subscriber
			f := newV1Executor(t, a, httpapi.Protobuf)
			f.accept = tc.accept
			resp, _ := f.subscribeRaw(f.subscribeCall())
			if tc.want == "" {
				require.Equal(t, http.StatusNotAcceptable, resp.StatusCode)
				require.Equal(t, Registering, a.State())
				return
			}
			require.Equal(t, http.StatusOK, resp.StatusCode)
			require.Equal(t, tc.want, resp.Header.Get("Content-Type"))
			codec, _ := httpapi.CodecForContentType(tc.want)
			newV1Stream(t, resp, codec).expect(executor.Event_SUBSCRIBED)
		})
	}
}

// Since 1.1 an executor that subscribes with nothing to run is shut down:
// SHUTDOWN without SUBSCRIBED (Slave::subscribe).
func TestV1TasklessSubscription(t *testing.T) {
	for _, p := range []Profile{Mesos11, Mesos18} {
		a := startAgent(t, AgentConfig{Profile: p})
		s := newV1Executor(t, a, httpapi.Protobuf).subscribe()
		s.expect(executor.Event_SHUTDOWN)
		require.Equal(t, Terminating, a.State(), p.Name)
		require.Empty(t, a.Wire(), "no SUBSCRIBED: the executor never chose a wire")
	}

	a10 := startAgent(t, AgentConfig{Profile: Mesos10})
	newV1Executor(t, a10, httpapi.Protobuf).subscribe().expect(executor.Event_SUBSCRIBED)
	require.Equal(t, Running, a10.State())
}

// A SUBSCRIBE from a terminating executor gets 200, SHUTDOWN, and the end
// of the stream (Slave::subscribe).
func TestV1SubscribeWhileTerminating(t *testing.T) {
	a := startAgent(t, AgentConfig{})
	require.NoError(t, a.Launch(CommandTask("t1", "true")))
	f := newV1Executor(t, a, httpapi.Protobuf)
	s := f.subscribe()
	s.expect(executor.Event_SUBSCRIBED)
	s.expect(executor.Event_LAUNCH)
	require.NoError(t, a.Shutdown())
	s.expect(executor.Event_SHUTDOWN)

	again := f.subscribe()
	again.expect(executor.Event_SHUTDOWN)
	again.endedCleanly()
}

// A v1 UPDATE for a task the agent never launched is accepted (202) and
// forwarded, but never acknowledged: the agent acknowledges an HTTP
// executor only for a task it can find among its executors'
// (Slave::___statusUpdate, from the 0.27.0 tag). The legacy wire is
// acknowledged to StatusUpdateMessage.pid whatever the task.
func TestV1UpdateOfAnUnknownTaskIsNeverAcknowledged(t *testing.T) {
	a, f, s := subscribedExecutor(t, Mesos112, httpapi.Protobuf)
	f.accepted(f.updateCall("ghost", mesos.TASK_RUNNING))
	up := f.updateCall("t1", mesos.TASK_RUNNING)
	f.accepted(up)
	ack := s.expect(executor.Event_ACKNOWLEDGED).Acknowledged
	require.Equal(t, "t1", ack.TaskID.Value)
	require.NoError(t, a.WaitAllAcknowledged(testContext(t)))
	updates := a.Updates()
	require.Len(t, updates, 2)
	require.Zero(t, updates[0].Acks)
	require.Contains(t, names(a.Trace(), AtAgent), EventNoAck)
}
