package messenger

import (
	"bufio"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/upid"
)

// env is a getenv over a fixed set of variables.
type env map[string]string

func (e env) get(name string) string { return e[name] }

// hostIPNotCalled fails the test if ApplyEnv looks the host's address up.
func hostIPNotCalled(t *testing.T) func() (netip.Addr, error) {
	return func() (netip.Addr, error) {
		t.Error("hostIP was called although LIBPROCESS_IP or LIBPROCESS_ADVERTISE_IP is set")
		return netip.Addr{}, errors.New("not expected")
	}
}

func TestApplyEnvReadsEveryVariable(t *testing.T) {
	var c Config
	err := c.ApplyEnv(env{
		EnvIP:             "127.0.0.2",
		EnvPort:           "5052",
		EnvAdvertiseIP:    "10.0.0.1",
		EnvAdvertisePort:  "1234",
		EnvRequireIPMatch: "true",
	}.get, hostIPNotCalled(t))
	require.NoError(t, err)
	require.Equal(t, netip.MustParseAddr("127.0.0.2"), c.BindIP)
	require.Equal(t, uint16(5052), c.BindPort)
	require.Equal(t, netip.MustParseAddr("10.0.0.1"), c.AdvertiseIP)
	require.Equal(t, uint16(1234), c.AdvertisePort)
	require.True(t, c.RequirePeerAddressMatch)
}

func TestApplyEnvAcceptsEachWellFormedValue(t *testing.T) {
	cases := []struct {
		name, value string
		check       func(t *testing.T, c Config)
	}{
		{EnvIP, "::ffff:10.1.2.3", func(t *testing.T, c Config) { require.Equal(t, netip.MustParseAddr("10.1.2.3"), c.BindIP) }},
		{EnvPort, "0", func(t *testing.T, c Config) { require.Zero(t, c.BindPort) }},
		{EnvPort, "65535", func(t *testing.T, c Config) { require.Equal(t, uint16(65535), c.BindPort) }},
		{EnvAdvertisePort, "1", func(t *testing.T, c Config) { require.Equal(t, uint16(1), c.AdvertisePort) }},
		{EnvRequireIPMatch, "1", func(t *testing.T, c Config) { require.True(t, c.RequirePeerAddressMatch) }},
		{EnvRequireIPMatch, "false", func(t *testing.T, c Config) { require.False(t, c.RequirePeerAddressMatch) }},
		{EnvRequireIPMatch, "0", func(t *testing.T, c Config) { require.False(t, c.RequirePeerAddressMatch) }},
	}
	for _, tc := range cases {
		t.Run(tc.name+"="+tc.value, func(t *testing.T) {
			e := env{EnvIP: "127.0.0.1", tc.name: tc.value}
			var c Config
			require.NoError(t, c.ApplyEnv(e.get, hostIPNotCalled(t)))
			tc.check(t, c)
		})
	}
}

func TestApplyEnvReportsEveryMalformedVariableAtOnce(t *testing.T) {
	bad := env{
		EnvIP:             "localhost",
		EnvPort:           "65536",
		EnvAdvertiseIP:    "fe80::1%eth0",
		EnvAdvertisePort:  "-1",
		EnvRequireIPMatch: "yes",
	}
	var c Config
	err := c.ApplyEnv(bad.get, hostIPNotCalled(t))
	require.Error(t, err)
	for name, value := range bad {
		require.Contains(t, err.Error(), name+`="`+value+`"`, "every malformed variable is named with its value")
	}
	require.Len(t, strings.Split(err.Error(), "\n"), len(bad), "one line per variable: %s", err)
}

func TestApplyEnvNamesEachMalformedVariable(t *testing.T) {
	cases := []struct{ name, value, want string }{
		{EnvIP, "1.2.3", "is not an IP address"},
		{EnvIP, "example.com", "is not an IP address"},
		{EnvIP, " 127.0.0.1", "is not an IP address"},
		{EnvAdvertiseIP, "10.0.0.256", "is not an IP address"},
		{EnvAdvertiseIP, "fe80::1%lo", "is not an IP address"},
		// libprocess refuses them, and a process id holds only IPv4.
		{EnvIP, "::", "is an IPv6 address; libprocess takes only IPv4 there"},
		{EnvIP, "::1", "is an IPv6 address"},
		{EnvAdvertiseIP, "2001:db8::1", "is an IPv6 address"},
		{EnvPort, "abc", "is not a port number"},
		{EnvPort, "5051 ", "is not a port number"},
		{EnvAdvertisePort, "70000", "is not a port number"},
		{EnvRequireIPMatch, "TRUE!", "is not a boolean"},
	}
	for _, tc := range cases {
		t.Run(tc.name+"="+tc.value, func(t *testing.T) {
			e := env{EnvIP: "127.0.0.1", tc.name: tc.value}
			var c Config
			err := c.ApplyEnv(e.get, hostIPNotCalled(t))
			require.ErrorContains(t, err, tc.name+`="`+tc.value+`" `+tc.want)
		})
	}
}

func TestApplyEnvWithoutIPBindsEverywhereAndAdvertisesTheHostIP(t *testing.T) {
	calls := 0
	hostIP := func() (netip.Addr, error) {
		calls++
		return netip.MustParseAddr("192.0.2.7"), nil
	}
	var c Config
	require.NoError(t, c.ApplyEnv(env{EnvPort: "0"}.get, hostIP))
	require.Equal(t, netip.IPv4Unspecified(), c.BindIP)
	require.Equal(t, netip.MustParseAddr("192.0.2.7"), c.AdvertiseIP)
	require.Equal(t, 1, calls)
}

// hostIPIs is a hostIP returning a, counting its calls in *calls.
func hostIPIs(a string, calls *int) func() (netip.Addr, error) {
	return func() (netip.Addr, error) {
		*calls++
		return netip.MustParseAddr(a), nil
	}
}

func TestApplyEnvAdvertisesTheHostIPInsteadOfTheUnspecifiedAddress(t *testing.T) {
	cases := []struct {
		env             env
		bind, advertise string
	}{
		{env{EnvIP: "0.0.0.0"}, "0.0.0.0", "192.0.2.7"},
		{env{EnvIP: "::ffff:0.0.0.0"}, "0.0.0.0", "192.0.2.7"},
		{env{EnvIP: "127.0.0.1", EnvAdvertiseIP: "0.0.0.0"}, "127.0.0.1", "192.0.2.7"},
		{env{EnvAdvertiseIP: "0.0.0.0"}, "0.0.0.0", "192.0.2.7"},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.env), func(t *testing.T) {
			calls := 0
			var c Config
			require.NoError(t, c.ApplyEnv(tc.env.get, hostIPIs("192.0.2.7", &calls)))
			require.Equal(t, netip.MustParseAddr(tc.bind), c.BindIP)
			require.Equal(t, netip.MustParseAddr(tc.advertise), c.AdvertiseIP)
			require.Equal(t, 1, calls)
		})
	}
}

func TestApplyEnvWithTheUnspecifiedIPKeepsAnAdvertisedIP(t *testing.T) {
	var c Config
	require.NoError(t, c.ApplyEnv(env{EnvIP: "0.0.0.0", EnvAdvertiseIP: "10.9.8.7"}.get, hostIPNotCalled(t)))
	require.Equal(t, netip.IPv4Unspecified(), c.BindIP)
	require.Equal(t, netip.MustParseAddr("10.9.8.7"), c.AdvertiseIP)
}

func TestApplyEnvFailsNamingTheUnspecifiedVariableWhenTheHostIPIsUnknown(t *testing.T) {
	cause := errors.New("no such host")
	cases := []struct {
		env  env
		want string
	}{
		{env{EnvIP: "0.0.0.0"}, `LIBPROCESS_IP="0.0.0.0" and this host's address cannot be found`},
		{env{EnvIP: "127.0.0.1", EnvAdvertiseIP: "0.0.0.0"}, `LIBPROCESS_ADVERTISE_IP="0.0.0.0" and this host's address cannot be found`},
	}
	for _, tc := range cases {
		var c Config
		err := c.ApplyEnv(tc.env.get, func() (netip.Addr, error) { return netip.Addr{}, cause })
		require.ErrorIs(t, err, cause)
		require.ErrorContains(t, err, tc.want)
	}
}

func TestApplyEnvWithoutIPKeepsAnAdvertisedIP(t *testing.T) {
	var c Config
	require.NoError(t, c.ApplyEnv(env{EnvAdvertiseIP: "10.9.8.7"}.get, hostIPNotCalled(t)))
	require.Equal(t, netip.IPv4Unspecified(), c.BindIP)
	require.Equal(t, netip.MustParseAddr("10.9.8.7"), c.AdvertiseIP)
}

func TestApplyEnvFailsNamingLibprocessIPWhenTheHostIPIsUnknown(t *testing.T) {
	cause := errors.New("no such host")
	var c Config
	err := c.ApplyEnv(env{}.get, func() (netip.Addr, error) { return netip.Addr{}, cause })
	require.ErrorIs(t, err, cause)
	require.ErrorContains(t, err, EnvIP)
	require.ErrorContains(t, err, EnvAdvertiseIP, "the error says how to fix it")
}

// TestApplyEnvReadsTheAgentsEnvironment applies the environment a real 1.12
// agent gave an executor (captures env/v0-a-finish.env.txt).
func TestApplyEnvReadsTheAgentsEnvironment(t *testing.T) {
	requireCaptures(t)
	f, err := os.Open(filepath.Join(capturesDir, "env", "v0-a-finish.env.txt"))
	require.NoError(t, err)
	defer f.Close()
	e := env{}
	for sc := bufio.NewScanner(f); sc.Scan(); {
		k, v, _ := strings.Cut(sc.Text(), "=")
		e[k] = v
	}
	require.Equal(t, "127.0.0.1", e[EnvIP])

	var c Config
	require.NoError(t, c.ApplyEnv(e.get, hostIPNotCalled(t)))
	require.Equal(t, netip.MustParseAddr("127.0.0.1"), c.BindIP)
	require.Zero(t, c.BindPort)
	require.False(t, c.AdvertiseIP.IsValid())
	require.Zero(t, c.AdvertisePort)
	require.False(t, c.RequirePeerAddressMatch)

	in := newInbox()
	c.ProcessID, c.Handler = "executor(1)", in.config("executor(1)").Handler
	m := startMessenger(t, c)
	require.Equal(t, "127.0.0.1", m.UPID().Host)
	require.NotZero(t, m.UPID().Port)
}

func TestMessengerAdvertisesTheOverriddenAddress(t *testing.T) {
	in := newInbox()
	cfg := in.config("executor(1)")
	cfg.BindIP = netip.MustParseAddr("127.0.0.1")
	cfg.AdvertiseIP = netip.MustParseAddr("10.9.8.7")
	cfg.AdvertisePort = 1234
	m := startMessenger(t, cfg)
	require.Equal(t, upid.MustParse("executor(1)@10.9.8.7:1234"), m.UPID())
	bound, err := netip.ParseAddrPort(m.Addr().String())
	require.NoError(t, err)
	require.Equal(t, netip.MustParseAddr("127.0.0.1"), bound.Addr())
	require.NotEqual(t, uint16(1234), bound.Port())

	// Messages still arrive at the bound address.
	c := dial(t, m)
	write(t, c, generations[1].request(bound.Port(), "mesos.internal.X", []byte("x")))
	require.Equal(t, m.UPID(), in.next(t).To)
}

func TestMessengerFromEnvWithoutIPAdvertisesTheHostIP(t *testing.T) {
	in := newInbox()
	cfg := in.config("executor(1)")
	require.NoError(t, cfg.ApplyEnv(env{}.get, func() (netip.Addr, error) { return netip.MustParseAddr("127.0.0.1"), nil }))
	m := startMessenger(t, cfg)
	bound, err := netip.ParseAddrPort(m.Addr().String())
	require.NoError(t, err)
	require.True(t, bound.Addr().IsUnspecified(), "bound to %s", bound)
	require.Equal(t, "127.0.0.1", m.UPID().Host)
	require.Equal(t, bound.Port(), m.UPID().Port)

	// The advertised UPID is reachable: an agent can send to it.
	agentBox := newInbox()
	agent := startMessenger(t, agentBox.config("slave(1)"))
	require.NoError(t, agent.Send(Message{To: m.UPID(), Name: "mesos.internal.X", Body: []byte("x")}))
	got := in.next(t)
	require.Equal(t, agent.UPID(), got.From)
	require.Equal(t, "x", string(got.Body))
}

// TestMessengerFromEnvWithTheUnspecifiedIPAdvertisesTheHostIP starts a
// messenger from the environment an agent started with --ip=0.0.0.0 gives
// its executors.
func TestMessengerFromEnvWithTheUnspecifiedIPAdvertisesTheHostIP(t *testing.T) {
	in := newInbox()
	cfg := in.config("executor(1)")
	calls := 0
	require.NoError(t, cfg.ApplyEnv(env{EnvIP: "0.0.0.0", EnvPort: "0"}.get, hostIPIs("127.0.0.1", &calls)))
	m := startMessenger(t, cfg)
	bound, err := netip.ParseAddrPort(m.Addr().String())
	require.NoError(t, err)
	require.True(t, bound.Addr().IsUnspecified(), "bound to %s", bound)
	require.Equal(t, upid.MustParse(fmt.Sprintf("executor(1)@127.0.0.1:%d", bound.Port())), m.UPID())

	agent := startMessenger(t, newInbox().config("slave(1)"))
	require.NoError(t, agent.Send(Message{To: m.UPID(), Name: "mesos.internal.X", Body: []byte("x")}))
	require.Equal(t, "x", string(in.next(t).Body))
}

func TestMessengerRefusesToAdvertiseTheUnspecifiedAddress(t *testing.T) {
	cfg := newInbox().config("executor(1)")
	cfg.BindIP = netip.IPv4Unspecified()
	_, err := New(cfg)
	require.ErrorContains(t, err, "AdvertiseIP")
}
