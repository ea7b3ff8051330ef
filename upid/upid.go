package upid

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// UPID identifies a libprocess process: ID at Host:Port.
//
// The zero UPID is invalid; use IsZero to test for it. UPID is a comparable
// value: two UPIDs are equal (==) when their ID, Host and Port are equal.
// Host is kept in canonical form by Parse and New, so equal addresses compare
// equal however they were written.
type UPID struct {
	// ID is the process id, e.g. "slave(1)". It may be empty.
	ID string
	// Host is an IPv4 or IPv6 literal or a hostname, without brackets.
	Host string
	// Port is the TCP port of the process's HTTP listener.
	Port uint16
}

// ErrSyntax is wrapped by every error Parse returns; test with errors.Is.
var ErrSyntax = errors.New("upid: invalid syntax")

// ParseError describes why a string is not a UPID.
type ParseError struct {
	Input  string // the text given to Parse
	Reason string // what is wrong with it
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("upid: cannot parse %q: %s", e.Input, e.Reason)
}

// Unwrap lets errors.Is(err, ErrSyntax) succeed.
func (e *ParseError) Unwrap() error { return ErrSyntax }

// Parse reads "id@host:port". It never resolves names. Every malformed form is
// reported with a ParseError naming the problem.
func Parse(s string) (UPID, error) {
	fail := func(reason string, args ...any) (UPID, error) {
		return UPID{}, &ParseError{Input: s, Reason: fmt.Sprintf(reason, args...)}
	}
	id, addr, ok := strings.Cut(s, "@")
	if !ok {
		return fail("missing '@' between id and address")
	}
	if err := checkID(id); err != nil {
		return fail("%v", err)
	}
	host, portText, err := splitHostPort(addr)
	if err != nil {
		return fail("%v", err)
	}
	port, err := parsePort(portText)
	if err != nil {
		return fail("%v", err)
	}
	host, err = canonicalHost(host)
	if err != nil {
		return fail("%v", err)
	}
	return UPID{ID: id, Host: host, Port: port}, nil
}

// MustParse is Parse for literals in tests and examples; it panics on error.
func MustParse(s string) UPID {
	u, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// New builds a UPID from its parts, validating them as Parse would.
func New(id, host string, port uint16) (UPID, error) {
	return Parse(UPID{ID: id, Host: host, Port: port}.String())
}

// String prints the UPID as libprocess does: "id@host:port", with an IPv6
// host in brackets. The zero UPID prints as "".
func (u UPID) String() string {
	if u.IsZero() {
		return ""
	}
	return u.ID + "@" + u.HostPort()
}

// HostPort is the "host:port" (or "[v6]:port") address of the process.
func (u UPID) HostPort() string {
	return net.JoinHostPort(u.Host, strconv.Itoa(int(u.Port)))
}

// IsZero reports whether u is the zero (invalid) UPID.
func (u UPID) IsZero() bool { return u == UPID{} }

// MarshalText implements encoding.TextMarshaler.
func (u UPID) MarshalText() ([]byte, error) { return []byte(u.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler using Parse.
func (u *UPID) UnmarshalText(text []byte) error {
	p, err := Parse(string(text))
	if err != nil {
		return err
	}
	*u = p
	return nil
}

// Resolve returns the UPID with its host replaced by an IP address, looking
// the name up with r (net.DefaultResolver when nil) if it is not a literal.
// Like libprocess it prefers IPv4 addresses.
func Resolve(ctx context.Context, r *net.Resolver, u UPID) (UPID, error) {
	if _, err := netip.ParseAddr(u.Host); err == nil {
		return u, nil
	}
	if r == nil {
		r = net.DefaultResolver
	}
	addrs, err := r.LookupNetIP(ctx, "ip", u.Host)
	if err != nil {
		return UPID{}, fmt.Errorf("upid: resolving %q: %w", u.Host, err)
	}
	best, ok := preferIPv4(addrs)
	if !ok {
		return UPID{}, fmt.Errorf("upid: resolving %q: no addresses", u.Host)
	}
	u.Host = best.Unmap().String()
	return u, nil
}

func preferIPv4(addrs []netip.Addr) (netip.Addr, bool) {
	for _, a := range addrs {
		if a.Unmap().Is4() {
			return a, true
		}
	}
	if len(addrs) > 0 {
		return addrs[0], true
	}
	return netip.Addr{}, false
}
