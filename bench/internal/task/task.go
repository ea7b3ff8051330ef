// Package task is what the benchmark's executors and its harness agree on:
// what a task's data asks the executor to do, and where an executor leaves
// the update → acknowledgement round trips it measured.
package task

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// RoundTripPrefix starts the data of a round-trip task: "rtt:K" asks for K
// TASK_RUNNING updates one at a time, each sent once the one before it has
// been acknowledged, then TASK_FINISHED.
const RoundTripPrefix = "rtt:"

// Parse reads a task's data: K in decimal (K updates sent as fast as the
// API allows), or RoundTripPrefix and K.
func Parse(data []byte) (k int, roundTrips bool) {
	s, roundTrips := strings.CutPrefix(string(data), RoundTripPrefix)
	k, _ = strconv.Atoi(s)
	return k, roundTrips
}

// File is where an executor writes its round trips, in its sandbox (the
// working directory an agent starts it in).
const File = "bench-roundtrips"

// WriteRoundTrips writes the measured round trips to File, one per line
// in nanoseconds, before the executor sends the task's TASK_FINISHED.
func WriteRoundTrips(rtts []time.Duration) error {
	var b strings.Builder
	for _, d := range rtts {
		b.WriteString(strconv.FormatInt(int64(d), 10))
		b.WriteByte('\n')
	}
	return os.WriteFile(File, []byte(b.String()), 0o644)
}

// WriteNotObservable records why the executor cannot see its
// acknowledgements.
func WriteNotObservable(reason string) error {
	return os.WriteFile(File, []byte("n/a: "+reason+"\n"), 0o644)
}

// ReadRoundTrips reads what an executor wrote in sandbox: its round trips,
// or why there are none.
func ReadRoundTrips(sandbox string) (rtts []time.Duration, na string, err error) {
	f, err := os.Open(filepath.Join(sandbox, File))
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if r, ok := strings.CutPrefix(line, "n/a: "); ok {
			return nil, r, nil
		}
		n, err := strconv.ParseInt(line, 10, 64)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %q: %w", File, line, err)
		}
		rtts = append(rtts, time.Duration(n))
	}
	return rtts, "", sc.Err()
}

// ProfileEnv is the variable the harness sets (harness -executor-profile)
// to have an executor write a CPU profile of itself to the path it holds,
// and an allocation profile to that path with ".allocs" appended.
// Only executors built with the benchprofile tag honour it (StartProfile).
const ProfileEnv = "BENCH_CPUPROFILE"

// AllocRateEnv, when ProfileEnv is set, holds the bytes allocated per
// allocation sample (runtime.MemProfileRate) the executor profiles with;
// unset, DefaultAllocRate; 0 leaves the runtime's default, which is
// coarse but costs the executor no CPU its CPU profile would show.
const AllocRateEnv = "BENCH_ALLOCRATE"

// DefaultAllocRate samples an allocation per 512 bytes on average, fine
// enough to attribute a few hundred bytes per status update to their call
// sites.
const DefaultAllocRate = 512
