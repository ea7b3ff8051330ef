// Package stout reads and writes values in the formats of Mesos' stout
// library, as agents put them in an executor's environment.
package stout

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// units are stout's duration units, smallest first.
var units = []struct {
	suffix string
	d      time.Duration
}{
	{"ns", time.Nanosecond},
	{"us", time.Microsecond},
	{"ms", time.Millisecond},
	{"secs", time.Second},
	{"mins", time.Minute},
	{"hrs", time.Hour},
	{"days", 24 * time.Hour},
	{"weeks", 7 * 24 * time.Hour},
}

// matchOrder tries the longer suffixes first: "mins" ends in "ns".
var matchOrder = append(append(units[:0:0], units[3:]...), units[:3]...)

// ParseDuration reads a stout duration: a non-negative decimal number,
// fraction allowed, directly followed by one of ns, us, ms, secs, mins, hrs,
// days or weeks, for example "5secs", "15mins", "1.5secs" or "250ms".
func ParseDuration(s string) (time.Duration, error) {
	for _, u := range matchOrder {
		num, ok := strings.CutSuffix(s, u.suffix)
		if !ok {
			continue
		}
		return scale(s, num, u.d)
	}
	return 0, fmt.Errorf("duration %q has no unit (want one of ns, us, ms, secs, mins, hrs, days, weeks)", s)
}

func scale(s, num string, unit time.Duration) (time.Duration, error) {
	if num == "" || num[0] == '+' || num[0] == '-' || strings.ContainsAny(num, "eEiInN_ ") {
		return 0, fmt.Errorf("duration %q: %q is not a non-negative decimal number", s, num)
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("duration %q: %q is not a non-negative decimal number", s, num)
	}
	d := v * float64(unit)
	if d >= math.MaxInt64 { // float64(math.MaxInt64) is 2^63, one past the largest Duration
		return 0, fmt.Errorf("duration %q is too long", s)
	}
	return time.Duration(math.Round(d)), nil
}

// FormatDuration writes d as stout does: with the largest unit that gives a
// whole number, or a fractional number of seconds-or-smaller units otherwise.
func FormatDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	for i := len(units) - 1; i >= 0; i-- {
		if u := units[i]; d >= u.d && d%u.d == 0 {
			return strconv.FormatInt(int64(d/u.d), 10) + u.suffix
		}
	}
	if d == 0 {
		return "0ns"
	}
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "secs"
}
