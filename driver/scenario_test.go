package driver_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/executor"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/compat/agentsim"
	"github.com/mesos-shim/executor/compat/httpapi"
	"github.com/mesos-shim/executor/driver"
	"github.com/mesos-shim/executor/mesosproto"
	"github.com/mesos-shim/executor/recordio"
)

var update = flag.Bool("update", false, "rewrite the golden callback traces in testdata/golden")

// session is one scenario run: a simulated agent and an in-process executor
// on this driver.
type session struct {
	t     *testing.T
	ctx   context.Context
	agent *agentsim.Agent
	rec   *recorder
	drv   *driver.Driver
	codec httpapi.Codec // the v1 encoding in use
}

// scenario is a script for the agent, the same on every wire and agent
// generation, with its callbacks kept as a golden trace.
type scenario struct {
	name       string
	checkpoint bool
	// wires the scenario runs on; nil: both, on every agent that has them.
	wires []driver.Protocol
	// onlyIf, when set, limits the scenario to the agents it holds for.
	onlyIf func(agentsim.Profile) bool
	before func(s *session) // before the executor starts: queue tasks
	run    func(s *session)
}

func task(id, data string) mesos.TaskInfo {
	return mesos.TaskInfo{Name: id, TaskID: mesos.TaskID{Value: id}, Data: []byte(data)}
}

func (s *session) must(err error) {
	s.t.Helper()
	require.NoError(s.t, err)
}

func (s *session) waitUpdate(id string, state mesos.TaskState) {
	s.t.Helper()
	_, err := s.agent.WaitUpdate(s.ctx, id, state)
	require.NoError(s.t, err)
}

// shutdownAndJoin ends the run as an agent does, and checks the driver
// stopped cleanly with every update acknowledged once.
func (s *session) shutdownAndJoin() {
	s.t.Helper()
	s.must(s.agent.Shutdown())
	st, err := s.drv.Join()
	require.NoError(s.t, err)
	require.Equal(s.t, mesos.DRIVER_STOPPED, st)
	for _, u := range s.agent.Updates() {
		require.Equal(s.t, 1, u.Acks, "update %s %s acknowledged once", u.TaskID, u.State)
	}
}

var scenarios = []scenario{
	{
		name:   "launch-and-finish",
		before: func(s *session) { s.must(s.agent.Launch(task("t1", "finish"))) },
		run: func(s *session) {
			s.waitUpdate("t1", mesos.TASK_FINISHED)
			s.shutdownAndJoin()
		},
	},
	{
		name:   "failed-task",
		before: func(s *session) { s.must(s.agent.Launch(task("t1", "fail"))) },
		run: func(s *session) {
			s.waitUpdate("t1", mesos.TASK_FAILED)
			s.shutdownAndJoin()
		},
	},
	{
		name:   "kill",
		before: func(s *session) { s.must(s.agent.Launch(task("t1", ""))) },
		run: func(s *session) {
			s.waitUpdate("t1", mesos.TASK_RUNNING)
			s.must(s.agent.Kill("t1", &mesos.KillPolicy{GracePeriod: &mesos.DurationInfo{Nanoseconds: int64(3 * time.Second)}}))
			s.waitUpdate("t1", mesos.TASK_KILLED)
			s.shutdownAndJoin()
		},
	},
	{
		name:   "framework-messages",
		before: func(s *session) { s.must(s.agent.Launch(task("t1", ""))) },
		run: func(s *session) {
			s.rec.waitFor(s.t, "LaunchTask")
			s.must(s.agent.FrameworkMessage([]byte("ping")))
			s.must(s.agent.WaitFrameworkMessage(s.ctx, []byte("ping")))
			s.shutdownAndJoin()
		},
	},
	{
		name:       "agent-restart-with-checkpoint",
		checkpoint: true,
		before:     func(s *session) { s.must(s.agent.Launch(task("t1", ""))) },
		run: func(s *session) {
			s.waitUpdate("t1", mesos.TASK_RUNNING)
			s.must(s.agent.WaitAllAcknowledged(s.ctx))
			s.agent.SetAckDelay(time.Hour) // TASK_KILLED stays unacknowledged
			s.must(s.agent.Kill("t1", nil))
			s.waitUpdate("t1", mesos.TASK_KILLED)
			s.agent.SetAckDelay(0) // the pending acknowledgement dies with the agent
			latency, err := s.agent.Restart(s.ctx, true)
			s.must(err)
			require.Less(s.t, latency, 2*time.Second, "inside the agent's reregistration window")
			s.t.Logf("reregistered %v after the Reconnect", latency)
			s.rec.waitFor(s.t, "Reregistered")
			s.must(s.agent.WaitAllAcknowledged(s.ctx))
			replayed := 0
			for _, u := range s.agent.Updates() {
				if u.Replayed {
					replayed++
					require.Equal(s.t, mesos.TASK_KILLED, u.State, "only the unacknowledged update is resent")
				}
			}
			require.Equal(s.t, 1, replayed, "the unacknowledged TASK_KILLED rode the reregistration")
			s.shutdownAndJoin()
		},
	},
	{
		name:   "agent-death-without-checkpoint",
		before: func(s *session) { s.must(s.agent.Launch(task("t1", ""))) },
		run: func(s *session) {
			s.waitUpdate("t1", mesos.TASK_RUNNING)
			s.must(s.agent.WaitAllAcknowledged(s.ctx))
			died := time.Now()
			s.agent.Crash()
			s.rec.waitFor(s.t, "Disconnected")
			noticed := time.Since(died)
			s.t.Logf("agent death noticed after %v", noticed)
			require.Less(s.t, noticed, 100*time.Millisecond, "an idle executor notices its agent's death")
			s.rec.waitFor(s.t, "Shutdown")
			st, err := s.drv.Join()
			require.NoError(s.t, err)
			require.Equal(s.t, mesos.DRIVER_STOPPED, st)
		},
	},
	{
		name:   "shutdown-with-running-task",
		before: func(s *session) { s.must(s.agent.Launch(task("t1", ""))) },
		run: func(s *session) {
			s.waitUpdate("t1", mesos.TASK_RUNNING)
			s.shutdownAndJoin()
			_, err := s.agent.WaitUpdate(s.ctx, "t1", mesos.TASK_KILLED)
			s.must(err)
		},
	},
	{
		name:   "task-group",
		onlyIf: func(p agentsim.Profile) bool { return p.TaskGroups },
		before: func(s *session) { s.must(s.agent.Launch(task("t0", "finish"))) },
		run: func(s *session) {
			s.waitUpdate("t0", mesos.TASK_FINISHED)
			s.must(s.agent.LaunchGroup(mesos.TaskGroupInfo{Tasks: []mesos.TaskInfo{task("g1", "finish"), task("g2", "")}}))
			s.waitUpdate("g1", mesos.TASK_FINISHED)
			s.waitUpdate("g2", mesos.TASK_RUNNING)
			s.shutdownAndJoin()
		},
	},
	{
		name:   "bad-input",
		wires:  []driver.Protocol{driver.ProtocolV0},
		before: func(s *session) { s.must(s.agent.Launch(task("t1", ""))) },
		run: func(s *session) {
			s.waitUpdate("t1", mesos.TASK_RUNNING)
			s.must(s.agent.InjectRaw("mesos.internal.RunTaskMessage", []byte{0xff, 0xff, 0xff}))
			s.must(s.agent.InjectRaw("mesos.internal.KillTaskMessage", []byte("\x12\x03\x0a"))) // truncated
			s.must(s.agent.InjectRaw("mesos.internal.NoSuchMessage", []byte("x")))
			s.must(s.agent.InjectRaw(mesosproto.ExecutorEventName, []byte{0x08, 0x05})) // a MESSAGE event
			s.must(s.agent.InjectRaw("mesos.internal.RunTaskMessage", nil))             // no task
			s.must(s.agent.InjectFromStranger(&mesosproto.FrameworkToExecutorMessage{Data: []byte("from a stranger")}))
			s.must(s.agent.InjectFromStranger(&mesosproto.ShutdownExecutorMessage{}))
			s.must(s.agent.FrameworkMessage([]byte("still here")))
			s.must(s.agent.WaitFrameworkMessage(s.ctx, []byte("still here")))
			s.shutdownAndJoin()
		},
	},
}

// v1BadInput is the v1 wire's own bad input. A stream that cannot be read
// on is a lost agent, as the C++ library treats it: the executor reports
// it once and subscribes again on a fresh connection, with nothing lost.
var v1BadInput = scenario{
	name:       "bad-input-v1",
	checkpoint: true,
	wires:      []driver.Protocol{driver.ProtocolV1},
	before:     func(s *session) { s.must(s.agent.Launch(task("t1", ""))) },
	run: func(s *session) {
		s.waitUpdate("t1", mesos.TASK_RUNNING)
		for i, bad := range []func() error{
			func() error { return s.agent.InjectStreamBytes([]byte("12x\n")) },           // malformed length
			func() error { return s.agent.InjectStreamBytes([]byte("1099511627776\n")) }, // oversized record
			func() error { // a truncated record
				s.must(s.agent.InjectStreamBytes([]byte("100\nabc")))
				return s.agent.CutStream()
			},
		} {
			s.must(bad())
			s.rec.waitForCount(s.t, "Reregistered", i+1)
		}
		unknown, err := s.codec.EncodeEvent(&executor.Event{Type: 42})
		s.must(err)
		s.must(s.agent.InjectStreamBytes(recordio.AppendRecord(nil, unknown)))                  // logged and ignored
		s.must(s.agent.InjectStreamBytes(recordio.AppendRecord(nil, []byte{0xff, 0xff, 0xff}))) // undecodable: dropped
		s.agent.FailCalls(executor.Call_UPDATE, 2, 503)                                         // retried until accepted
		s.must(s.agent.Kill("t1", nil))
		s.waitUpdate("t1", mesos.TASK_KILLED)
		s.must(s.agent.FrameworkMessage([]byte("still here")))
		s.must(s.agent.WaitFrameworkMessage(s.ctx, []byte("still here")))
		s.shutdownAndJoin()
	},
}

func init() { scenarios = append(scenarios, v1BadInput) }

// TestScenariosGiveTheGoldenCallbackTrace runs every scenario on every
// agent generation and checks the executor saw exactly the callbacks in
// testdata/golden/<scenario>.trace. The traces do not depend on the wire:
// the v1 wire is held to the same files.
func TestScenariosGiveTheGoldenCallbackTrace(t *testing.T) {
	for _, sc := range scenarios {
		for _, p := range agentsim.Profiles() {
			for _, wire := range wiresOf(sc, p) {
				t.Run(sc.name+"/"+p.Name+"/"+string(wire), func(t *testing.T) {
					got := runScenario(t, sc, p, wire, false)
					checkGolden(t, sc.name, got)
				})
			}
		}
	}
}

// wiresOf lists the wires scenario sc runs on against an agent of profile p:
// the legacy wire on every agent, v1 on those whose endpoint works (0.27+).
func wiresOf(sc scenario, p agentsim.Profile) []driver.Protocol {
	var out []driver.Protocol
	if sc.onlyIf != nil && !sc.onlyIf(p) {
		return nil
	}
	for _, w := range []driver.Protocol{driver.ProtocolV0, driver.ProtocolV1} {
		if w == driver.ProtocolV1 && p.V1 != agentsim.V1Works {
			continue
		}
		if sc.wires == nil || slices.Contains(sc.wires, w) {
			out = append(out, w)
		}
	}
	return out
}

// TestScenariosOverJSON holds the v1 wire's JSON encoding to the same
// traces, on the newest agent.
func TestScenariosOverJSON(t *testing.T) {
	for _, sc := range scenarios {
		if slices.Contains(wiresOf(sc, agentsim.Newest()), driver.ProtocolV1) {
			t.Run(sc.name, func(t *testing.T) {
				checkGolden(t, sc.name, runScenario(t, sc, agentsim.Newest(), driver.ProtocolV1, true))
			})
		}
	}
}

func runScenario(t *testing.T, sc scenario, p agentsim.Profile, wire driver.Protocol, json bool) string {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	agent, err := agentsim.Start(ctx, agentsim.AgentConfig{Profile: p, Checkpoint: sc.checkpoint,
		ShutdownGracePeriod: 3 * time.Second, RestartDowntime: 50 * time.Millisecond})
	require.NoError(t, err)
	defer agent.Close()
	s := &session{t: t, ctx: ctx, agent: agent, rec: newRecorder(), codec: httpapi.Protobuf}
	if json {
		s.codec = httpapi.JSON
	}
	sc.before(s)
	s.drv = startInProcess(t, agent, s.rec, wire, func(c *driver.Config) { c.JSON = json })
	require.Equal(t, wire, s.drv.Protocol(), "the wire in use")
	defer s.drv.Stop()
	sc.run(s)
	if t.Failed() {
		t.Logf("agent trace:\n%s", agent.Trace())
	}
	return s.rec.trace()
}

// startInProcess runs the driver in this process with the agent's
// environment. It must never end the process group: that is the test's.
func startInProcess(t *testing.T, agent *agentsim.Agent, exec driver.Executor, wire driver.Protocol, tweaks ...func(*driver.Config)) *driver.Driver {
	cfg, err := driver.ConfigFromEnv(agent.InProcessGetenv)
	require.NoError(t, err)
	cfg.KeepProcessGroup = true
	cfg.Protocol = wire
	for _, tweak := range tweaks {
		tweak(&cfg)
	}
	d, err := driver.New(exec, cfg)
	require.NoError(t, err)
	_, err = d.Start()
	require.NoError(t, err)
	return d
}

func checkGolden(t *testing.T, name, got string) {
	path := filepath.Join("testdata", "golden", name+".trace")
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "no golden trace; run: go test ./driver -run TestScenarios -update")
	require.Equal(t, string(want), got)
}
