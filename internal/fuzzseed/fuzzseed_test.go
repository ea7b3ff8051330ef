package fuzzseed

import (
	"os"
	"path/filepath"
	"testing"
)

// Marshal writes what the fuzzer writes; go test replays every committed
// corpus, so a format it cannot read fails there too.
func TestMarshalWritesTheFuzzerFormat(t *testing.T) {
	got := string(Marshal([]byte("a\x00\xff\""), "é\n", byte(7), int64(-3), uint16(9), true, rune('x')))
	want := "go test fuzz v1\n" +
		"[]byte(\"a\\x00\\xff\\\"\")\n" +
		"string(\"é\\n\")\n" +
		"byte('\\a')\n" +
		"int64(-3)\n" +
		"uint16(9)\n" +
		"bool(true)\n" +
		"rune('x')\n"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

// Sync writes only the seeds it is given, drops repeated contents, removes
// stale generated files and keeps every other file.
func TestSyncWritesAndKeeps(t *testing.T) {
	t.Chdir(t.TempDir())
	corpus := filepath.Join("testdata", "fuzz", "FuzzX")
	if err := os.MkdirAll(corpus, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"captured-stale", "regression-kept", "0123456789abcdef"} {
		if err := os.WriteFile(filepath.Join(corpus, name), Marshal([]byte(name)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv(Env, "write")
	Sync(t, "FuzzX", []Seed{New("captured-a", []byte("x")), New("captured-b", []byte("x")), New("golden-c", []byte("y"))})
	entries, _ := os.ReadDir(corpus)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{"0123456789abcdef", "captured-a", "golden-c", "regression-kept"}
	if len(names) != len(want) {
		t.Fatalf("corpus holds %v, want %v", names, want)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Fatalf("corpus holds %v, want %v", names, want)
		}
	}
	t.Setenv(Env, "")
	Sync(t, "FuzzX", []Seed{New("captured-a", []byte("x")), New("golden-c", []byte("y"))})
}
