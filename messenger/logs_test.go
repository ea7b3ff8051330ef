package messenger

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mesos-shim/executor/logging"
)

// logCapture is a logging.Logger that keeps every line, so tests can wait
// for the line a refusal must produce.
type logCapture struct {
	mu      sync.Mutex
	lines   []string
	changed chan struct{}
}

// captureLogs installs a logCapture, at every verbosity, for the rest of
// the test.
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

// wait returns the first line holding every one of parts, waiting for it.
func (l *logCapture) wait(t *testing.T, parts ...string) string {
	t.Helper()
	deadline := time.After(waitFor)
	for {
		l.mu.Lock()
		for _, line := range l.lines {
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
			t.Fatalf("no log line with %q; lines:\n%s", parts, l.String())
		}
	}
}

func (l *logCapture) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
