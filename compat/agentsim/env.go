package agentsim

import (
	"time"

	"github.com/mesos-shim/executor/internal/stout"
	"github.com/mesos-shim/executor/messenger"
	"github.com/mesos-shim/executor/upid"
)

// EnvParams are the facts of one executor run that its environment carries.
type EnvParams struct {
	FrameworkID string
	ExecutorID  string
	AgentID     string
	// AgentPID is the agent's UPID; its host:port is also the endpoint.
	AgentPID  upid.UPID
	Directory string
	// Checkpoint says the framework checkpoints.
	Checkpoint bool
	// RecoveryTimeout is the agent's --recovery_timeout (15mins).
	RecoveryTimeout time.Duration
	// ShutdownGracePeriod is --executor_shutdown_grace_period (5secs).
	ShutdownGracePeriod time.Duration
	// ReregistrationTimeout is --executor_reregistration_timeout (2secs).
	ReregistrationTimeout time.Duration
	// AuthToken is the executor's authentication token, exported only by
	// profiles that AuthenticatesExecutors (1.3+).
	AuthToken string
}

// EnvAuthToken is the variable that carries the executor's token (1.3+).
const EnvAuthToken = "MESOS_EXECUTOR_AUTHENTICATION_TOKEN"

// constBackoffMax is MESOS_SUBSCRIPTION_BACKOFF_MAX before 1.2.2/1.3.1/1.4.
const constBackoffMax = 2 * time.Second

// Env returns the environment this agent generation gives an executor, as
// "NAME=value", roughly in the order the releases added them
// (executorEnvironment in src/slave/slave.cpp). Nothing else is set: since
// 1.0 executors do not inherit the agent's environment, and LaunchExecutor
// adds only PATH. Durations are written in stout's format ("15mins").
func (p Profile) Env(r EnvParams) []string {
	env := []string{
		"MESOS_FRAMEWORK_ID=" + r.FrameworkID,
		"MESOS_EXECUTOR_ID=" + r.ExecutorID,
		"MESOS_DIRECTORY=" + r.Directory,
	}
	if p.EnvSandbox {
		env = append(env, "MESOS_SANDBOX="+r.Directory) // no container image
	}
	env = append(env,
		"MESOS_SLAVE_PID="+r.AgentPID.String(),
		"MESOS_SLAVE_ID="+r.AgentID,
		"MESOS_CHECKPOINT="+flag(r.Checkpoint))
	if r.Checkpoint {
		env = append(env, "MESOS_RECOVERY_TIMEOUT="+stout.FormatDuration(r.RecoveryTimeout))
	}
	env = append(env, messenger.EnvPort+"=0")
	if p.EnvLibprocessIP {
		env = append(env, messenger.EnvIP+"="+r.AgentPID.Host)
	}
	return append(env, p.laterEnv(r)...)
}

// laterEnv is what 0.27 and later releases added.
func (p Profile) laterEnv(r EnvParams) []string {
	var env []string
	if p.EnvAgentEndpoint {
		env = append(env, "MESOS_AGENT_ENDPOINT="+r.AgentPID.HostPort())
		if r.Checkpoint {
			env = append(env, "MESOS_SUBSCRIPTION_BACKOFF_MAX="+stout.FormatDuration(p.backoffMax(r)))
		}
	}
	if p.EnvShutdownGracePeriod {
		env = append(env, "MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD="+stout.FormatDuration(r.ShutdownGracePeriod))
	}
	if p.EnvHTTPCommandExecutor {
		env = append(env, "MESOS_HTTP_COMMAND_EXECUTOR=0")
	}
	if p.AuthenticatesExecutors && r.AuthToken != "" {
		env = append(env, EnvAuthToken+"="+r.AuthToken)
	}
	return env
}

func (p Profile) backoffMax(r EnvParams) time.Duration {
	if p.BackoffMaxIsReregistrationTimeout {
		return r.ReregistrationTimeout
	}
	return constBackoffMax
}

func flag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
