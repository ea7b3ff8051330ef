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
	"unsafe"
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

// pidMaxLimit is the largest pid Linux gives (PID_MAX_LIMIT on 64 bits);
// a larger one would not fit in a CPU clock id.
const pidMaxLimit = 4 << 20

// cpuTime is pid's CPU time, user and system, of every thread it has had,
// to the nanosecond: clock_gettime on its process CPU clock (the
// scheduler's runtime, which /proc/<pid>/stat's utime+stime are scaled to;
// they are in 10 ms clock ticks, too coarse for a run that costs an
// executor ~100 ms). Linux lets any process read another's.
func cpuTime(pid int) (time.Duration, error) {
	if pid <= 0 || pid > pidMaxLimit {
		return 0, fmt.Errorf("CPU time of pid %d: not a process id", pid)
	}
	// MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED), as clock_getcpuclockid builds it.
	clock := int32(^pid)<<3 | 2
	var ts syscall.Timespec
	_, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, uintptr(clock), uintptr(unsafe.Pointer(&ts)), 0)
	if e != 0 {
		return 0, fmt.Errorf("CPU time of pid %d: %w", pid, e)
	}
	return time.Duration(ts.Nano()), nil
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
