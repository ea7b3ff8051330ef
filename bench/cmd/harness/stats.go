package main

import (
	"bufio"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// percentile is the p-th percentile (nearest rank) of ds, or -1 if empty.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return -1
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	rank := int(p/100*float64(len(s))+0.999999) - 1
	if rank < 0 {
		rank = 0
	}
	if rank >= len(s) {
		rank = len(s) - 1
	}
	return s[rank]
}

// spread is the median, least and greatest of xs (the median of an even
// count is the lower middle, so that it is one of the measured values).
func spread(xs []float64) (med, lo, hi float64) {
	if len(xs) == 0 {
		return 0, 0, 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[(len(s)-1)/2], s[0], s[len(s)-1]
}

// procStatus reads a "kB" field of /proc/<pid>/status, e.g. VmRSS.
func procStatus(pid int, field string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return parseStatusField(bufio.NewScanner(f), field)
}

func parseStatusField(sc *bufio.Scanner, field string) (int64, error) {
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != field {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			break
		}
		return strconv.ParseInt(f[0], 10, 64)
	}
	return 0, fmt.Errorf("%s not found", field)
}

// usage is what a run costs: the simulated agent's CPU time (this
// process's), and the executor's CPU time and read and write syscalls.
type usage struct {
	agentCPU, execCPU time.Duration
	syscalls          int64
}

// readUsage reads the usage so far, the executor being pid.
func readUsage(pid int) (usage, error) {
	var u usage
	var err error
	if u.agentCPU, err = selfCPU(); err != nil {
		return u, err
	}
	if u.execCPU, err = cpuTime(pid); err != nil {
		return u, err
	}
	u.syscalls, err = syscalls(pid)
	return u, err
}

// minus is the usage between earlier and u.
func (u usage) minus(earlier usage) usage {
	return usage{agentCPU: u.agentCPU - earlier.agentCPU, execCPU: u.execCPU - earlier.execCPU,
		syscalls: u.syscalls - earlier.syscalls}
}

// charge records what a run of n updates over wall used, per update and
// in cores.
func (r *result) charge(u usage, n int, wall time.Duration) {
	r.agentCPU = u.agentCPU / time.Duration(n)
	r.execCPU = u.execCPU / time.Duration(n)
	r.execSyscalls = float64(u.syscalls) / float64(n)
	r.agentBusy = float64(u.agentCPU) / float64(wall)
	r.busy = float64(u.agentCPU+u.execCPU) / float64(wall)
}

// syscalls is the number of read and write system calls pid has made
// (syscr and syscw of /proc/<pid>/io).
func syscalls(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", pid))
	if err != nil {
		return 0, err
	}
	return parseSyscalls(string(b))
}

func parseSyscalls(io string) (int64, error) {
	var n int64
	for _, field := range []string{"syscr", "syscw"} {
		v, err := parseStatusField(bufio.NewScanner(strings.NewReader(io)), field)
		if err != nil {
			return 0, err
		}
		n += v
	}
	return n, nil
}

// clockTick is USER_HZ, 100 on every Linux Go supports.
const clockTick = 10 * time.Millisecond

// cpuTime is utime+stime of pid from /proc/<pid>/stat.
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return parseStatCPU(string(b))
}

func parseStatCPU(stat string) (time.Duration, error) {
	// The command name (field 2) may hold spaces: fields are counted after its ')'.
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("malformed stat")
	}
	f := strings.Fields(stat[i+1:])
	if len(f) < 13 { // f[0] is field 3 (state); utime is field 14, stime 15
		return 0, fmt.Errorf("short stat")
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("malformed stat times")
	}
	return time.Duration(ut+st) * clockTick, nil
}

// selfCPU is this process's CPU time (user and system, every thread):
// the simulated agent's, whose executors are child processes and do not
// count.
func selfCPU() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, err
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}
