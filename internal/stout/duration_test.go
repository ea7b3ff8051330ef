package stout

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseDurationAcceptsStoutForms(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"5secs": 5 * time.Second, "15mins": 15 * time.Minute, "1.5secs": 1500 * time.Millisecond,
		"250ms": 250 * time.Millisecond, "10ns": 10, "3us": 3 * time.Microsecond, "2hrs": 2 * time.Hour,
		"1days": 24 * time.Hour, "1weeks": 7 * 24 * time.Hour, "0secs": 0, ".5secs": 500 * time.Millisecond,
	} {
		got, err := ParseDuration(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
}

func TestParseDurationRejectsWithReason(t *testing.T) {
	for in, reason := range map[string]string{
		"5": "no unit", "5s": "no unit", "secs": "not a non-negative", "-1secs": "not a non-negative",
		"1 secs": "not a non-negative", "1e3secs": "not a non-negative", "NaNsecs": "not a non-negative",
		"1.2.3secs": "not a non-negative", "99999999999weeks": "too long", "": "no unit",
	} {
		_, err := ParseDuration(in)
		require.ErrorContains(t, err, reason, in)
	}
}

func TestFormatDurationRoundTrips(t *testing.T) {
	for d, want := range map[time.Duration]string{
		5 * time.Second: "5secs", 15 * time.Minute: "15mins", 10 * 24 * time.Hour: "10days",
		14 * 24 * time.Hour: "2weeks", 1500 * time.Millisecond: "1500ms", 0: "0ns", 2*time.Second + 1: "2000000001ns",
	} {
		require.Equal(t, want, FormatDuration(d))
		back, err := ParseDuration(want)
		require.NoError(t, err)
		require.Equal(t, d, back)
	}
}

// The largest count of nanoseconds is refused, not wrapped to a negative
// duration (float64(math.MaxInt64) rounds up to 2^63).
func TestParseDurationRefusesWhatOverflows(t *testing.T) {
	for _, s := range []string{"9223372036854775807ns", "9223372036854775808ns", "106752days"} {
		d, err := ParseDuration(s)
		require.Error(t, err, "%s gave %v", s, d)
	}
	d, err := ParseDuration("106751days")
	require.NoError(t, err)
	require.Positive(t, d)
}
