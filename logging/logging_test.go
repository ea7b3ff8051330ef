package logging

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// recorder is a Logger that keeps what it is given.
type recorder struct {
	lines     []string
	verbosity int
	flushed   bool
}

func (r *recorder) Log(_ int, s Severity, msg string) {
	r.lines = append(r.lines, string("IWE"[s])+" "+msg)
}
func (r *recorder) V(level int) bool { return level <= r.verbosity }
func (r *recorder) Flush()           { r.flushed = true }

func TestLinesGoToTheInstalledLogger(t *testing.T) {
	r := &recorder{verbosity: 1}
	Set(r)
	defer Set(nil)
	Infof("a %d", 1)
	Warningf("b")
	Errorf("c")
	V(1).Infof("verbose %s", "yes")
	V(2).Infof("too verbose")
	Depthf(0, Warning, "deep")
	Flush()
	require.Equal(t, []string{"I a 1", "W b", "E c", "I verbose yes", "W deep"}, r.lines)
	require.True(t, r.flushed)
}

func TestTheDefaultWritesGlogLinesToStderr(t *testing.T) {
	rd, wr, err := os.Pipe()
	require.NoError(t, err)
	saved := os.Stderr
	os.Stderr = wr
	Set(nil)
	Warningf("hello %s", "there")
	V(1).Infof("not wanted at verbosity 0")
	os.Stderr = saved
	wr.Close()
	out, err := readAll(rd)
	require.NoError(t, err)
	require.Regexp(t, `^W\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ logging_test\.go:\d+\] hello there\n$`, out)
}

func readAll(f *os.File) (string, error) {
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := f.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return b.String(), nil
		}
	}
}

// The library must not register glog's flags in programs that embed it:
// none of its packages may depend on glog; only logging/glogger does.
func TestTheLibraryDoesNotImportGlog(t *testing.T) {
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	cmd := exec.Command(goTool, "list", "-deps", "../driver", "../messenger", "../compat", "../compat/httpapi",
		"../compat/agentsim", "../compat/matrix", "../compat/mesosgov0", "../upid", "../mesosproto", "../recordio", ".")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.NotContains(t, string(out), "github.com/golang/glog")
}
