package agentsim

import (
	"encoding/base64"
	"fmt"
	"io"
	"time"
)

// Defaults for the zero fields of AgentConfig: the ids look like a real
// agent's, the durations are the agent's flag defaults (src/slave/flags.cpp).
const (
	DefaultAgentID               = "4e3f1b2a-agentsim-S0"
	DefaultFrameworkID           = "4e3f1b2a-agentsim-0000"
	DefaultExecutorID            = "agentsim-executor"
	DefaultRecoveryTimeout       = 15 * time.Minute
	DefaultShutdownGracePeriod   = 5 * time.Second
	DefaultReregistrationTimeout = 2 * time.Second
	// DefaultHeartbeatInterval is how often a 1.8+ agent sends a v1
	// executor a HEARTBEAT event: a constant 30 minutes
	// (DEFAULT_EXECUTOR_HEARTBEAT_INTERVAL in src/slave/constants.hpp;
	// --http_heartbeat_interval does not apply to executors).
	DefaultHeartbeatInterval = 30 * time.Minute
)

// AgentConfig describes the simulated agent and the one executor it runs.
// The zero value is a Mesos 1.12 agent with a non-checkpointing framework.
type AgentConfig struct {
	// Profile is the agent generation (zero: Newest()).
	Profile Profile
	// Port is the agent's port (0: an ephemeral port, kept across Restart).
	Port uint16

	AgentID     string
	FrameworkID string
	ExecutorID  string
	// Directory is the executor's sandbox and working directory. Empty: a
	// temporary directory that Close removes.
	Directory string
	// Checkpoint says the framework checkpoints (MESOS_CHECKPOINT=1).
	Checkpoint bool

	RecoveryTimeout     time.Duration // --recovery_timeout, exported only
	ShutdownGracePeriod time.Duration // after Shutdown, then destroy
	// ReregistrationTimeout is the window after a restart within which the
	// executor must reregister, or be destroyed.
	ReregistrationTimeout time.Duration
	// ReregistrationRetryInterval is the agent's
	// --executor_reregistration_retry_interval (Mesos 1.1.3, 1.2.2, 1.3.1,
	// 1.4.0 and later: src/slave/flags.cpp at those tags). Zero
	// (unset): a restarted agent sends a PID executor one Reconnect, and
	// shuts down an executor that reregisters while running. Set: the
	// Reconnect is repeated at this interval until the executor has
	// reregistered, and a reregistration from a running executor is
	// ignored (Slave::_recover, Slave::reregisterExecutor).
	ReregistrationRetryInterval time.Duration
	// AckDelay delays every acknowledgement (0: acknowledge at once; a real
	// agent takes 9-30 ms). SetAckDelay changes it while running.
	AckDelay time.Duration
	// RestartDowntime is how long Restart keeps the agent down before the
	// new listener opens (a real agent needs ~250 ms).
	RestartDowntime time.Duration
	// RecoveryStartDelay is how long a restarted agent listens before it
	// recovers its executors: it sends the Reconnect, or starts accepting
	// a v1 executor's SUBSCRIBE, only then. Until then every v1 call, a
	// SUBSCRIBE included, gets 503 (captures: 11-140 ms; 0: at once).
	RecoveryStartDelay time.Duration

	// ExecutorToken is the token a profile that AuthenticatesExecutors
	// exports in MESOS_EXECUTOR_AUTHENTICATION_TOKEN and requires as
	// "Authorization: Bearer <token>" on the v1 wire. Empty: an unsigned
	// JWT-shaped string made from the ids (it is opaque to executors).
	ExecutorToken string
	// HeartbeatInterval is the period of HEARTBEAT events to a subscribed
	// executor on profiles with Heartbeats (0: DefaultHeartbeatInterval).
	HeartbeatInterval time.Duration

	// Output receives the launched executor's stdout and stderr. Nil: each
	// line becomes a trace entry.
	Output io.Writer
	// ExecutorEnv is added to the executor's environment, "NAME=value",
	// as an agent's --executor_environment_variables would.
	ExecutorEnv []string

	// BehindProxy puts a Proxy (see Agent.Proxy) in front of the agent:
	// the agent advertises the proxy's address as its own, as an agent
	// behind LIBPROCESS_ADVERTISE_PORT does, so MESOS_SLAVE_PID and
	// MESOS_AGENT_ENDPOINT lead the executor through it. The agent's own
	// connections to the executor do not pass through it.
	BehindProxy bool
}

func (c AgentConfig) withDefaults() AgentConfig {
	if c.Profile.Name == "" {
		c.Profile = Newest()
	}
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&c.AgentID, DefaultAgentID)
	def(&c.FrameworkID, DefaultFrameworkID)
	def(&c.ExecutorID, DefaultExecutorID)
	defDur := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	defDur(&c.RecoveryTimeout, DefaultRecoveryTimeout)
	defDur(&c.ShutdownGracePeriod, DefaultShutdownGracePeriod)
	defDur(&c.ReregistrationTimeout, DefaultReregistrationTimeout)
	defDur(&c.HeartbeatInterval, DefaultHeartbeatInterval)
	if c.Profile.AuthenticatesExecutors {
		def(&c.ExecutorToken, fakeJWT(c.FrameworkID, c.ExecutorID))
	}
	return c
}

// fakeJWT is a token shaped like the agent's (header.claims.signature,
// base64url) with the fid and eid claims the agent checks (Http::executor);
// the signature is not one.
func fakeJWT(frameworkID, executorID string) string {
	enc := base64.RawURLEncoding.EncodeToString
	claims := fmt.Sprintf(`{"fid":%q,"eid":%q}`, frameworkID, executorID)
	return enc([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc([]byte(claims)) + "." + enc([]byte("agentsim-unsigned"))
}
