package stout

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mesos-shim/executor/internal/fuzzseed"
)

// exact is the largest count of units a float64, which ParseDuration reads
// numbers as (as stout does, with strtod), holds exactly: 2^53.
const exact = 1 << 53

// FuzzParseDuration: ParseDuration never panics and never gives a negative
// duration, and what it reads prints with FormatDuration as text it reads
// back to the same duration, whenever that text's count of units is one a
// float64 holds exactly. The committed corpus holds every duration of the
// captures' environments (see TestFuzzSeeds).
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"5secs", "1.5secs", ".5ms", "99999999999weeks", "1e3secs", "0ns", "5", "mins"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			return
		}
		if d < 0 {
			t.Fatalf("ParseDuration(%q) = %v, negative", s, d)
		}
		checkFormat(t, d)
	})
}

// FuzzFormatDuration: FormatDuration of any duration (a negative one is 0)
// is text ParseDuration reads back to it, whenever its count of units is
// one a float64 holds exactly.
func FuzzFormatDuration(f *testing.F) {
	for _, d := range []time.Duration{0, 1, -1, 5 * time.Second, 1<<63 - 1, exact + 1} {
		f.Add(int64(d))
	}
	f.Fuzz(func(t *testing.T, n int64) { checkFormat(t, time.Duration(n)) })
}

func checkFormat(t *testing.T, d time.Duration) {
	text := FormatDuration(d)
	count, err := strconv.ParseUint(strings.TrimRight(text, "abcdefghijklmnopqrstuvwxyz"), 10, 64)
	if err != nil {
		t.Fatalf("FormatDuration(%d) = %q: not a whole count of units", d, text)
	}
	if count > exact {
		return // as in stout, such a count is read as the nearest float64
	}
	back, err := ParseDuration(text)
	if want := max(d, 0); err != nil || back != want {
		t.Fatalf("FormatDuration(%d) = %q, read back as %d (%v)", d, text, back, err)
	}
}

// TestFuzzSeeds checks (with FUZZSEED=write, rewrites) the committed
// corpora (see internal/fuzzseed): every duration the agent put in an
// executor's environment in the captures, as text for
// FuzzParseDuration and as read for FuzzFormatDuration.
func TestFuzzSeeds(t *testing.T) {
	var text, parsed []fuzzseed.Seed
	seen := map[string]bool{}
	for _, vars := range fuzzseed.EnvFiles(t) {
		for name, value := range vars {
			seed := "captured-" + strings.ToLower(strings.TrimPrefix(name, "MESOS_")) + "-" + value
			if d, err := ParseDuration(value); err == nil && !seen[seed] {
				seen[seed] = true
				text = append(text, fuzzseed.New(seed, value))
				parsed = append(parsed, fuzzseed.New(seed, int64(d)))
			}
		}
	}
	byName := func(a, b fuzzseed.Seed) int { return strings.Compare(a.Name, b.Name) }
	slices.SortFunc(text, byName)
	slices.SortFunc(parsed, byName)
	fuzzseed.Sync(t, "FuzzParseDuration", text)
	fuzzseed.Sync(t, "FuzzFormatDuration", parsed)
}
