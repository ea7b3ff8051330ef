package agentsim

import (
	"fmt"
	"strings"

	"github.com/mesos-shim/executor/messenger"
)

// Profile is one generation of Mesos agent as an executor sees it: how it
// frames libprocess messages, whether it links to the executor, which
// environment variables it sets and which rules it applies. Each field names
// the release that introduced the behaviour (PROTOCOL.md §1, §4, §8). The
// predefined profiles are Mesos020, Mesos022, Mesos026, Mesos1x, Mesos14 and
// Mesos112; a test may copy one and change a field to simulate an agent
// that never existed, for example to inject a fault.
type Profile struct {
	// Name is how the profile is chosen on a command line, e.g. "1.12".
	Name string
	// Describe says which releases the profile stands for.
	Describe string

	// Framing is how the agent writes libprocess messages: HTTP/1.0 with
	// only a User-Agent before 0.22, HTTP/1.1 with Libprocess-From and an
	// empty Host from 0.22 to 1.11, Host: <ip:port> after 1.11 (§1.1, §11).
	Framing messenger.Framing
	// LinksExecutor: since 0.27 the agent links to the executor's UPID when
	// it registers or reregisters, so every agent→executor message shares
	// one ordered connection; before, each send used a temporary one (§1.3).
	LinksExecutor bool

	// EnvSandbox: MESOS_SANDBOX, set by the Mesos containerizer since 0.25.
	EnvSandbox bool
	// EnvLibprocessIP: LIBPROCESS_IP, copied from the agent since 0.26.
	EnvLibprocessIP bool
	// EnvAgentEndpoint: MESOS_AGENT_ENDPOINT since 0.27, together with
	// MESOS_SUBSCRIPTION_BACKOFF_MAX when the framework checkpoints.
	EnvAgentEndpoint bool
	// BackoffMaxIsReregistrationTimeout: MESOS_SUBSCRIPTION_BACKOFF_MAX is
	// the constant 2secs in 0.27-1.2.1/1.3.0 and equals
	// --executor_reregistration_timeout since 1.2.2/1.3.1/1.4.0.
	BackoffMaxIsReregistrationTimeout bool
	// EnvShutdownGracePeriod: MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD since 0.28.
	EnvShutdownGracePeriod bool
	// EnvHTTPCommandExecutor: MESOS_HTTP_COMMAND_EXECUTOR=0 since 1.0, set
	// for every executor, custom ones too (§11).
	EnvHTTPCommandExecutor bool

	// RunTaskFrameworkID: agents before 0.24 set the deprecated
	// RunTaskMessage.framework_id (§2).
	RunTaskFrameworkID bool
	// KillPolicy: KillTaskMessage.kill_policy exists since 1.0 (§2).
	KillPolicy bool
	// ShutdownTasklessExecutor: since 1.5 an executor that registers with
	// no task queued and was never sent one is shut down instead of being
	// registered (§3.7).
	ShutdownTasklessExecutor bool
}

// Mesos020 is an agent before 0.22 (0.20, 0.21): HTTP/1.0 framing without
// Libprocess-From, no link to the executor, and the oldest environment
// (no MESOS_SANDBOX, LIBPROCESS_IP or MESOS_AGENT_ENDPOINT).
var Mesos020 = Profile{
	Name:               "0.20",
	Describe:           "Mesos 0.20-0.21: HTTP/1.0 framing, no link, oldest environment",
	Framing:            messenger.FramingHTTP10,
	RunTaskFrameworkID: true,
}

// Mesos022 is an agent of 0.22 or 0.23: HTTP/1.1 framing with
// Libprocess-From and an empty Host, still no link and no MESOS_SANDBOX.
// (0.24 differs only in leaving RunTaskMessage.framework_id unset.)
var Mesos022 = Profile{
	Name:               "0.22",
	Describe:           "Mesos 0.22-0.23: HTTP/1.1 framing, no link",
	Framing:            messenger.FramingHTTP11,
	RunTaskFrameworkID: true,
}

// Mesos026 is an agent of 0.25 or 0.26: as Mesos022, plus MESOS_SANDBOX
// and LIBPROCESS_IP; RunTaskMessage no longer carries framework_id.
var Mesos026 = Profile{
	Name:            "0.26",
	Describe:        "Mesos 0.25-0.26: HTTP/1.1 framing, no link, MESOS_SANDBOX and LIBPROCESS_IP",
	Framing:         messenger.FramingHTTP11,
	EnvSandbox:      true,
	EnvLibprocessIP: true,
}

// Mesos1x is an agent from 1.0 to 1.3: it links to the executor, sends the
// kill policy, and exports the full 1.0 environment with
// MESOS_SUBSCRIPTION_BACKOFF_MAX fixed at 2secs.
var Mesos1x = Profile{
	Name:                   "1.0",
	Describe:               "Mesos 1.0-1.3: HTTP/1.1 framing, links to the executor",
	Framing:                messenger.FramingHTTP11,
	LinksExecutor:          true,
	EnvSandbox:             true,
	EnvLibprocessIP:        true,
	EnvAgentEndpoint:       true,
	EnvShutdownGracePeriod: true,
	EnvHTTPCommandExecutor: true,
	KillPolicy:             true,
}

// Mesos14 is an agent of 1.4: as Mesos1x, with
// MESOS_SUBSCRIPTION_BACKOFF_MAX following the reregistration timeout.
var Mesos14 = Profile{
	Name:                              "1.4",
	Describe:                          "Mesos 1.4: HTTP/1.1 framing, links, backoff max = reregistration timeout",
	Framing:                           messenger.FramingHTTP11,
	LinksExecutor:                     true,
	EnvSandbox:                        true,
	EnvLibprocessIP:                   true,
	EnvAgentEndpoint:                  true,
	BackoffMaxIsReregistrationTimeout: true,
	EnvShutdownGracePeriod:            true,
	EnvHTTPCommandExecutor:            true,
	KillPolicy:                        true,
}

// Mesos112 is the 1.12.0-dev agent of the captures (PROTOCOL.md §11): as
// Mesos14, writing "Host: <ip:port>", and shutting down an executor that
// registers with nothing to run (1.5+).
var Mesos112 = Profile{
	Name:                              "1.12",
	Describe:                          "Mesos 1.12.0-dev (captured): Host header, links, shuts down taskless executors",
	Framing:                           messenger.FramingHTTP11Host,
	LinksExecutor:                     true,
	EnvSandbox:                        true,
	EnvLibprocessIP:                   true,
	EnvAgentEndpoint:                  true,
	BackoffMaxIsReregistrationTimeout: true,
	EnvShutdownGracePeriod:            true,
	EnvHTTPCommandExecutor:            true,
	KillPolicy:                        true,
	ShutdownTasklessExecutor:          true,
}

// Profiles lists the predefined profiles, oldest first.
func Profiles() []Profile {
	return []Profile{Mesos020, Mesos022, Mesos026, Mesos1x, Mesos14, Mesos112}
}

// Newest is the most recent predefined profile.
func Newest() Profile { return Mesos112 }

// ProfileByName returns the predefined profile called name.
func ProfileByName(name string) (Profile, error) {
	var names []string
	for _, p := range Profiles() {
		if p.Name == name {
			return p, nil
		}
		names = append(names, p.Name)
	}
	return Profile{}, fmt.Errorf("agentsim: no profile %q (have %s)", name, strings.Join(names, ", "))
}

func (p Profile) String() string { return "mesos-" + p.Name }
