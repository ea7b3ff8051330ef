//go:build benchprofile

package task

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
)

// StartProfile starts the CPU profile ProfileEnv asks for, if any, and
// samples allocations as AllocRateEnv says; the function it returns ends
// the CPU profile and writes the allocation profile next to it, as
// <path>.allocs. A profile that cannot be started or written is reported
// on stderr and the executor runs on without it.
func StartProfile() (stop func()) {
	path := os.Getenv(ProfileEnv)
	if path == "" {
		return func() {}
	}
	if err := setAllocRate(os.Getenv(AllocRateEnv)); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", AllocRateEnv, err)
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", ProfileEnv, err)
		if f != nil {
			f.Close()
		}
		return func() { writeAllocs(path + ".allocs") }
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
		writeAllocs(path + ".allocs")
	}
}

// writeAllocs writes every allocation sampled since the start to path.
func writeAllocs(path string) {
	f, err := os.Create(path)
	if err == nil {
		err = pprof.Lookup("allocs").WriteTo(f, 0)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: allocation profile: %v\n", ProfileEnv, err)
	}
}

// setAllocRate sets runtime.MemProfileRate from AllocRateEnv's value v.
func setAllocRate(v string) error {
	rate := DefaultAllocRate
	if v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fmt.Errorf("%q is not a number of bytes; sampling every %d", v, rate)
		}
		rate = n
	}
	if rate > 0 {
		runtime.MemProfileRate = rate
	}
	return nil
}
