//go:build !mesosshim_notls

package tlsopt

import (
	"context"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/mesos-shim/executor/logging"
)

// legacyNames matches leaf by the legacy scheme. The name to match is the
// one a reverse lookup of the peer's address ip finds or, if the lookup
// fails, given: the host name dialled, if any.
func (p PeerCheck) legacyNames(ctx context.Context, leaf *x509.Certificate, ip netip.Addr, given string) error {
	name := given
	if ip.IsValid() {
		if found, ok := p.reverse(ctx, ip); ok {
			name = found
		}
	}
	if name == "" && !p.VerifyIPAdd {
		if p.RequireClientCert {
			return fmt.Errorf("cannot match the peer's certificate: no host name found for %s (legacy hostname validation, client certificates required)", addrText(ip))
		}
		return nil // libprocess trusts the chain alone then
	}
	matched, err := legacyMatch(leaf, ip, name, p.VerifyIPAdd)
	if err != nil || matched {
		return err
	}
	return mismatch(leaf, "legacy", name, ip, p.VerifyIPAdd)
}

// legacyMatch tells whether leaf names the peer as the legacy scheme
// matches: a DNS name equal to name as written (no wildcard, case
// counts), else with verifyIP an IPv4 address equal to ip, else the first
// common name equal to name.
func legacyMatch(leaf *x509.Certificate, ip netip.Addr, name string, verifyIP bool) (bool, error) {
	if name != "" {
		for _, dns := range leaf.DNSNames {
			if strings.IndexByte(dns, 0) >= 0 {
				return false, fmt.Errorf("the peer's certificate is malformed: DNS name %q holds a NUL", dns)
			}
			if dns == name {
				return true, nil
			}
		}
	}
	if verifyIP && ip.Is4() {
		for _, san := range leaf.IPAddresses {
			if len(san) == net.IPv4len && netip.AddrFrom4([4]byte(san)) == ip {
				return true, nil
			}
		}
	}
	cns := commonNames(leaf)
	return name != "" && len(cns) > 0 && cns[0] == name, nil
}

// openSSLNames matches leaf by the openssl scheme on the client side: the
// host name dialled as OpenSSL's host check does, else, with VerifyIPAdd,
// the address dialled against the certificate's IP addresses.
func (p PeerCheck) openSSLNames(leaf *x509.Certificate, ip netip.Addr, name string) error {
	switch {
	case name != "":
		if matchHost(leaf, name) {
			return nil
		}
	case !p.VerifyIPAdd:
		return fmt.Errorf("cannot match the peer's certificate: %s was dialled, not a host name, and LIBPROCESS_SSL_VERIFY_IPADD is off (openssl hostname validation)", addrText(ip))
	case ip.IsValid():
		for _, san := range leaf.IPAddresses {
			if san.Equal(ip.AsSlice()) {
				return nil
			}
		}
	}
	return mismatch(leaf, "openssl", name, ip, p.VerifyIPAdd)
}

// matchHost is OpenSSL's host check as libprocess asks for it: the DNS
// names, or the common names if there is no DNS name, with a wildcard
// allowed in the leftmost label, whatever the case.
func matchHost(leaf *x509.Certificate, name string) bool {
	c := leaf
	if len(leaf.DNSNames) == 0 {
		// crypto/x509 no longer falls back to the common name itself.
		byCN := *leaf
		byCN.DNSNames, byCN.IPAddresses = commonNames(leaf), nil
		c = &byCN
	}
	return c.VerifyHostname(name) == nil
}

var oidCommonName = asn1.ObjectIdentifier{2, 5, 4, 3}

// commonNames are the common names of leaf's subject in their order
// (pkix.Name.CommonName keeps only the last).
func commonNames(leaf *x509.Certificate) []string {
	var cns []string
	for _, atv := range leaf.Subject.Names {
		if s, ok := atv.Value.(string); ok && atv.Type.Equal(oidCommonName) {
			cns = append(cns, s)
		}
	}
	return cns
}

// mismatch is the error of a certificate that does not name the peer,
// with what it was matched against and what the certificate names.
func mismatch(leaf *x509.Certificate, scheme, name string, ip netip.Addr, verifyIP bool) error {
	var wanted []string
	if name != "" {
		wanted = append(wanted, fmt.Sprintf("host name %q", name))
	}
	if verifyIP && ip.IsValid() {
		wanted = append(wanted, "IP address "+ip.String())
	}
	if len(wanted) == 0 {
		wanted = append(wanted, addrText(ip))
	}
	return fmt.Errorf("the peer's certificate does not name %s (%s hostname validation): it names DNS %v, IP %v, common name %v",
		strings.Join(wanted, " or "), scheme, leaf.DNSNames, leaf.IPAddresses, commonNames(leaf))
}

func addrText(ip netip.Addr) string {
	if ip.IsValid() {
		return ip.String()
	}
	return "the peer (address unknown)"
}

// reverse finds the peer's host name as getnameinfo(3) does for
// libprocess: the first name found or, if the address has none, the
// address itself as text. Any other failure, the time limit included,
// finds nothing.
func (p PeerCheck) reverse(ctx context.Context, ip netip.Addr) (string, bool) {
	start := time.Now()
	names, err := p.resolver().LookupAddr(ctx, ip.String())
	var dnsErr *net.DNSError
	switch {
	case len(names) > 0:
		return strings.TrimSuffix(names[0], "."), true
	case err == nil, errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return ip.String(), true
	}
	logging.Warningf("tls: reverse DNS lookup of %s failed after %v: %v", ip, time.Since(start).Round(time.Millisecond), err)
	return "", false
}

// forward resolves a host name dialled to the address libprocess would
// have connected to: the first IPv4 address.
func (p PeerCheck) forward(ctx context.Context, name string) netip.Addr {
	ips, err := p.resolver().LookupNetIP(ctx, "ip4", name)
	if err != nil || len(ips) == 0 {
		logging.Warningf("tls: lookup of %s failed: %v", name, err)
		return netip.Addr{}
	}
	return ips[0].Unmap()
}
