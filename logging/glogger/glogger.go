// Package glogger sends the library's log lines to glog, for programs that
// use glog's flags (-v, -logtostderr, -log_dir) as Mesos operators expect.
// Importing it registers glog's flags; the library itself never does.
package glogger

import (
	"github.com/golang/glog"

	"github.com/mesos-shim/executor/logging"
)

type logger struct{}

// New returns a logging.Logger backed by glog; install it with
// logging.Set(glogger.New()).
func New() logging.Logger { return logger{} }

func (logger) V(level int) bool { return bool(glog.V(glog.Level(level))) }

func (logger) Log(depth int, s logging.Severity, msg string) {
	switch s {
	case logging.Warning:
		glog.WarningDepth(depth+1, msg)
	case logging.Error:
		glog.ErrorDepth(depth+1, msg)
	default:
		glog.InfoDepth(depth+1, msg)
	}
}

// Flush writes out glog's buffers.
func (logger) Flush() { glog.Flush() }
