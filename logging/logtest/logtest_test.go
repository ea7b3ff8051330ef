package logtest

import (
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/logging"
)

func TestWaitFindsALineLoggedLaterAndOnlyAfterTheMark(t *testing.T) {
	r := Capture(t)
	logging.Warningf("early: %d", 1)
	from := r.Mark()
	go logging.V(3).Infof("late: %s", "x")
	require.Equal(t, "I late: x", r.Wait(t, from, 5*time.Second, "late", "x"))
	require.Equal(t, []string{"W early: 1", "I late: x"}, r.Lines())
	require.Equal(t, "I late: x", r.Since(from))
}

func TestWaitFailsTheTestWhenNoLineComes(t *testing.T) {
	r := Capture(t)
	logging.Errorf("something else")
	ft := &fakeT{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.Wait(ft, 0, 10*time.Millisecond, "never")
	}()
	<-done
	require.True(t, ft.failed)
}

// fakeT records Fatalf instead of ending the test.
type fakeT struct {
	testing.TB
	failed bool
}

func (f *fakeT) Helper() {}
func (f *fakeT) Fatalf(string, ...any) {
	f.failed = true
	runtime.Goexit()
}
