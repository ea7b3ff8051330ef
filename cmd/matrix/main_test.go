package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/compat/agentsim"
	"github.com/mesos-shim/executor/compat/matrix"
)

func parse(args ...string) (options, error) {
	fs := flag.NewFlagSet("matrix", flag.ContinueOnError)
	fs.SetOutput(&bytes.Buffer{})
	return parseFlags(fs, args)
}

func TestParseFlags(t *testing.T) {
	opts, err := parse()
	require.NoError(t, err)
	require.Nil(t, opts.matrix.Profiles, "every profile")
	require.Equal(t, matrix.DefaultParallel, opts.matrix.Parallel)

	opts, err = parse("-executor", "x", "-profiles", "0.20, 1.12", "-scenarios", "kill,shutdown", "-modes", "v1", "--", "--flag")
	require.NoError(t, err)
	require.Equal(t, []agentsim.Profile{agentsim.Mesos020, agentsim.Mesos112}, opts.matrix.Profiles)
	require.Equal(t, []string{"kill", "shutdown"}, opts.matrix.Scenarios)
	require.Equal(t, []matrix.Mode{matrix.V1}, opts.matrix.Modes)
	require.Equal(t, []string{"--flag"}, opts.args)

	_, err = parse("-profiles", "9.9")
	require.ErrorContains(t, err, "no profile")
}

// A failed cell makes the exit status 1, prints the table all the same,
// and goes to the log with its trace.
func TestRunExitsOneOnAFailure(t *testing.T) {
	dir := t.TempDir()
	opts, err := parse("-executor", "/nonexistent/executor", "-profiles", "1.12", "-scenarios", "register",
		"-modes", "auto", "-o", filepath.Join(dir, "m.md"), "-log", filepath.Join(dir, "m.log"))
	require.NoError(t, err)
	var stdout, stderr bytes.Buffer
	require.Equal(t, 1, run(context.Background(), opts, &stdout, &stderr))
	require.Contains(t, stdout.String(), "| register | 1.12 | FAIL: the script runs to its end: start the executor")
	require.Contains(t, stderr.String(), "FAIL 1.12/register/auto")
	md, err := os.ReadFile(filepath.Join(dir, "m.md"))
	require.NoError(t, err)
	require.Equal(t, stdout.String(), string(md))
	log, err := os.ReadFile(filepath.Join(dir, "m.log"))
	require.NoError(t, err)
	require.Contains(t, string(log), "agent trace:")
}

func TestRunRefusesAnUnknownScenario(t *testing.T) {
	opts, err := parse("-executor", "x", "-scenarios", "nope")
	require.NoError(t, err)
	var stdout, stderr bytes.Buffer
	require.Equal(t, 2, run(context.Background(), opts, &stdout, &stderr))
	require.Contains(t, stderr.String(), `no scenario "nope"`)
}
