package driver_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mesos-shim/executor/logging"
)

// logCapture is a logging.Logger that keeps every line of the library, at
// every verbosity, so tests can wait for the line a piece of bad input
// must produce, or check that a secret appears in none.
type logCapture struct {
	mu      sync.Mutex
	lines   []string
	changed chan struct{}
}

// captureLogs installs a logCapture for the rest of the test.
func captureLogs(t *testing.T) *logCapture {
	l := &logCapture{changed: make(chan struct{})}
	logging.Set(l)
	t.Cleanup(func() { logging.Set(nil) })
	return l
}

func (l *logCapture) V(int) bool { return true }

func (l *logCapture) Log(_ int, s logging.Severity, msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf("%c %s", "IWE"[s], msg))
	close(l.changed)
	l.changed = make(chan struct{})
}

// mark is a position in the log: wait looks only at lines after it.
func (l *logCapture) mark() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.lines)
}

// wait returns the first line after from that holds every one of parts,
// waiting up to d for it.
func (l *logCapture) wait(t *testing.T, from int, d time.Duration, parts ...string) string {
	t.Helper()
	deadline := time.After(d)
	for {
		l.mu.Lock()
		for _, line := range l.lines[from:] {
			if containsAll(line, parts) {
				l.mu.Unlock()
				return line
			}
		}
		changed := l.changed
		l.mu.Unlock()
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("no log line with %q; lines since the case began:\n%s", parts, l.since(from))
			return ""
		}
	}
}

// since is every line after from, one per line.
func (l *logCapture) since(from int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines[from:], "\n")
}

// all is a copy of every line so far.
func (l *logCapture) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
