package matrix_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/compat/agentsim"
	"github.com/mesos-shim/executor/compat/matrix"
	"github.com/mesos-shim/executor/driver"
)

// docsPath is the committed matrix, which `make matrix` writes.
var docsPath = filepath.Join("..", "..", "docs", "compat-matrix.md")

// The whole matrix against the command executor, as CI runs it: green on
// every cell that is not N/A, and exactly what docs/compat-matrix.md says.
func TestCommandExecutorMatrix(t *testing.T) {
	if testing.Short() {
		t.Skip("builds examples/command-executor and runs the whole matrix")
	}
	ex, err := matrix.BuildCommandExecutor(context.Background(), t.TempDir())
	require.NoError(t, err)
	res, err := matrix.Run(context.Background(), matrix.Options{Executor: ex})
	require.NoError(t, err)
	t.Logf("%d cells in %v", len(res.Cells), res.Elapsed)
	for _, c := range res.Failed() {
		t.Errorf("%s\n\nagent trace:\n%s", c.Report(), c.Trace)
	}
	require.Equal(t, len(agentsim.Profiles())*len(matrix.Scenarios())*len(matrix.Modes()), len(res.Cells))
	require.NotZero(t, res.Count(matrix.Pass))

	want, err := os.ReadFile(docsPath)
	require.NoError(t, err)
	require.Equal(t, string(want), res.Markdown(), "docs/compat-matrix.md is stale: run `make matrix`")
}

// An in-process executor that does things right passes, one subtest a
// cell, on an agent of each kind of wire: no v1, v1 experimental, v1.
func TestInProcessExecutor(t *testing.T) {
	res := matrix.Test(t, matrix.Options{
		Executor: matrix.InProcess(func() driver.Executor { return newTaskExecutor() }),
		Profiles: []agentsim.Profile{agentsim.Mesos020, agentsim.Mesos027, agentsim.Newest()},
	})
	require.Empty(t, res.Failed())
	c, ok := res.Cell("1.12", "task-group", matrix.V1)
	require.True(t, ok)
	require.Equal(t, matrix.Pass, c.Verdict)
	require.Equal(t, agentsim.WireV1, c.Wire)
	c, _ = res.Cell("0.20", "task-group", matrix.V0)
	require.Equal(t, matrix.NA, c.Verdict)
	require.Equal(t, "no task groups before 1.1", c.Reason)
	c, _ = res.Cell("0.27", "register", matrix.Auto)
	require.Equal(t, agentsim.WireV0, c.Wire, "the driver keeps 0.27 on the legacy wire")
}

// silent never ends a task and echoes nothing: a broken executor.
type silent struct{ *taskExecutor }

func (silent) LaunchTask(d driver.ExecutorDriver, t *mesos.TaskInfo) {
	d.SendStatusUpdate(&mesos.TaskStatus{TaskID: t.TaskID, State: mesos.TASK_RUNNING.Enum()})
}
func (silent) FrameworkMessage(driver.ExecutorDriver, []byte) {}

// doubler sends every terminal update twice: each is acknowledged, yet a
// task has exactly one terminal state.
type doubler struct{ *taskExecutor }

func (x doubler) LaunchTask(d driver.ExecutorDriver, t *mesos.TaskInfo) {
	x.taskExecutor.LaunchTask(d, t)
	if t.GetCommand().GetValue() == "true" {
		d.SendStatusUpdate(&mesos.TaskStatus{TaskID: t.TaskID, State: mesos.TASK_FINISHED.Enum()})
	}
}

// The matrix can fail: broken executors turn their cells red, and the
// table says so.
func TestBrokenExecutorsTurnCellsRed(t *testing.T) {
	for name, tc := range map[string]struct {
		exec      func() driver.Executor
		scenarios []string
		want      string
	}{
		"never finishes": {func() driver.Executor { return silent{newTaskExecutor()} },
			[]string{"launch-and-finish"}, "wait for task-1 TASK_FINISHED"},
		"echoes nothing": {func() driver.Executor { return silent{newTaskExecutor()} },
			[]string{"framework-messages"}, "wait for its echo"},
		"two terminal updates": {func() driver.Executor { return doubler{newTaskExecutor()} },
			[]string{"launch-and-finish"}, "task-1 went TASK_RUNNING → TASK_FINISHED: saw TASK_RUNNING → TASK_FINISHED → TASK_FINISHED"},
	} {
		t.Run(name, func(t *testing.T) {
			res, err := matrix.Run(context.Background(), matrix.Options{
				Executor:    matrix.InProcess(tc.exec),
				Profiles:    []agentsim.Profile{agentsim.Mesos020, agentsim.Newest()},
				Scenarios:   tc.scenarios,
				CellTimeout: 2 * time.Second,
			})
			require.NoError(t, err)
			require.Equal(t, 6, len(res.Cells))
			require.Equal(t, 1, res.Count(matrix.NA), "v1 on 0.20")
			require.Len(t, res.Failed(), 5)
			for _, c := range res.Failed() {
				require.Contains(t, c.Reason, tc.want, c.Report())
				require.Contains(t, res.Markdown(), "FAIL: "+c.Reason)
			}
		})
	}
}

func TestOptionsThatCannotRun(t *testing.T) {
	_, err := matrix.Run(context.Background(), matrix.Options{})
	require.ErrorContains(t, err, "no executor")
	_, err = matrix.Run(context.Background(), matrix.Options{Executor: matrix.Binary("x"), Scenarios: []string{"nope"}})
	require.ErrorContains(t, err, `no scenario "nope"`)
	_, err = matrix.Run(context.Background(), matrix.Options{Executor: matrix.Binary("x"), Modes: []matrix.Mode{"v2"}})
	require.ErrorContains(t, err, `no mode "v2"`)
}

// A binary that cannot be launched fails its cells, it is not skipped.
func TestMissingBinaryFails(t *testing.T) {
	res, err := matrix.Run(context.Background(), matrix.Options{Executor: matrix.Binary("/nonexistent/executor"),
		Profiles: []agentsim.Profile{agentsim.Newest()}, Scenarios: []string{"register"}, Modes: []matrix.Mode{matrix.Auto}})
	require.NoError(t, err)
	require.Len(t, res.Failed(), 1)
	require.True(t, strings.HasPrefix(res.Failed()[0].Reason, "the script runs to its end: start the executor"), res.Failed()[0].Reason)
}
