//go:build linux

package cmdexec

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/stretchr/testify/require"
)

// escapes is a task that starts two processes that leave its process
// group: a child in a session of its own (setsid), and an orphan (its
// parent, a subshell, exits at once) in a process group of its own. It
// writes their pids to sid.pid and pgid.pid once they left, tells ready
// and waits. With ignore, it and they ignore SIGTERM.
func escapes(t *testing.T, ready string, ignore bool) string {
	bin, err := os.Executable()
	require.NoError(t, err)
	suffix := ""
	if ignore {
		suffix = "-ignore"
	}
	cmd := `mkfifo p1 p2; ` +
		helperEnv + `=setsid` + suffix + ` '` + bin + `' > p1 & read a < p1; echo $a > sid.pid; ` +
		`(` + helperEnv + `=setpgid` + suffix + ` '` + bin + `' > p2 &); read b < p2; echo $b > pgid.pid; ` +
		`echo ready > ` + ready + `; wait`
	if ignore {
		cmd = `trap '' TERM; ` + cmd
	}
	return cmd
}

// escapedPids reads the pids escapes wrote in dir and checks that those
// processes did leave the task's group; they are killed at the end of
// the test whatever happens.
func escapedPids(t *testing.T, dir string, task int) []int {
	var pids []int
	for _, name := range []string{"sid.pid", "pgid.pid"} {
		pid, err := strconv.Atoi(readFile(t, filepath.Join(dir, name)))
		require.NoError(t, err)
		t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
		pgid, err := syscall.Getpgid(pid)
		require.NoError(t, err)
		require.NotEqual(t, task, pgid, "%s: pid %d is still in the task's process group", name, pid)
		pids = append(pids, pid)
	}
	return pids
}

// awaitExit waits for the process pid to end: a pidfd becomes readable
// when it does.
func awaitExit(t *testing.T, pid int) {
	t.Helper()
	const sysPidfdOpen = 434 // the same number on every architecture
	fd, _, errno := syscall.Syscall(sysPidfdOpen, uintptr(pid), 0, 0)
	if errno == syscall.ESRCH {
		return // reaped already
	}
	require.Zero(t, errno, "pidfd_open(%d)", pid)
	defer syscall.Close(int(fd))
	ep, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	require.NoError(t, err)
	defer syscall.Close(ep)
	require.NoError(t, syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, int(fd), &syscall.EpollEvent{Events: syscall.EPOLLIN}))
	events := make([]syscall.EpollEvent, 1)
	deadline := time.Now().Add(timeout)
	for {
		n, err := syscall.EpollWait(ep, events, int(time.Until(deadline).Milliseconds()))
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		require.NoError(t, err)
		require.Equal(t, 1, n, "process %d still runs after %v", pid, timeout)
		return
	}
}

// Processes that left the task's process group, into a group or a session
// of their own, are killed with the task: by SIGTERM, or by SIGKILL when
// they ignore SIGTERM.
func TestKillReachesProcessesThatLeftTheGroup(t *testing.T) {
	for name, ignore := range map[string]bool{"SIGTERM": false, "SIGKILL": true} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			e, d := newTest(t, Options{Sandbox: dir})
			ready := fifo(t)
			ti := shellTask("t", escapes(t, ready, ignore))
			ti.KillPolicy = policy(100 * time.Millisecond)
			e.LaunchTask(d, ti)
			expect(t, d, "t", mesos.TASK_STARTING, mesos.TASK_RUNNING)
			require.Equal(t, "ready", readLine(t, ready))
			pids := escapedPids(t, dir, e.lookup("t").cmd.Process.Pid)

			e.KillTask(d, &mesos.TaskID{Value: "t"})
			s := expect(t, d, "t", mesos.TASK_KILLED)
			require.Contains(t, s.GetMessage(), "signal "+map[bool]string{false: "Terminated", true: "Killed"}[ignore])
			for _, pid := range pids {
				awaitExit(t, pid)
			}
		})
	}
}

// Close, as the program exits, reaches them too.
func TestCloseReachesProcessesThatLeftTheGroup(t *testing.T) {
	dir := t.TempDir()
	e, d := newTest(t, Options{Sandbox: dir})
	ready := fifo(t)
	e.LaunchTask(d, shellTask("t", escapes(t, ready, true)))
	expect(t, d, "t", mesos.TASK_STARTING, mesos.TASK_RUNNING)
	require.Equal(t, "ready", readLine(t, ready))
	pids := escapedPids(t, dir, e.lookup("t").cmd.Process.Pid)

	e.Close()
	expect(t, d, "t", mesos.TASK_KILLED)
	for _, pid := range pids {
		awaitExit(t, pid)
	}
}

// The executor never signals itself, its process group or its session,
// nor unrelated processes.
func TestTreeLeavesTheExecutorAlone(t *testing.T) {
	self, group := os.Getpid(), syscall.Getpgrp()
	procs := []proc{
		{pid: self, ppid: 1, pgrp: group, session: 50},
		{pid: 100, ppid: self, pgrp: 100, session: 100},  // the task
		{pid: 101, ppid: 100, pgrp: 100, session: 100},   // its child
		{pid: 102, ppid: 101, pgrp: 102, session: 102},   // setsid
		{pid: 103, ppid: 1, pgrp: 102, session: 102},     // orphan in 102's session
		{pid: 104, ppid: 1, pgrp: 104, session: 100},     // orphan in the task's session
		{pid: 105, ppid: 101, pgrp: group, session: 100}, // joined the executor's group: itself only
		{pid: 106, ppid: 1, pgrp: group, session: 50},    // the executor's group
		{pid: 107, ppid: self, pgrp: 107, session: 50},   // another child of the executor
		{pid: 108, ppid: 1, pgrp: 108, session: 108},     // unrelated
		{pid: 109, ppid: 100, pgrp: 100, session: 100, zombie: true},
	}
	require.Equal(t, []int{100, 101, 102, 103, 104, 105}, tree(100, procs))
	// Once the task is reaped, its group and session are still reached.
	require.Equal(t, []int{101, 102, 103, 104, 105}, tree(100, procs[2:]))
}

func TestParseStat(t *testing.T) {
	p, ok := parseStat([]byte("42 (a (b) c) S 7 8 9 34816 8 4194560 ..."))
	require.True(t, ok)
	require.Equal(t, proc{pid: 42, ppid: 7, pgrp: 8, session: 9}, p)
	p, ok = parseStat([]byte("43 (z) Z 1 43 43 0"))
	require.True(t, ok)
	require.True(t, p.zombie)
	_, ok = parseStat([]byte("garbage"))
	require.False(t, ok)
}
