package driver

import (
	"os"
	"syscall"

	"github.com/mesos-shim/executor/logging"
)

// endProcessGroup does what the C++ driver does when the shutdown grace
// period expires: SIGKILL to the executor's whole process group, itself
// included. Should that be refused, it kills just this process; the
// library never calls os.Exit.
func endProcessGroup() {
	logging.Warningf("driver: killing the executor's process group")
	logging.Flush()
	if err := syscall.Kill(0, syscall.SIGKILL); err != nil {
		logging.Errorf("driver: killing the process group: %v; killing this process", err)
		logging.Flush()
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
	}
}
