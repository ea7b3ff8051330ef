// Package leakcheck fails a test binary that leaves goroutines running
// after its tests have finished. Use it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(leakcheck.Run(m)) }
package leakcheck

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// settle is how long goroutines get to finish after the last test: closing
// a connection ends its reader goroutine a moment later.
const settle = 5 * time.Second

// ignored are goroutines that live for the whole process by design.
var ignored = []string{
	"testing.(*M).",
	"testing.(*T).Run",
	"testing.tRunner",
	"runtime.goexit",
	"github.com/golang/glog.(*fileSink).flushDaemon",
	"github.com/golang/glog.(*loggingT).flushDaemon",
	"os/signal.signal_recv",
	"os/signal.loop",
	"created by runtime.gc",
	"runtime.ensureSigM",
}

// Run runs the tests and then, if they passed, checks that no goroutine was
// left behind. It returns the exit code for os.Exit.
func Run(m *testing.M) int {
	code := m.Run()
	if code != 0 {
		return code
	}
	if leaked := wait(settle); len(leaked) > 0 {
		fmt.Fprintf(os.Stderr, "leakcheck: %d goroutine(s) still running after the tests:\n\n%s\n",
			len(leaked), strings.Join(leaked, "\n\n"))
		return 1
	}
	return 0
}

// wait polls until only expected goroutines remain or d has passed, and
// returns the unexpected ones.
func wait(d time.Duration) []string {
	deadline := time.Now().Add(d)
	for {
		leaked := unexpected()
		if len(leaked) == 0 || time.Now().After(deadline) {
			return leaked
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func unexpected() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if isCurrent(g) || isIgnored(g) {
			continue
		}
		out = append(out, g)
	}
	return out
}

func isCurrent(stack string) bool { return strings.Contains(stack, "leakcheck.unexpected") }

func isIgnored(stack string) bool {
	lines := strings.SplitN(stack, "\n", 3)
	if len(lines) < 2 {
		return true
	}
	for _, ig := range ignored {
		if strings.Contains(lines[1], ig) || (strings.HasPrefix(ig, "created by") && strings.Contains(stack, ig)) {
			return true
		}
	}
	return strings.Contains(stack, "github.com/golang/glog")
}
