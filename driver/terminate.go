package driver

import (
	"os"
	"syscall"
	"time"

	"github.com/golang/glog"
)

// endProcessGroup does what the C++ driver does when the shutdown grace
// period expires: SIGKILL to the executor's whole process group, itself
// included, and, should that not end it, exit with status 1.
func endProcessGroup() {
	glog.Warning("driver: killing the executor's process group")
	glog.Flush()
	if err := syscall.Kill(0, syscall.SIGKILL); err != nil {
		glog.Errorf("driver: killing the process group: %v", err)
	}
	time.Sleep(5 * time.Second)
	os.Exit(1)
}
