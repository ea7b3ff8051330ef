package soak

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/mesos-shim/executor/compat/agentsim"
	"github.com/mesos-shim/executor/driver"
)

// OrphanResult is what one agent death without checkpointing showed: the
// executor (a real process: the command executor) noticed, called
// Shutdown, tried to send its tasks' terminal updates to nobody, and
// ended with its task's processes.
type OrphanResult struct {
	Wire driver.Protocol
	// CrashToExit is the time from the agent's death to the executor
	// process exiting.
	CrashToExit time.Duration
	Exit        agentsim.ExitStatus
	// TaskGone says no process of the task survived the executor.
	TaskGone bool
	// TerminalAttempted says the executor tried to send TASK_KILLED (the
	// driver logged it going to an agent that is gone, or it reached the
	// restarted agent: here, nobody).
	TerminalAttempted bool
}

// Orphan launches the command executor binary at bin on wire with one
// long task, kills the agent without checkpointing and measures how the
// executor ends. A task that ignores SIGTERM (stubborn) makes the
// executor wait for its kill grace period before SIGKILL.
func Orphan(ctx context.Context, bin string, wire driver.Protocol, stubborn bool) (OrphanResult, error) {
	res := OrphanResult{Wire: wire}
	agent, err := agentsim.Start(ctx, agentsim.AgentConfig{ExecutorEnv: []string{driver.EnvProtocol + "=" + string(wire)}})
	if err != nil {
		return res, err
	}
	defer agent.Close()
	marker := fmt.Sprintf("600.%d", time.Now().UnixNano()%1e6) // a sleep only this run starts
	command := "touch ready; exec sleep " + marker
	if stubborn {
		command = "trap '' TERM; touch ready; sleep " + marker + "; true"
	}
	if err := agent.Launch(agentsim.CommandTask("orphan", command)); err != nil {
		return res, err
	}
	dir, err := filepath.Abs(filepath.Dir(bin))
	if err != nil {
		return res, err
	}
	if err := agent.LaunchExecutor(bin, "--launcher_dir="+dir, "-v=1"); err != nil { // -v=1: it logs each update it sends
		return res, err
	}
	if _, err := agent.WaitUpdate(ctx, "orphan", mesos.TASK_RUNNING); err != nil {
		return res, err
	}
	if err := agent.WaitAllAcknowledged(ctx); err != nil {
		return res, err
	}
	if err := awaitFile(ctx, filepath.Join(agent.Directory(), "ready")); err != nil {
		return res, fmt.Errorf("the task did not get ready: %w", err)
	}
	crashed := time.Now()
	agent.Crash()
	if res.Exit, err = agent.WaitExecutorExit(ctx); err != nil {
		return res, err
	}
	res.CrashToExit = time.Since(crashed)
	res.TaskGone = !processWithArg(marker)
	res.TerminalAttempted = traceMentions(agent.Trace().Entries(), "task orphan: TASK_KILLED")

	return res, nil
}

// processWithArg reports whether a live process has arg in its command
// line (Linux /proc).
func processWithArg(arg string) bool {
	cmdlines, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range cmdlines {
		b, err := os.ReadFile(p)
		if err == nil && bytes.Contains(b, []byte(arg)) {
			return true
		}
	}
	return false
}

// traceMentions reports whether any of the executor's output lines in the
// trace mention s.
func traceMentions(entries []agentsim.Entry, s string) bool {
	for _, e := range entries {
		if (e.Name == agentsim.EventStderr || e.Name == agentsim.EventStdout) && bytes.Contains([]byte(e.Detail), []byte(s)) {
			return true
		}
	}
	return false
}

// awaitFile waits for the task to create path: the task's shell has set
// up its signal handling by then. Another process's file has no event to
// wait on short of inotify, so this looks every few milliseconds.
func awaitFile(ctx context.Context, path string) error {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		if _, err := os.Stat(path); err == nil {
			return nil
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
