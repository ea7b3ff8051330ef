package mesosgov0_test

import (
	"context"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gogo/protobuf/proto"
	v0 "github.com/mesos/mesos-go/api/v0/mesosproto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/compat/agentsim"
	"github.com/mesos-shim/executor/compat/mesosgov0"
	"github.com/mesos-shim/executor/driver"
)

// agentConfig is the environment of agent as the driver reads it, for an
// executor run in this process: the process group is never ended (it is the
// test's) and the wire is forced.
func agentConfig(t *testing.T, agent *agentsim.Agent, wire driver.Protocol) *driver.Config {
	cfg, err := driver.ConfigFromEnv(agent.InProcessGetenv)
	require.NoError(t, err)
	cfg.KeepProcessGroup = true
	cfg.Protocol = wire
	return &cfg
}

// waitLog waits until the executor's log has n lines and returns them.
func waitLog(t *testing.T, ctx context.Context, e *v0Executor, n int) []string {
	t.Helper()
	for {
		log, changed := e.Log()
		if len(log) >= n {
			return log
		}
		select {
		case <-changed:
		case <-ctx.Done():
			t.Fatalf("waiting for %d callbacks: %v; so far: %q", n, ctx.Err(), log)
		}
	}
}

func startAgent(t *testing.T, ctx context.Context, p agentsim.Profile) *agentsim.Agent {
	agent, err := agentsim.Start(ctx, agentsim.AgentConfig{Profile: p, ShutdownGracePeriod: 3 * time.Second})
	require.NoError(t, err)
	t.Cleanup(func() { agent.Close() })
	return agent
}

// TestV0ExecutorRunsOnBothWires runs the mesos-go-v0-style executor of
// v0executor_test.go through a whole run, on the newest agent on both wires
// and on agents before 0.27 (no v1 API) on the legacy wire.
func TestV0ExecutorRunsOnBothWires(t *testing.T) {
	for _, tc := range []struct {
		profile agentsim.Profile
		wire    driver.Protocol
	}{
		{agentsim.Newest(), driver.ProtocolV0},
		{agentsim.Newest(), driver.ProtocolV1},
		{agentsim.Mesos022, driver.ProtocolV0},
		{agentsim.Mesos026, driver.ProtocolV0},
	} {
		t.Run(tc.profile.Name+"/"+string(tc.wire), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			agent := startAgent(t, ctx, tc.profile)
			require.NoError(t, agent.Launch(mesos.TaskInfo{Name: "t1", TaskID: mesos.TaskID{Value: "t1"}, Data: []byte("finish")}))

			e := newV0Executor()
			d, err := mesosgov0.NewMesosExecutorDriver(mesosgov0.DriverConfig{Executor: e, Config: agentConfig(t, agent, tc.wire)})
			require.NoError(t, err)
			require.Equal(t, v0.Status_DRIVER_NOT_STARTED, d.Status())
			st, err := d.Start()
			require.NoError(t, err)
			require.Equal(t, v0.Status_DRIVER_RUNNING, st)
			require.True(t, d.Running())
			defer d.Stop()
			require.Equal(t, tc.wire, d.Driver().Protocol())

			_, err = agent.WaitUpdate(ctx, "t1", mesos.TASK_FINISHED)
			require.NoError(t, err)
			require.NoError(t, agent.Launch(mesos.TaskInfo{Name: "t2", TaskID: mesos.TaskID{Value: "t2"}}))
			_, err = agent.WaitUpdate(ctx, "t2", mesos.TASK_RUNNING)
			require.NoError(t, err)
			require.NoError(t, agent.WaitAllAcknowledged(ctx))
			require.NoError(t, d.AwaitAcknowledgements(ctx))

			// TASK_STAGING is refused by the driver, which keeps running.
			_, err = d.SendStatusUpdate(&v0.TaskStatus{TaskId: &v0.TaskID{Value: proto.String("t2")}, State: v0.TaskState_TASK_STAGING.Enum()})
			require.Error(t, err)
			require.Equal(t, v0.Status_DRIVER_RUNNING, d.Status())

			require.NoError(t, agent.Kill("t2", nil))
			_, err = agent.WaitUpdate(ctx, "t2", mesos.TASK_KILLED)
			require.NoError(t, err)
			require.NoError(t, agent.FrameworkMessage([]byte("ping")))
			require.NoError(t, agent.WaitFrameworkMessage(ctx, []byte("ping")))

			require.NoError(t, agent.Shutdown())
			st, err = d.Join() // the v0 executor never calls Stop: the driver stops itself
			require.NoError(t, err)
			require.Equal(t, v0.Status_DRIVER_STOPPED, st)

			log, _ := e.Log()
			require.Equal(t, []string{
				"Registered executor=" + agentsim.DefaultExecutorID + " framework=" + agentsim.DefaultFrameworkID + " slave=" + agentsim.DefaultAgentID,
				"LaunchTask t1",
				"LaunchTask t2",
				"KillTask t2",
				"FrameworkMessage ping",
				"Shutdown",
			}, log)
			var states []string
			for _, u := range agent.Updates() {
				require.Equal(t, 1, u.Acks, "update %s %s acknowledged once", u.TaskID, u.State)
				states = append(states, u.TaskID+" "+u.State.String())
			}
			require.Equal(t, []string{"t1 TASK_RUNNING", "t1 TASK_FINISHED", "t2 TASK_RUNNING", "t2 TASK_KILLED"}, states)
		})
	}
}

// TestTaskGroupArrivesAsOneLaunchTaskPerTask: the v0 interface has no task
// groups, so each task of a group goes through LaunchTask, in order.
func TestTaskGroupArrivesAsOneLaunchTaskPerTask(t *testing.T) {
	for _, wire := range []driver.Protocol{driver.ProtocolV0, driver.ProtocolV1} {
		t.Run(string(wire), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			agent := startAgent(t, ctx, agentsim.Newest())
			require.NoError(t, agent.Launch(mesos.TaskInfo{Name: "t0", TaskID: mesos.TaskID{Value: "t0"}, Data: []byte("finish")}))
			e := newV0Executor()
			d, err := mesosgov0.NewMesosExecutorDriver(mesosgov0.DriverConfig{Executor: e, Config: agentConfig(t, agent, wire)})
			require.NoError(t, err)
			_, err = d.Start()
			require.NoError(t, err)
			defer d.Stop()
			_, err = agent.WaitUpdate(ctx, "t0", mesos.TASK_FINISHED)
			require.NoError(t, err)
			require.NoError(t, agent.LaunchGroup(mesos.TaskGroupInfo{Tasks: []mesos.TaskInfo{
				{Name: "g1", TaskID: mesos.TaskID{Value: "g1"}, Data: []byte("finish")},
				{Name: "g2", TaskID: mesos.TaskID{Value: "g2"}},
			}}))
			_, err = agent.WaitUpdate(ctx, "g1", mesos.TASK_FINISHED)
			require.NoError(t, err)
			_, err = agent.WaitUpdate(ctx, "g2", mesos.TASK_RUNNING)
			require.NoError(t, err)
			log := waitLog(t, ctx, e, 4)
			require.Equal(t, []string{"LaunchTask t0", "LaunchTask g1", "LaunchTask g2"}, log[1:])
			require.NoError(t, agent.Shutdown())
			st, err := d.Join()
			require.NoError(t, err)
			require.Equal(t, v0.Status_DRIVER_STOPPED, st)
			for _, u := range agent.Updates() { // the driver has stopped: nothing more comes
				require.False(t, u.TaskID == "g2" && u.State == mesos.TASK_KILLED, "this v0 executor sends nothing on Shutdown")
			}
		})
	}
}

func TestNewMesosExecutorDriverReportsMissingVariables(t *testing.T) {
	_, err := mesosgov0.NewMesosExecutorDriver(mesosgov0.DriverConfig{})
	require.ErrorContains(t, err, "nil Executor")

	_, err = mesosgov0.NewMesosExecutorDriver(mesosgov0.DriverConfig{
		Executor: newV0Executor(),
		Getenv:   func(string) string { return "" },
	})
	for _, name := range []string{driver.EnvFrameworkID, driver.EnvExecutorID, driver.EnvAgentID, driver.EnvAgentPID, driver.EnvDirectory} {
		require.ErrorContains(t, err, name)
	}
}

func TestGetenvIsRead(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	agent := startAgent(t, ctx, agentsim.Newest())
	getenv := func(name string) string {
		if name == driver.EnvProtocol {
			return "v0"
		}
		return agent.Getenv(name)
	}
	d, err := mesosgov0.NewMesosExecutorDriver(mesosgov0.DriverConfig{Executor: newV0Executor(), Getenv: getenv})
	require.NoError(t, err)
	require.Equal(t, agentsim.DefaultExecutorID, d.Driver().Config().ExecutorID)
	require.Equal(t, driver.ProtocolV0, d.Driver().Config().Protocol)
}

func TestStatusValuesHaveTheSameNumbers(t *testing.T) {
	for _, s := range []mesos.Status{mesos.DRIVER_NOT_STARTED, mesos.DRIVER_RUNNING, mesos.DRIVER_ABORTED, mesos.DRIVER_STOPPED} {
		require.Equal(t, s.String(), v0.Status(s).String())
	}
}

// TestTheV0ExecutorCompilesAgainstMesosGo type-checks v0executor_test.go
// with the import of this package replaced by mesos-go's api/v0/executor:
// the executor the other tests run is one written for mesos-go. Only the
// file of mesos-go's package that declares its interfaces (exectype.go) is
// checked with it, as the rest needs modules this one does not require.
func TestTheV0ExecutorCompilesAgainstMesosGo(t *testing.T) {
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	list := func(format, pkg string) string {
		out, err := exec.Command(gobin, "list", "-export", "-f", format, pkg).Output()
		require.NoError(t, err, "go list %s", pkg)
		return strings.TrimSpace(string(out))
	}
	const mesosGoExecutor = "github.com/mesos/mesos-go/api/v0/executor"
	exports := map[string]string{}
	for _, pkg := range []string{"github.com/mesos/mesos-go/api/v0/mesosproto", "fmt", "strings", "sync"} {
		exports[pkg] = list("{{.Export}}", pkg)
	}
	fset := token.NewFileSet()
	gc := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		if f, ok := exports[path]; ok && f != "" {
			return os.Open(f)
		}
		return nil, fmt.Errorf("no export data for %s", path)
	})

	// mesos-go's interfaces, from its own source.
	exectype, err := parser.ParseFile(fset, filepath.Join(list("{{.Module.Dir}}", "github.com/mesos/mesos-go/api/v0/mesosproto"), "api", "v0", "executor", "exectype.go"), nil, 0)
	require.NoError(t, err)
	mesosGo, err := (&types.Config{Importer: gc}).Check(mesosGoExecutor, fset, []*ast.File{exectype}, nil)
	require.NoError(t, err)

	src, err := os.ReadFile("v0executor_test.go")
	require.NoError(t, err)
	const ours = `executor "github.com/mesos-shim/executor/compat/mesosgov0"`
	require.Contains(t, string(src), ours)
	text := strings.Replace(string(src), ours, `executor "`+mesosGoExecutor+`"`, 1)
	file, err := parser.ParseFile(fset, "v0executor.go", text, 0)
	require.NoError(t, err)
	imp := importerFunc(func(path string) (*types.Package, error) {
		if path == mesosGoExecutor {
			return mesosGo, nil
		}
		return gc.Import(path)
	})
	_, err = (&types.Config{Importer: imp}).Check("v0check", fset, []*ast.File{file}, nil)
	require.NoError(t, err, "the test executor does not compile against mesos-go")
}

type importerFunc func(string) (*types.Package, error)

func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }

// TestTheDriverHasEveryMethodOfMesosGos: code that holds mesos-go's
// *MesosExecutorDriver, as NewMesosExecutorDriver returns it, may call any
// of its exported methods, not only those of the ExecutorDriver interface;
// each must exist here too for the import change to be the only one.
func TestTheDriverHasEveryMethodOfMesosGos(t *testing.T) {
	out, err := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "list", "-f", "{{.Module.Dir}}", "github.com/mesos/mesos-go/api/v0/mesosproto").Output()
	require.NoError(t, err)
	file, err := parser.ParseFile(token.NewFileSet(), filepath.Join(strings.TrimSpace(string(out)), "api", "v0", "executor", "executor.go"), nil, 0)
	require.NoError(t, err)
	ours := reflect.TypeOf(&mesosgov0.MesosExecutorDriver{})
	var methods []string
	for _, decl := range file.Decls {
		f, ok := decl.(*ast.FuncDecl)
		if !ok || f.Recv == nil || !f.Name.IsExported() {
			continue
		}
		if receiverName(f) == "MesosExecutorDriver" {
			methods = append(methods, f.Name.Name)
			_, has := ours.MethodByName(f.Name.Name)
			require.True(t, has, "mesos-go's MesosExecutorDriver has %s, this one does not", f.Name.Name)
		}
	}
	require.Contains(t, methods, "SendStatusUpdate", "the methods of mesos-go's driver were found")
}

// receiverName is the type name of f's pointer receiver ("" otherwise).
func receiverName(f *ast.FuncDecl) string {
	if star, ok := f.Recv.List[0].Type.(*ast.StarExpr); ok {
		if id, ok := star.X.(*ast.Ident); ok {
			return id.Name
		}
	}
	return ""
}
