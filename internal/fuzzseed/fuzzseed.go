// Package fuzzseed builds the committed seed corpora of the module's fuzz
// targets from real framings, and keeps them reproducible.
//
// Each package with a fuzz target has a TestFuzzSeeds that lists the seeds
// of its targets (taken from the Mesos 1.12 captures committed at the
// module root in testdata/captures/mesos-1.12-dev, read here, and from the
// package's own golden bodies) and hands them to Sync. Normally Sync checks
// that every seed is committed under the package's testdata/fuzz/<Target>/
// exactly as built; with FUZZSEED=write it rewrites those files.
// Regenerate every corpus with:
//
//	FUZZSEED=write go test -run '^TestFuzzSeeds$' ./...
//
// The files Sync owns are named captured-* (from the captures) or golden-*
// (from testdata of the repository). Every other file in a corpus directory
// (a crasher the fuzzer wrote, a regression-* input, a hand-written framing)
// is left alone; `go test` replays them all.
package fuzzseed

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// Env is the environment variable that makes Sync write instead of check.
const Env = "FUZZSEED"

// Command regenerates every corpus.
const Command = "FUZZSEED=write go test -run '^TestFuzzSeeds$' ./..."

// generated are the name prefixes of the files Sync owns.
var generated = []string{"captured-", "golden-"}

// Seed is one corpus entry: a file name and the fuzz arguments, in order.
type Seed struct {
	Name   string
	Values []any
}

// New returns a Seed. Values must be of the types of the target's arguments.
func New(name string, values ...any) Seed { return Seed{Name: name, Values: values} }

// Marshal encodes values in the "go test fuzz v1" format, as the fuzzer
// writes them.
func Marshal(values ...any) []byte {
	b := bytes.NewBufferString("go test fuzz v1\n")
	for _, v := range values {
		switch t := v.(type) {
		case int, int8, int16, int64, uint, uint16, uint32, uint64, bool:
			fmt.Fprintf(b, "%T(%v)\n", t, t)
		case string:
			fmt.Fprintf(b, "string(%q)\n", t)
		case rune:
			if utf8.ValidRune(t) {
				fmt.Fprintf(b, "rune(%q)\n", t)
			} else {
				fmt.Fprintf(b, "int32(%v)\n", t)
			}
		case byte:
			fmt.Fprintf(b, "byte(%q)\n", t)
		case []byte:
			fmt.Fprintf(b, "[]byte(%q)\n", t)
		default:
			panic(fmt.Sprintf("fuzzseed: no corpus encoding for %T", v))
		}
	}
	return b.Bytes()
}

// Writing reports whether FUZZSEED=write asks Sync to write the corpora.
func Writing() bool { return os.Getenv(Env) == "write" }

// Sync checks (or, with FUZZSEED=write, writes) the corpus of target in
// testdata/fuzz/<target> of the current package: one file per seed, seeds
// with the same contents as an earlier one dropped, and no stale file with
// a generated name.
func Sync(t testing.TB, target string, seeds []Seed) {
	t.Helper()
	want := files(t, seeds)
	dir := filepath.Join("testdata", "fuzz", target)
	if Writing() {
		write(t, dir, want)
		return
	}
	for name, data := range want {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("%s/%s is missing or differs from the seed it is built from; run %s", dir, name, Command)
		}
	}
	for _, name := range generatedIn(t, dir) {
		if _, ok := want[name]; !ok {
			t.Errorf("%s/%s is no longer generated; run %s", dir, name, Command)
		}
	}
}

// files maps file names to contents, dropping repeated contents.
func files(t testing.TB, seeds []Seed) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	seen := map[string]string{}
	for _, s := range seeds {
		if !isGenerated(s.Name) || strings.ContainsAny(s.Name, `/\`) {
			t.Fatalf("fuzzseed: seed name %q must start with one of %q and name a file", s.Name, generated)
		}
		if _, dup := out[s.Name]; dup {
			t.Fatalf("fuzzseed: two seeds named %q", s.Name)
		}
		data := Marshal(s.Values...)
		if _, dup := seen[string(data)]; dup {
			continue
		}
		seen[string(data)] = s.Name
		out[s.Name] = data
	}
	if len(out) == 0 {
		t.Fatalf("fuzzseed: no seeds")
	}
	return out
}

func write(t testing.TB, dir string, want map[string][]byte) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range generatedIn(t, dir) {
		if _, ok := want[name]; !ok {
			if err := os.Remove(filepath.Join(dir, name)); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name, data := range want {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("wrote %d seeds to %s", len(want), dir)
}

// generatedIn lists the files of dir with generated names.
func generatedIn(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() && isGenerated(e.Name()) {
			out = append(out, e.Name())
		}
	}
	slices.Sort(out)
	return out
}

func isGenerated(name string) bool {
	for _, p := range generated {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}
