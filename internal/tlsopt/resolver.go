package tlsopt

import (
	"context"
	"net"
	"net/netip"
	"slices"
	"sync/atomic"
	"time"
)

// Resolver answers the lookups certificate verification makes under
// libprocess's legacy hostname validation: the peer's host name from its
// address, and the address of a host name dialled. *net.Resolver is one.
type Resolver interface {
	LookupAddr(ctx context.Context, addr string) ([]string, error)
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// DefaultLookupTimeout bounds the lookups of one verification together.
// libprocess waits as long as the system resolver takes, blocking its
// event loop; here the wait holds up one handshake, which has to fit in
// the dial timeout (5 s by default) with room to spare.
const DefaultLookupTimeout = 2 * time.Second

// resolverBox lets an interface value sit in an atomic.Pointer.
type resolverBox struct{ r Resolver }

// shared is the Resolver of verifications that name none; nil: the
// system's. Atomic because handshakes read it on their own goroutines.
var shared atomic.Pointer[resolverBox]

// SetResolver makes r answer the lookups of every verification without a
// Resolver of its own (nil: the system's again), and returns the one it
// replaces. It is for tests of code that builds its verification from
// the environment, where no Resolver can be given.
func SetResolver(r Resolver) (previous Resolver) {
	if old := shared.Swap(&resolverBox{r}); old != nil {
		return old.r
	}
	return nil
}

// sharedResolver is the Resolver set by SetResolver, or the system's.
func sharedResolver() Resolver {
	if b := shared.Load(); b != nil && b.r != nil {
		return b.r
	}
	return net.DefaultResolver
}

// Hosts is a Resolver that answers from a fixed table of addresses and
// their host names, without the network: for tests. An address or name
// it does not hold is not found.
type Hosts map[string][]string

// LookupAddr returns the names of addr.
func (h Hosts) LookupAddr(_ context.Context, addr string) ([]string, error) {
	if names := h[addr]; len(names) > 0 {
		return names, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: addr, IsNotFound: true}
}

// LookupNetIP returns the addresses of network ("ip", "ip4" or "ip6")
// that have host among their names.
func (h Hosts) LookupNetIP(_ context.Context, network, host string) ([]netip.Addr, error) {
	var ips []netip.Addr
	for addr, names := range h {
		ip, err := netip.ParseAddr(addr)
		if err != nil || network == "ip4" && !ip.Is4() || network == "ip6" && !ip.Is6() {
			continue
		}
		if slices.Contains(names, host) {
			ips = append(ips, ip)
		}
	}
	if len(ips) == 0 {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	slices.SortFunc(ips, netip.Addr.Compare)
	return ips, nil
}
