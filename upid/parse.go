package upid

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// checkID rejects ids that cannot be used as a URL path segment.
func checkID(id string) error {
	for i := 0; i < len(id); i++ {
		switch c := id[i]; {
		case c == '/':
			return errors.New("id contains '/'")
		case c <= ' ' || c == 0x7f:
			return fmt.Errorf("id contains control or space byte 0x%02x", c)
		}
	}
	return nil
}

// splitHostPort splits "host:port" or "[v6]:port".
func splitHostPort(addr string) (host, port string, err error) {
	if addr == "" {
		return "", "", errors.New("missing address after '@'")
	}
	if strings.HasPrefix(addr, "[") {
		end := strings.IndexByte(addr, ']')
		if end < 0 {
			return "", "", errors.New("missing ']' after bracketed IPv6 host")
		}
		host, rest := addr[1:end], addr[end+1:]
		if !strings.HasPrefix(rest, ":") {
			return "", "", errors.New("missing ':port' after bracketed IPv6 host")
		}
		return host, rest[1:], nil
	}
	i := strings.LastIndexByte(addr, ':')
	if i < 0 {
		return "", "", errors.New("missing ':port'")
	}
	host, port = addr[:i], addr[i+1:]
	if strings.Contains(host, ":") {
		return "", "", errors.New("IPv6 host must be in brackets, as in id@[::1]:5051")
	}
	return host, port, nil
}

func parsePort(s string) (uint16, error) {
	if s == "" {
		return 0, errors.New("empty port")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("port %q is not a decimal number", s)
		}
	}
	n, err := strconv.ParseUint(s, 10, 16)
	if err != nil {
		return 0, fmt.Errorf("port %q is out of range 0-65535", s)
	}
	return uint16(n), nil
}

// canonicalHost validates host and returns it in canonical form: IP literals
// as netip prints them, hostnames lower-cased.
func canonicalHost(host string) (string, error) {
	if host == "" {
		return "", errors.New("empty host")
	}
	if mayBeIP(host) {
		if ip, err := netip.ParseAddr(host); err == nil {
			if ip.Zone() != "" {
				return "", fmt.Errorf("host %q has a zone, which a UPID cannot carry", host)
			}
			return canonicalIP(host, ip.Unmap()), nil
		}
	}
	if strings.Contains(host, ":") {
		return "", fmt.Errorf("host %q is not a valid IPv6 literal", host)
	}
	if err := checkHostname(host); err != nil {
		return "", err
	}
	return strings.ToLower(host), nil
}

// mayBeIP is false for a host netip.ParseAddr cannot take, as it reads an
// IPv4 address only from digits and dots and an IPv6 address only with a
// colon: a hostname is not given to it, since its error allocates.
func mayBeIP(host string) bool {
	if strings.IndexByte(host, ':') >= 0 {
		return true
	}
	for i := 0; i < len(host); i++ {
		if c := host[i]; c != '.' && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// canonicalIP is ip.String(), which is host itself when host is already
// written that way (as it is in every UPID this package prints): then
// nothing is allocated.
func canonicalIP(host string, ip netip.Addr) string {
	var buf [len("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")]byte
	if text := ip.AppendTo(buf[:0]); string(text) != host {
		return string(text)
	}
	return host
}

// checkHostname applies RFC 1123 label rules (letters, digits, '-', '_'
// tolerated as resolvers do, labels 1-63 bytes, no leading or trailing '-').
func checkHostname(host string) error {
	if len(host) > 253 {
		return fmt.Errorf("hostname is %d bytes, longer than 253", len(host))
	}
	rest := strings.TrimSuffix(host, ".")
	for more := true; more; {
		var label string
		label, rest, more = strings.Cut(rest, ".")
		if err := checkLabel(label); err != nil {
			return fmt.Errorf("hostname %q: %v", host, err)
		}
	}
	return nil
}

func checkLabel(label string) error {
	if label == "" || len(label) > 63 {
		return fmt.Errorf("label %q must be 1-63 bytes", label)
	}
	if label[0] == '-' || label[len(label)-1] == '-' {
		return fmt.Errorf("label %q starts or ends with '-'", label)
	}
	for i := 0; i < len(label); i++ {
		c := label[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
		if !ok {
			return fmt.Errorf("label %q has invalid byte %q", label, c)
		}
	}
	return nil
}
