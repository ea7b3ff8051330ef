package main

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/compat/agentsim"
	"github.com/mesos-shim/executor/internal/leakcheck"
)

func TestMain(m *testing.M) { os.Exit(leakcheck.Run(m)) }

func TestParseFlags(t *testing.T) {
	parse := func(args ...string) (options, error) {
		fs := flag.NewFlagSet("agentsim", flag.ContinueOnError)
		fs.SetOutput(&bytes.Buffer{})
		return parseFlags(fs, args)
	}
	opts, err := parse("-executor", "x")
	require.NoError(t, err)
	require.Equal(t, agentsim.Newest(), opts.profile)
	require.Equal(t, "demo", opts.scenario.name)

	for _, p := range agentsim.Profiles() {
		opts, err = parse("-executor", "x", "-profile", p.Name)
		require.NoError(t, err)
		require.Equal(t, p, opts.profile)
	}
	opts, err = parse("-executor", "x", "-profile", "0.25")
	require.NoError(t, err)
	require.Equal(t, agentsim.V1Stub, opts.profile.V1)

	_, err = parse()
	require.ErrorContains(t, err, "-executor")
	_, err = parse("-executor", "x", "-profile", "9.9")
	require.ErrorContains(t, err, "no profile")
	_, err = parse("-executor", "x", "-scenario", "nope")
	require.ErrorContains(t, err, "no scenario")
}

// The demo against the real examples/command-executor, built here: what
// `make demo` runs, on every agent generation, whichever wire the executor
// picks there.
func TestDemoPassesWithTheCommandExecutor(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs examples/command-executor")
	}
	bin := buildCommandExecutor(t)
	for _, p := range agentsim.Profiles() {
		t.Run(p.Name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			code := run(options{executor: bin, profile: p, scenario: demo, timeout: 30 * time.Second}, &buf)
			lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
			require.Zero(t, code, "%s", buf.String())
			require.Equal(t, "VERDICT: PASS", lines[len(lines)-1])
			require.Contains(t, buf.String(), "\nwire: v")
		})
	}
}

// The override reaches the executor through the agent's environment: on
// the newest agent, the demo runs on the legacy wire when asked.
func TestDemoOnTheLegacyWireWhenAsked(t *testing.T) {
	var buf bytes.Buffer
	code := run(options{executor: buildCommandExecutor(t), profile: agentsim.Newest(), scenario: demo,
		timeout: 30 * time.Second, protocol: "v0"}, &buf)
	require.Zero(t, code, "%s", buf.String())
	require.Contains(t, buf.String(), "wire: v0")
}

func TestOrphanExitsOnItsOwn(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs examples/command-executor")
	}
	bin := buildCommandExecutor(t)
	for _, p := range agentsim.Profiles() {
		t.Run(p.Name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			code := run(options{executor: bin, profile: p, scenario: orphan, timeout: 30 * time.Second}, &buf)
			require.Zero(t, code, "%s", buf.String())
		})
	}
}

// buildCommandExecutor builds examples/command-executor once per test.
func buildCommandExecutor(t *testing.T) string {
	bin := filepath.Join(t.TempDir(), "command-executor")
	build := exec.Command("go", "build", "-o", bin, "github.com/mesos-shim/executor/examples/command-executor")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)
	return bin
}

func TestDemoFailsWithoutAnExecutor(t *testing.T) {
	var buf bytes.Buffer
	code := run(options{executor: "/nonexistent/executor", profile: agentsim.Newest(), scenario: demo, timeout: 5 * time.Second}, &buf)
	require.Equal(t, 1, code)
	require.Contains(t, buf.String(), "VERDICT: FAIL: the script runs to its end: launch the executor")
}
