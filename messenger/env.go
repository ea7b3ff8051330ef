package messenger

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
)

// Environment variables libprocess reads for its address (the Flags of
// libprocess's process.cpp, loaded with the LIBPROCESS_ prefix).
const (
	EnvIP             = "LIBPROCESS_IP"
	EnvPort           = "LIBPROCESS_PORT"
	EnvAdvertiseIP    = "LIBPROCESS_ADVERTISE_IP"
	EnvAdvertisePort  = "LIBPROCESS_ADVERTISE_PORT"
	EnvRequireIPMatch = "LIBPROCESS_REQUIRE_PEER_ADDRESS_IP_MATCH"
)

// ApplyEnv sets the address and TLS fields of c as libprocess would from its
// environment, read through getenv. With LIBPROCESS_SSL_ENABLED (or the
// pre-1.0 SSL_ENABLED) it sets TLS, ClientTLS and AcceptPlaintext from the
// LIBPROCESS_SSL_* variables (libprocess's openssl.cpp): CERT_FILE and KEY_FILE
// (required), CA_FILE, CA_DIR, VERIFY_SERVER_CERT (VERIFY_CERT),
// REQUIRE_CLIENT_CERT (REQUIRE_CERT), SUPPORT_DOWNGRADE, ENABLE_TLS_V1_0
// to ENABLE_TLS_V1_3 (TLS 1.2 only otherwise), VERIFICATION_DEPTH, CIPHERS (OpenSSL's names of the TLS 1.2
// suites; libprocess's default list when unset), HOSTNAME_VALIDATION_SCHEME
// (legacy or openssl) and VERIFY_IPADD, with which a peer's certificate is
// checked by libprocess's rules (internal/tlsopt.PeerCheck); each may also
// be spelled SSL_<name>. In a
// build with the mesosshim_notls tag, SSL enabled is an error instead.
// With LIBPROCESS_IP unset it binds every interface. When the address it
// would advertise is the unspecified one (LIBPROCESS_IP unset or 0.0.0.0,
// with no LIBPROCESS_ADVERTISE_IP, or LIBPROCESS_ADVERTISE_IP=0.0.0.0) it
// advertises the address hostIP returns instead (nil: the first IPv4
// address of this host's name, as libprocess resolves it). Every malformed
// variable is reported in one error, each by name.
func (c *Config) ApplyEnv(getenv func(string) string, hostIP func() (netip.Addr, error)) error {
	var problems []error
	ip := func(name string) netip.Addr {
		v := getenv(name)
		if v == "" {
			return netip.Addr{}
		}
		a, err := netip.ParseAddr(v)
		switch {
		case err != nil || a.Zone() != "":
			problems = append(problems, fmt.Errorf("%s=%q is not an IP address", name, v))
			return netip.Addr{}
		case !a.Unmap().Is4():
			// An agent could not parse a process id with it either.
			problems = append(problems, fmt.Errorf("%s=%q is an IPv6 address; libprocess takes only IPv4 there", name, v))
			return netip.Addr{}
		}
		return a.Unmap()
	}
	port := func(name string) uint16 {
		v := getenv(name)
		if v == "" {
			return 0
		}
		n, err := strconv.ParseUint(v, 10, 16)
		if err != nil {
			problems = append(problems, fmt.Errorf("%s=%q is not a port number (0-65535)", name, v))
		}
		return uint16(n)
	}
	c.BindIP, c.BindPort = ip(EnvIP), port(EnvPort)
	c.AdvertiseIP, c.AdvertisePort = ip(EnvAdvertiseIP), port(EnvAdvertisePort)
	switch v := getenv(EnvRequireIPMatch); v {
	case "":
	case "false", "0":
		c.RequirePeerAddressMatch = false
	case "true", "1":
		c.RequirePeerAddressMatch = true
	default:
		problems = append(problems, fmt.Errorf("%s=%q is not a boolean", EnvRequireIPMatch, v))
	}
	if err := c.applySSLEnv(getenv); err != nil {
		problems = append(problems, err)
	}
	if len(problems) == 0 {
		problems = append(problems, c.advertiseHostIfUnspecified(hostIP))
	}
	return errors.Join(problems...)
}

// advertiseHostIfUnspecified binds every interface when no IP is given,
// and replaces an unspecified advertised address with this host's: a UPID
// must name an address peers can reach. An agent started with --ip=0.0.0.0
// passes LIBPROCESS_IP=0.0.0.0 to its executors, and libprocess then binds
// every interface and advertises the address of the host's name.
func (c *Config) advertiseHostIfUnspecified(hostIP func() (netip.Addr, error)) error {
	why := fmt.Sprintf("%s=%q", EnvIP, c.BindIP)
	if !c.BindIP.IsValid() {
		why, c.BindIP = EnvIP+" is unset", netip.IPv4Unspecified()
	}
	advertised := c.BindIP
	if c.AdvertiseIP.IsValid() {
		why, advertised = fmt.Sprintf("%s=%q", EnvAdvertiseIP, c.AdvertiseIP), c.AdvertiseIP
	}
	if !advertised.IsUnspecified() {
		return nil
	}
	if hostIP == nil {
		hostIP = lookupHostIP
	}
	a, err := hostIP()
	if err != nil {
		return fmt.Errorf("%s and this host's address cannot be found to advertise instead (set %s, or %s to a specific address): %w", why, EnvAdvertiseIP, EnvIP, err)
	}
	c.AdvertiseIP = a
	return nil
}

// lookupHostIP resolves this host's name to its first IPv4 address.
func lookupHostIP() (netip.Addr, error) {
	name, err := os.Hostname()
	if err != nil {
		return netip.Addr{}, err
	}
	addrs, err := net.LookupHost(name)
	if err != nil {
		return netip.Addr{}, err
	}
	for _, s := range addrs {
		if a, err := netip.ParseAddr(s); err == nil && a.Unmap().Is4() {
			return a.Unmap(), nil
		}
	}
	return netip.Addr{}, fmt.Errorf("host name %q has no IPv4 address", name)
}
