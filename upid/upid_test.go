package upid

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/internal/fuzzseed"
)

func TestParseAcceptsLibprocessForms(t *testing.T) {
	cases := []struct {
		in   string
		want UPID
		out  string
	}{
		{"slave(1)@10.0.0.5:5051", UPID{"slave(1)", "10.0.0.5", 5051}, "slave(1)@10.0.0.5:5051"},
		{"executor(1)@127.0.0.1:0", UPID{"executor(1)", "127.0.0.1", 0}, "executor(1)@127.0.0.1:0"},
		{"@0.0.0.0:0", UPID{"", "0.0.0.0", 0}, "@0.0.0.0:0"},
		{"scheduler-1a2b@Agent-7.Example.com:65535", UPID{"scheduler-1a2b", "agent-7.example.com", 65535}, "scheduler-1a2b@agent-7.example.com:65535"},
		{"master@localhost:5050", UPID{"master", "localhost", 5050}, "master@localhost:5050"},
		{"a(1)@[::1]:5051", UPID{"a(1)", "::1", 5051}, "a(1)@[::1]:5051"},
		{"a@[2001:DB8::1]:1", UPID{"a", "2001:db8::1", 1}, "a@[2001:db8::1]:1"},
		{"a@[::ffff:10.1.2.3]:1", UPID{"a", "10.1.2.3", 1}, "a@10.1.2.3:1"},
		{"id(2)@host_with_underscore:7", UPID{"id(2)", "host_with_underscore", 7}, "id(2)@host_with_underscore:7"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := Parse(c.in)
			require.NoError(t, err)
			require.Equal(t, c.want, got)
			require.Equal(t, c.out, got.String())
		})
	}
}

func TestParseRejectsEveryMalformedFormWithItsReason(t *testing.T) {
	cases := []struct{ in, reason string }{
		{"", "missing '@'"},
		{"slave(1)", "missing '@'"},
		{"slave(1)@", "missing address"},
		{"slave(1)@10.0.0.5", "missing ':port'"},
		{"slave(1)@10.0.0.5:", "empty port"},
		{"slave(1)@:5051", "empty host"},
		{"slave(1)@10.0.0.5:65536", "out of range"},
		{"slave(1)@10.0.0.5:-1", "not a decimal"},
		{"slave(1)@10.0.0.5:+80", "not a decimal"},
		{"slave(1)@10.0.0.5:0x50", "not a decimal"},
		{"slave(1)@::1:5051", "must be in brackets"},
		{"a@[::1:5051", "missing ']'"},
		{"a@[::1]5051", "missing ':port'"},
		{"a@[zz::1]:5051", "not a valid IPv6"},
		{"a@[fe80::1%eth0]:5051", "zone"},
		{"a/b@10.0.0.1:1", "'/'"},
		{"a b@10.0.0.1:1", "control or space"},
		{"a@bad host:1", "invalid byte"},
		{"a@-lead.example:1", "starts or ends with '-'"},
		{"a@double..dot:1", "must be 1-63 bytes"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			_, err := Parse(c.in)
			require.Error(t, err)
			require.ErrorIs(t, err, ErrSyntax)
			var pe *ParseError
			require.ErrorAs(t, err, &pe)
			require.Equal(t, c.in, pe.Input)
			require.Contains(t, pe.Reason, c.reason)
		})
	}
}

func TestEqualityIsValueEquality(t *testing.T) {
	a := MustParse("slave(1)@10.0.0.5:5051")
	b := MustParse("slave(1)@10.0.0.5:5051")
	require.True(t, a == b)
	require.NotEqual(t, a, MustParse("slave(2)@10.0.0.5:5051"))
	require.NotEqual(t, a, MustParse("slave(1)@10.0.0.5:5052"))
	require.Equal(t, MustParse("a@[0:0::1]:1"), MustParse("a@[::1]:1"), "IPv6 is canonicalised")
	require.Equal(t, MustParse("a@Host:1"), MustParse("a@host:1"), "hostnames compare case-insensitively")
}

func TestZeroUPID(t *testing.T) {
	var z UPID
	require.True(t, z.IsZero())
	require.Equal(t, "", z.String())
	require.False(t, MustParse("@0.0.0.0:0").IsZero(), "an empty id with an address is not zero")
}

func TestNewValidatesParts(t *testing.T) {
	u, err := New("executor(1)", "::1", 80)
	require.NoError(t, err)
	require.Equal(t, "executor(1)@[::1]:80", u.String())
	_, err = New("bad/id", "host", 1)
	require.ErrorIs(t, err, ErrSyntax)
}

func TestTextMarshalling(t *testing.T) {
	var u UPID
	require.NoError(t, u.UnmarshalText([]byte("slave(1)@1.2.3.4:5")))
	text, err := u.MarshalText()
	require.NoError(t, err)
	require.Equal(t, "slave(1)@1.2.3.4:5", string(text))
	require.Error(t, u.UnmarshalText([]byte("nope")))
}

func TestResolveKeepsLiteralsAndLooksUpNamesOnlyWhenAsked(t *testing.T) {
	lit := MustParse("a@10.1.1.1:5")
	got, err := Resolve(context.Background(), nil, lit)
	require.NoError(t, err)
	require.Equal(t, lit, got)

	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
		return nil, errors.New("no DNS in tests")
	}}
	_, err = Resolve(context.Background(), r, MustParse("a@no-such-host.invalid:5"))
	require.ErrorContains(t, err, "no-such-host.invalid")
}

func TestMustParsePanicsOnBadInput(t *testing.T) {
	require.Panics(t, func() { MustParse("bad") })
}

// FuzzParseRoundTrip: Parse never panics; what it refuses it refuses with
// a *ParseError that wraps ErrSyntax and names the input; what it accepts
// prints as a string that parses back to the same UPID (so String is
// canonical), that New rebuilds from the parts, and that the text
// marshalling methods agree with. The committed corpus holds every UPID of
// the captures (see TestFuzzSeeds).
func FuzzParseRoundTrip(f *testing.F) {
	for _, s := range []string{
		"slave(1)@10.0.0.5:5051", "executor(1)@127.0.0.1:41235", "@0.0.0.0:0",
		"a(1)@[::1]:5051", "master@localhost:5050", "x@[::ffff:1.2.3.4]:9", "bad", "a@b:c:1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := Parse(s)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || !errors.Is(err, ErrSyntax) || pe.Input != s {
				t.Fatalf("Parse(%q) fails with %T %v, not a *ParseError for the input wrapping ErrSyntax", s, err, err)
			}
			return
		}
		if u.IsZero() || u.String() == "" {
			t.Fatalf("Parse(%q) accepts the zero UPID", s)
		}
		again, err := Parse(u.String())
		if err != nil {
			t.Fatalf("Parse(%q) = %#v, but its String %q does not parse: %v", s, u, u.String(), err)
		}
		if again != u {
			t.Fatalf("round trip changed %q: %#v -> %q -> %#v", s, u, u.String(), again)
		}
		if built, err := New(u.ID, u.Host, u.Port); err != nil || built != u {
			t.Fatalf("New(%q, %q, %d) = %#v, %v; want %#v", u.ID, u.Host, u.Port, built, err, u)
		}
		text, _ := u.MarshalText()
		var back UPID
		if err := back.UnmarshalText(text); err != nil || back != u || string(text) != u.String() {
			t.Fatalf("text marshalling of %#v: %q, %#v, %v", u, text, back, err)
		}
	})
}

// TestFuzzSeeds checks (with FUZZSEED=write, rewrites) the committed corpus
// of FuzzParseRoundTrip: every UPID the captures carry (senders,
// pids inside bodies, MESOS_SLAVE_PID) and every Host header value, which
// is an address without an id (see internal/fuzzseed).
func TestFuzzSeeds(t *testing.T) {
	var seeds []fuzzseed.Seed
	for _, s := range fuzzseed.UPIDs(t) {
		id, addr, _ := strings.Cut(s, "@")
		_, port, _ := strings.Cut(addr, ":")
		name := strings.NewReplacer("(", "", ")", "").Replace(id)
		if name == "" {
			name = "noid"
		}
		seeds = append(seeds, fuzzseed.New("captured-"+name+"-port"+port, s))
	}
	hosts := map[string]bool{}
	for _, x := range fuzzseed.Exchanges(t) {
		if h := x.Req.Host; h != "" && !hosts[h] {
			hosts[h] = true
			_, port, _ := strings.Cut(h, ":")
			seeds = append(seeds, fuzzseed.New("captured-host-port"+port, h))
		}
	}
	fuzzseed.Sync(t, "FuzzParseRoundTrip", seeds)
}
