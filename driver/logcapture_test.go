package driver_test

import (
	"testing"
	"time"

	"github.com/mesos-shim/executor/logging/logtest"
)

// logCapture keeps every line of the library, at every verbosity, so tests
// can wait for the line a piece of bad input must produce, or check that a
// secret appears in none.
type logCapture struct{ *logtest.Recorder }

// captureLogs installs a logCapture for the rest of the test.
func captureLogs(t *testing.T) logCapture { return logCapture{logtest.Capture(t)} }

// mark is a position in the log: wait looks only at lines after it.
func (l logCapture) mark() int { return l.Mark() }

// wait returns the first line after from that holds every one of parts,
// waiting up to d for it.
func (l logCapture) wait(t *testing.T, from int, d time.Duration, parts ...string) string {
	t.Helper()
	return l.Wait(t, from, d, parts...)
}

// since is every line after from, one per line.
func (l logCapture) since(from int) string { return l.Since(from) }

// all is a copy of every line so far.
func (l logCapture) all() []string { return l.Lines() }
