//go:build benchprofile

package task

import (
	"fmt"
	"os"
	"runtime/pprof"
)

// StartProfile starts the CPU profile ProfileEnv asks for, if any; the
// function it returns ends it. A profile that cannot be started is
// reported on stderr and the executor runs on without one.
func StartProfile() (stop func()) {
	path := os.Getenv(ProfileEnv)
	if path == "" {
		return func() {}
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
		return func() {}
	}
	return func() { pprof.StopCPUProfile(); f.Close() }
}
