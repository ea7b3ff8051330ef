// Package logtest captures the library's log lines in tests: every line,
// at every verbosity, with a way to wait for the one an event must
// produce. It installs itself with logging.Set, so it sees this module's
// lines whichever package logs them.
//
//	logs := logtest.Capture(t)
//	from := logs.Mark()
//	// ... inject something ...
//	logs.Wait(t, from, 5*time.Second, "driver: dropping", "not our agent")
package logtest

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mesos-shim/executor/logging"
)

// Recorder is a logging.Logger that keeps every line as "<I|W|E> <text>".
type Recorder struct {
	mu      sync.Mutex
	lines   []string
	changed chan struct{}
}

// Capture installs a Recorder for the rest of the test (and puts the
// default logger back after it).
func Capture(t testing.TB) *Recorder {
	r := &Recorder{changed: make(chan struct{})}
	logging.Set(r)
	t.Cleanup(func() { logging.Set(nil) })
	return r
}

// V implements logging.Logger: every verbosity is wanted.
func (r *Recorder) V(int) bool { return true }

// Log implements logging.Logger.
func (r *Recorder) Log(_ int, s logging.Severity, msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, fmt.Sprintf("%c %s", "IWE"[s], msg))
	close(r.changed)
	r.changed = make(chan struct{})
}

// Mark is the current position in the log, for Wait and Since.
func (r *Recorder) Mark() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.lines)
}

// Wait returns the first line after position from that contains every one
// of parts, waiting up to d for it; the test fails if none comes.
func (r *Recorder) Wait(t testing.TB, from int, d time.Duration, parts ...string) string {
	t.Helper()
	deadline := time.After(d)
	for {
		r.mu.Lock()
		for _, line := range r.lines[from:] {
			if containsAll(line, parts) {
				r.mu.Unlock()
				return line
			}
		}
		changed := r.changed
		r.mu.Unlock()
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("no log line with %q; lines since position %d:\n%s", parts, from, r.Since(from))
			return ""
		}
	}
}

// Since is every line after position from, one per line.
func (r *Recorder) Since(from int) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.lines[from:], "\n")
}

// Lines is a copy of every line so far.
func (r *Recorder) Lines() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.lines...)
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
