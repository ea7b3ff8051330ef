package messenger

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSendDeliversInOrderOverALink(t *testing.T) {
	agentBox, execBox := newInbox(), newInbox()
	agent := startMessenger(t, agentBox.config("slave(1)"))
	exec := startMessenger(t, execBox.config("executor(1)"))

	require.NoError(t, exec.Link(agent.UPID()))
	for i := 0; i < 100; i++ {
		require.NoError(t, exec.Send(Message{To: agent.UPID(), Name: "mesos.internal.Test", Body: []byte(fmt.Sprint(i))}))
	}
	require.NoError(t, exec.Send(Message{To: agent.UPID(), Name: "mesos.internal.Empty"}))
	for i := 0; i < 100; i++ {
		m := agentBox.next(t)
		require.Equal(t, exec.UPID(), m.From)
		require.Equal(t, agent.UPID(), m.To)
		require.Equal(t, "mesos.internal.Test", m.Name)
		require.Equal(t, fmt.Sprint(i), string(m.Body))
	}
	empty := agentBox.next(t)
	require.Equal(t, "mesos.internal.Empty", empty.Name)
	require.Empty(t, empty.Body)
}

func TestLinkReportsExitWhenPeerCloses(t *testing.T) {
	agentBox, execBox := newInbox(), newInbox()
	agent := startMessenger(t, agentBox.config("slave(1)"))
	exec := startMessenger(t, execBox.config("executor(1)"))

	require.NoError(t, exec.Link(agent.UPID()))
	require.NoError(t, exec.Send(Message{To: agent.UPID(), Name: "hello"}))
	agentBox.next(t)
	agent.Close()
	require.Equal(t, agent.UPID(), execBox.nextExit(t))
}

func TestLinkToUnreachablePeerReportsExit(t *testing.T) {
	agentBox, execBox := newInbox(), newInbox()
	agent := startMessenger(t, agentBox.config("slave(1)"))
	gone := agent.UPID()
	agent.Close()
	exec := startMessenger(t, execBox.config("executor(1)"))
	require.NoError(t, exec.Link(gone))
	require.Equal(t, gone, execBox.nextExit(t))
}

func TestRelinkOpensFreshConnectionWithoutExit(t *testing.T) {
	agentBox, execBox := newInbox(), newInbox()
	agent := startMessenger(t, agentBox.config("slave(1)"))
	exec := startMessenger(t, execBox.config("executor(1)"))
	require.NoError(t, exec.Link(agent.UPID()))
	require.NoError(t, exec.Send(Message{To: agent.UPID(), Name: "one"}))
	require.Equal(t, "one", agentBox.next(t).Name)
	require.NoError(t, exec.Relink(agent.UPID()))
	require.NoError(t, exec.Send(Message{To: agent.UPID(), Name: "two"}))
	require.Equal(t, "two", agentBox.next(t).Name)
	// The new link is live: closing the agent reports exactly one exit.
	agent.Close()
	require.Equal(t, agent.UPID(), execBox.nextExit(t))
	select {
	case u := <-execBox.exited:
		t.Fatalf("second exit reported for %s", u)
	default:
	}
}

func TestTemporaryConnectionDeliversWithoutLink(t *testing.T) {
	agentBox, execBox := newInbox(), newInbox()
	agent := startMessenger(t, agentBox.config("slave(1)"))
	exec := startMessenger(t, execBox.config("executor(1)"))
	require.NoError(t, agent.Send(Message{To: exec.UPID(), Name: "mesos.internal.RunTaskMessage", Body: []byte("x")}))
	m := execBox.next(t)
	require.Equal(t, agent.UPID(), m.From)
	require.Equal(t, []byte("x"), m.Body)
}
