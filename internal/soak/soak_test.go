package soak

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/compat/agentsim"
	"github.com/mesos-shim/executor/driver"
)

// The short soak make test runs: a few restarts, each in the middle of a
// burst, on each wire. make soak runs the long one (cmd/soak).
func TestShortSoak(t *testing.T) {
	for _, wire := range []driver.Protocol{driver.ProtocolV0, driver.ProtocolV1} {
		t.Run(string(wire), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			rep, err := Run(ctx, Options{Wire: wire, Cycles: 3, Updates: 2000, Tasks: 4,
				Agent: agentsim.AgentConfig{RestartDowntime: 20 * time.Millisecond}})
			require.NoError(t, err)
			t.Logf("%+v", rep)
			require.NoError(t, rep.Err())
			require.Equal(t, 3, rep.Cycles)
			require.Equal(t, 6000, rep.Acknowledged)
			require.Less(t, rep.WorstComeback, rep.Window)
		})
	}
}

// The check finds what it is there to find.
func TestCheckFindsLossDisorderAndStragglers(t *testing.T) {
	s := &session{opts: Options{Updates: 4, Tasks: 1}}
	up := func(uuid, msg string) agentsim.Update {
		return agentsim.Update{TaskID: "soak-0", UUID: []byte(uuid), Message: msg, Acks: 1}
	}
	var rep Report
	s.check(1, nil, []agentsim.Update{up("a", "c1/0"), up("c", "c1/2"), up("b", "c1/1"), up("z", "c0/7")}, &rep)
	require.Equal(t, 1, rep.OutOfOrder, "c1/1 after c1/2")
	require.Equal(t, 1, rep.Duplicated, "c0/7 belongs to an earlier cycle")
	require.Equal(t, 1, rep.Lost, "four sent, three of this cycle came")
	require.Equal(t, 3, rep.Acknowledged)
	require.Error(t, rep.Err())
}

// A second acknowledgement is allowed only for an update that was replayed.
func TestAckProblemsAllowsOneMoreAcknowledgementPerReplay(t *testing.T) {
	update := func(u string) agentsim.Entry {
		return agentsim.Entry{Dir: agentsim.FromExecutor, Wire: agentsim.WireV1, Name: "UPDATE", UUID: []byte(u)}
	}
	ack := func(u string) agentsim.Entry {
		return agentsim.Entry{Dir: agentsim.ToExecutor, Wire: agentsim.WireV1, Name: "ACKNOWLEDGED", UUID: []byte(u)}
	}
	replay := func(u string) agentsim.Entry {
		return agentsim.Entry{Dir: agentsim.AtAgent, Name: agentsim.EventUpdateReplayed, UUID: []byte(u)}
	}
	reacked, problems := ackProblems([]agentsim.Entry{update("a"), ack("a"), replay("a"), ack("a")})
	require.Equal(t, 1, reacked)
	require.Empty(t, problems)

	_, problems = ackProblems([]agentsim.Entry{update("a"), ack("a"), ack("a"), update("b"), ack("c")})
	require.Len(t, problems, 3, "a twice without a replay, b never, c unknown")
}

// Agent death without checkpointing, with the real command executor: it
// ends on its own, its task with it, having tried to report the task
// killed; a task that ignores SIGTERM costs the kill grace period.
func TestOrphanEndsWithItsTask(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "command-executor")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/mesos-shim/executor/examples/command-executor").CombinedOutput()
	require.NoError(t, err, string(out))
	for _, wire := range []driver.Protocol{driver.ProtocolV0, driver.ProtocolV1} {
		for _, stubborn := range []bool{false, true} {
			wire, stubborn := wire, stubborn
			t.Run(fmt.Sprintf("%s/stubborn=%t", wire, stubborn), func(t *testing.T) {
				t.Parallel()
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				res, err := Orphan(ctx, bin, wire, stubborn)
				require.NoError(t, err)
				t.Logf("%+v", res)
				require.True(t, res.TaskGone, "the task outlived its executor")
				require.True(t, res.TerminalAttempted, "no TASK_KILLED attempted")
				require.Zero(t, res.Exit.Signal, "the executor ended on its own, not killed")
			})
		}
	}
}
