//go:build linux

package cmdexec

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/golang/glog"
)

// maxFreezeRounds bounds the scans of /proc made while freezing a tree: a
// process can fork between a scan and its SIGSTOP, and the next scan
// finds the child.
const maxFreezeRounds = 10

// killTree sends sig to the task whose process leads session and process
// group root, and to everything that escaped that group, as Mesos's
// command executor does (os::killtree with groups and sessions): every
// descendant of root (while root is not reaped: a process whose parent is
// root, its children and so on), every process in the process group or
// the session of one found, and their descendants, found in /proc. The
// executor's own process, group and session are never signalled.
//
// The processes found are stopped (SIGSTOP) as they are found, so that
// none forks out of reach; they get sig once all are found, then SIGCONT.
// Without /proc, only root's process group is signalled.
func killTree(root int, sig syscall.Signal) error {
	stopped := map[int]bool{}
	var order []int // in the order they were stopped
	defer func() {
		for _, pid := range order {
			syscall.Kill(pid, sig)
		}
		if sig != syscall.SIGKILL {
			for _, pid := range order {
				syscall.Kill(pid, syscall.SIGCONT)
			}
		}
	}()
	for range maxFreezeRounds {
		procs, err := readProcs()
		if err != nil {
			return errors.Join(err, signalGroup(root, sig))
		}
		fresh := 0
		for _, pid := range tree(root, procs) {
			if stopped[pid] {
				continue
			}
			if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
				continue // gone already, or not ours to signal
			}
			stopped[pid] = true
			order = append(order, pid)
			fresh++
		}
		if fresh == 0 {
			break
		}
	}
	if len(order) > 1 {
		glog.V(1).Infof("sending %s to %d processes of the tree of %d: %v", sig, len(order), root, order)
	}
	return nil
}

// proc is what killTree needs of /proc/<pid>/stat.
type proc struct {
	pid, ppid, pgrp, session int
	zombie                   bool
}

// tree lists the processes of procs that killTree signals for root.
func tree(root int, procs []proc) []int {
	self := os.Getpid()
	ownGroup, ownSession := syscall.Getpgrp(), -1
	for _, p := range procs {
		if p.pid == self {
			ownSession = p.session
		}
	}
	groups := map[int]bool{root: true}
	sessions := map[int]bool{root: true}
	in := map[int]bool{}
	// root itself is a seed only while it still leads its session: once
	// it is reaped its number could in principle name someone else.
	for _, p := range procs {
		if p.pid == root && p.session == root && p.pgrp == root {
			in[root] = true
		}
	}
	for changed := true; changed; {
		changed = false
		for _, p := range procs {
			if in[p.pid] || p.pid == self || p.pid <= 1 || p.zombie {
				continue
			}
			if !in[p.ppid] && !groups[p.pgrp] && !sessions[p.session] {
				continue
			}
			in[p.pid] = true
			changed = true
			if p.pgrp != ownGroup && p.pgrp > 1 {
				groups[p.pgrp] = true
			}
			if p.session != ownSession && p.session > 1 {
				sessions[p.session] = true
			}
		}
	}
	var out []int
	for _, p := range procs {
		if in[p.pid] {
			out = append(out, p.pid)
		}
	}
	return out
}

// readProcs reads every process's /proc/<pid>/stat.
func readProcs() ([]proc, error) {
	dirs, err := filepath.Glob("/proc/[0-9]*")
	if err != nil {
		return nil, err
	}
	if len(dirs) == 0 {
		return nil, errors.New("no processes in /proc")
	}
	out := make([]proc, 0, len(dirs))
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "stat"))
		if err != nil {
			continue // it ended
		}
		if p, ok := parseStat(b); ok {
			out = append(out, p)
		}
	}
	return out, nil
}

// parseStat parses "pid (comm) state ppid pgrp session ...". The command
// name may hold spaces and parentheses: the fields follow its last ')'.
func parseStat(b []byte) (proc, bool) {
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return proc{}, false
	}
	pid, err := strconv.Atoi(string(bytes.TrimSpace(b[:open])))
	if err != nil {
		return proc{}, false
	}
	f := bytes.Fields(b[end+1:])
	if len(f) < 4 {
		return proc{}, false
	}
	var n [3]int
	for i := range n {
		if n[i], err = strconv.Atoi(string(f[i+1])); err != nil {
			return proc{}, false
		}
	}
	return proc{pid: pid, ppid: n[0], pgrp: n[1], session: n[2], zombie: string(f[0]) == "Z"}, true
}
