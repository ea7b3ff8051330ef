package agentsim

import (
	"io"
	"time"
)

// Defaults for the zero fields of AgentConfig: the ids look like a real
// agent's, the durations are the agent's flag defaults (PROTOCOL.md §7).
const (
	DefaultAgentID               = "4e3f1b2a-agentsim-S0"
	DefaultFrameworkID           = "4e3f1b2a-agentsim-0000"
	DefaultExecutorID            = "agentsim-executor"
	DefaultRecoveryTimeout       = 15 * time.Minute
	DefaultShutdownGracePeriod   = 5 * time.Second
	DefaultReregistrationTimeout = 2 * time.Second
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
	// AckDelay delays every acknowledgement (0: acknowledge at once; a real
	// agent takes 9-30 ms). SetAckDelay changes it while running.
	AckDelay time.Duration
	// RestartDowntime is how long Restart keeps the agent down before the
	// new listener opens (a real agent needs ~250 ms).
	RestartDowntime time.Duration

	// Output receives the launched executor's stdout and stderr. Nil: each
	// line becomes a trace entry.
	Output io.Writer
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
	return c
}
