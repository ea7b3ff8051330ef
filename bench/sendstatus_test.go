package bench

import (
	"context"
	"io"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/mesos-shim/executor/compat/agentsim"
	"github.com/mesos-shim/executor/driver"
	"github.com/mesos-shim/executor/logging"
)

// BenchmarkSendStatusUpdate measures one SendStatusUpdate of this project's
// driver, in-process, against agentsim (profile Newest()) on loopback, on
// each wire. An op is one TASK_RUNNING update; the clock stops once the agent
// has acknowledged all of them (AwaitAcknowledgements), so ns/op is the
// acknowledged-update cost with pipelining. allocs/op and B/op count the
// driver and the simulated agent together (one process): the agent's share
// (decoding, tracing, acknowledging) is included and is not small.
func BenchmarkSendStatusUpdate(b *testing.B) {
	for _, p := range []driver.Protocol{driver.ProtocolV0, driver.ProtocolV1} {
		b.Run(string(p), func(b *testing.B) { benchSend(b, p) })
	}
}

func benchSend(b *testing.B, p driver.Protocol) {
	// The driver's info lines ("speaking v1: ...") would land in the middle
	// of the benchmark's result lines; warnings and errors still show.
	logging.Set(warningsOnly{logging.Stderr(0)})
	defer logging.Set(nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	a, err := agentsim.Start(ctx, agentsim.AgentConfig{Profile: agentsim.Newest(), Output: io.Discard})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	cfg, err := driver.ConfigFromEnv(a.Getenv)
	if err != nil {
		b.Fatal(err)
	}
	cfg.Protocol, cfg.KeepProcessGroup = p, true
	launched := make(chan mesos.TaskID, 1)
	d, err := driver.New(driver.Funcs{
		OnLaunchTask: func(_ driver.ExecutorDriver, t *mesos.TaskInfo) { launched <- t.TaskID },
	}, cfg)
	if err != nil {
		b.Fatal(err)
	}
	// A 1.0+ agent shuts down an executor that registers with no task.
	if err := a.Launch(mesos.TaskInfo{Name: "t", TaskID: mesos.TaskID{Value: "t"}, AgentID: mesos.AgentID{Value: agentsim.DefaultAgentID}}); err != nil {
		b.Fatal(err)
	}
	if _, err := d.Start(); err != nil {
		b.Fatal(err)
	}
	defer d.Stop()
	var id mesos.TaskID
	select {
	case id = <-launched:
	case <-ctx.Done():
		b.Fatal("no LaunchTask")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := d.SendStatusUpdate(&mesos.TaskStatus{TaskID: id, State: mesos.TASK_RUNNING.Enum()}); err != nil {
			b.Fatal(err)
		}
	}
	if err := d.AwaitAcknowledgements(ctx); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
}

// warningsOnly passes on the lines of l that are warnings or errors.
type warningsOnly struct{ l logging.Logger }

func (w warningsOnly) V(int) bool { return false }

func (w warningsOnly) Log(depth int, s logging.Severity, msg string) {
	if s >= logging.Warning {
		w.l.Log(depth+1, s, msg)
	}
}
