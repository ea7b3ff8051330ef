// Package logging is where the library's log lines go. By default they go
// to standard error in glog's line format, with verbosity 0, and the
// library registers no command-line flags. A program that wants glog itself
// (its -v, -logtostderr and log files, as Mesos operators expect) installs
// it once at start:
//
//	logging.Set(glogger.New()) // package logging/glogger
//
// Any other Logger can be installed the same way.
package logging

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Logger receives the library's log lines. Depth is the number of stack
// frames between the library's call and the Logger's method, for loggers
// that print the caller's file and line.
type Logger interface {
	Log(depth int, s Severity, msg string)
	// V reports whether lines of verbosity level are wanted.
	V(level int) bool
}

// Severity is a log line's level.
type Severity int

// The severities, as glog names them.
const (
	Info Severity = iota
	Warning
	Error
)

var current atomic.Value // of holder

type holder struct{ l Logger }

// Set installs l for every later log line (nil: the default).
func Set(l Logger) {
	if l == nil {
		l = Stderr(0)
	}
	current.Store(holder{l})
}

func logger() Logger {
	if h, ok := current.Load().(holder); ok {
		return h.l
	}
	return defaultLogger
}

var defaultLogger = Stderr(0)

// Infof logs at Info.
func Infof(format string, args ...any) { logger().Log(1, Info, fmt.Sprintf(format, args...)) }

// Warningf logs at Warning.
func Warningf(format string, args ...any) { logger().Log(1, Warning, fmt.Sprintf(format, args...)) }

// Errorf logs at Error.
func Errorf(format string, args ...any) { logger().Log(1, Error, fmt.Sprintf(format, args...)) }

// Depthf logs at s, depth frames above its caller.
func Depthf(depth int, s Severity, format string, args ...any) {
	logger().Log(depth+1, s, fmt.Sprintf(format, args...))
}

// Verbose logs only when its level is wanted; see V.
type Verbose bool

// V is true when lines of verbosity level are wanted: logging.V(1).Infof(...).
func V(level int) Verbose { return Verbose(logger().V(level)) }

// Infof logs at Info if v is true.
func (v Verbose) Infof(format string, args ...any) {
	if v {
		logger().Log(1, Info, fmt.Sprintf(format, args...))
	}
}

// stderrLogger writes glog-formatted lines to standard error.
type stderrLogger struct {
	mu        sync.Mutex
	verbosity int
}

// Stderr is a Logger that writes glog-formatted lines to standard error and
// wants lines up to verbosity.
func Stderr(verbosity int) Logger { return &stderrLogger{verbosity: verbosity} }

func (l *stderrLogger) V(level int) bool { return level <= l.verbosity }

func (l *stderrLogger) Log(depth int, s Severity, msg string) {
	_, file, line, ok := runtime.Caller(depth + 1)
	if !ok {
		file, line = "???", 0
	}
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(os.Stderr, "%c%s %7d %s:%d] %s\n", "IWE"[s], now.Format("0102 15:04:05.000000"),
		os.Getpid(), filepath.Base(file), line, msg)
}

// Flush asks the installed Logger to write out what it buffers, if it
// buffers; the driver calls it before ending its process group.
func Flush() {
	if f, ok := logger().(interface{ Flush() }); ok {
		f.Flush()
	}
}
