package messenger

import (
	"testing"

	"github.com/mesos-shim/executor/logging/logtest"
)

// logCapture keeps every log line, so tests can wait for the line a
// refusal must produce.
type logCapture struct{ *logtest.Recorder }

// captureLogs installs a logCapture, at every verbosity, for the rest of
// the test.
func captureLogs(t *testing.T) logCapture { return logCapture{logtest.Capture(t)} }

// wait returns the first line holding every one of parts, waiting for it.
func (l logCapture) wait(t *testing.T, parts ...string) string {
	t.Helper()
	return l.Wait(t, 0, waitFor, parts...)
}

func (l logCapture) String() string { return l.Since(0) }
