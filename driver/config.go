package driver

import (
	"errors"
	"fmt"
	"time"

	"github.com/mesos-shim/executor/internal/stout"
	"github.com/mesos-shim/executor/upid"
)

// Environment variables the agent sets for an executor (executorEnvironment in
// Mesos's src/slave/slave.cpp).
const (
	EnvFrameworkID            = "MESOS_FRAMEWORK_ID"
	EnvExecutorID             = "MESOS_EXECUTOR_ID"
	EnvAgentID                = "MESOS_SLAVE_ID"
	EnvAgentPID               = "MESOS_SLAVE_PID"
	EnvDirectory              = "MESOS_DIRECTORY"
	EnvSandbox                = "MESOS_SANDBOX"
	EnvCheckpoint             = "MESOS_CHECKPOINT"
	EnvRecoveryTimeout        = "MESOS_RECOVERY_TIMEOUT"
	EnvShutdownGracePeriod    = "MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD"
	EnvSubscriptionBackoffMax = "MESOS_SUBSCRIPTION_BACKOFF_MAX"
	EnvAgentEndpoint          = "MESOS_AGENT_ENDPOINT"
	EnvHTTPCommandExecutor    = "MESOS_HTTP_COMMAND_EXECUTOR"
	EnvExecutorAuthToken      = "MESOS_EXECUTOR_AUTHENTICATION_TOKEN"
	EnvLocal                  = "MESOS_LOCAL"

	// EnvProtocol is this driver's own variable: "auto" (the default),
	// "v0" (the legacy libprocess wire) or "v1" (the HTTP API). It
	// overrides the choice the driver makes from the agent's environment.
	EnvProtocol = "MESOS_SHIM_PROTOCOL"
)

// Protocol names a wire.
type Protocol string

// The wires, and auto for the driver's own choice.
const (
	ProtocolAuto Protocol = "auto"
	ProtocolV0   Protocol = "v0"
	ProtocolV1   Protocol = "v1"
)

// Defaults the C++ driver uses when the agent sets no value.
const (
	DefaultRecoveryTimeout        = 15 * time.Minute
	DefaultShutdownGracePeriod    = 5 * time.Second
	DefaultSubscriptionBackoffMax = 2 * time.Second
	// DefaultMaxUnacknowledgedUpdates is the default back-pressure bound.
	DefaultMaxUnacknowledgedUpdates = 10000
)

// Config is everything the driver needs to know about its agent and itself.
// ConfigFromEnv fills it from the agent's environment; tests and embedding
// programs may build one by hand, best by changing what ConfigFromEnv
// returned: RecoveryTimeout, ShutdownGracePeriod and SubscriptionBackoffMax
// are taken as given, zero included (the Default constants are what
// ConfigFromEnv sets when the agent sets nothing); only the fields whose
// doc says "Zero:" have a default for zero.
type Config struct {
	FrameworkID string
	ExecutorID  string
	AgentID     string
	// AgentPID is the agent's libprocess UPID (MESOS_SLAVE_PID).
	AgentPID upid.UPID
	// Directory is the sandbox on the host; Sandbox the sandbox as this
	// process sees it (equal to Directory without a container image).
	Directory string
	Sandbox   string
	// Checkpoint says the framework checkpoints, so the executor may outlive
	// an agent restart and waits up to RecoveryTimeout for it to return
	// (zero: it shuts down as soon as the agent is lost).
	Checkpoint      bool
	RecoveryTimeout time.Duration
	// ShutdownGracePeriod is how long the executor has, after Shutdown, to
	// end its tasks before the driver ends its process group (zero: at once).
	ShutdownGracePeriod time.Duration
	// SubscriptionBackoffMax bounds the random delay between v1
	// resubscription attempts.
	SubscriptionBackoffMax time.Duration
	// AgentEndpoint is the agent's ip:port for the v1 API (0.27+).
	AgentEndpoint string
	// Local says the executor runs in-process with a local cluster
	// (MESOS_LOCAL): the driver never ends the process group.
	Local bool
	// KeepProcessGroup turns off ending the process group when the shutdown
	// grace period expires. The embedding program is then responsible for
	// exiting.
	KeepProcessGroup bool

	// Protocol picks the wire: ProtocolAuto (or empty) lets the driver
	// choose from the agent's environment, ProtocolV0 and ProtocolV1 force
	// one (MESOS_SHIM_PROTOCOL).
	Protocol Protocol
	// AuthToken is the agent's executor token (1.3+), sent as a Bearer
	// token on the v1 wire. It is never logged.
	AuthToken string
	// HTTPCommandExecutor is MESOS_HTTP_COMMAND_EXECUTOR as set: agents
	// set it from 1.0 on, so its presence dates the agent.
	HTTPCommandExecutor string
	// AgentSetGracePeriod says the agent exported the shutdown grace
	// period, as agents do from 0.28 on.
	AgentSetGracePeriod bool
	// SubscribeTimeout bounds the wait for SUBSCRIBED after a v1
	// SUBSCRIBE; past it the driver drops the silent connection and
	// subscribes again on a fresh one. On a negotiated wire (ProtocolAuto
	// on a 1.0+ agent) that has never brought SUBSCRIBED, it bounds instead
	// the wait, from the first SUBSCRIBE, for any event (an agent with
	// nothing for the executor to run answers with SHUTDOWN alone); past
	// it the driver falls back to the legacy wire. Zero: 10 s.
	SubscribeTimeout time.Duration
	// CallTimeout bounds how long the v1 wire waits for the agent to
	// answer while calls are outstanding on its calls connection (and for
	// that connection to open). Past it, the agent is taken to be
	// unreachable, as when its host goes silent without closing the
	// sockets: the driver drops both connections and handles the loss as
	// a broken event stream (Disconnected, then a new subscription with the
	// unacknowledged updates), checkpointing or not: a slow agent takes the
	// executor back, and without checkpointing a failed new subscription
	// shuts the executor down. Zero: 10 s.
	CallTimeout time.Duration
	// MaxEventBytes bounds one v1 event. Zero: 256 MiB.
	MaxEventBytes int
	// JSON speaks JSON on the v1 wire instead of protobuf.
	JSON bool
	// MaxUnacknowledgedUpdates bounds the status updates the driver keeps
	// for the agent to acknowledge (0: DefaultMaxUnacknowledgedUpdates).
	// At the bound, SendStatusUpdate blocks until an acknowledgement makes
	// room, the driver ends, or the agent is lost for good; updates keep
	// their order. Memory stays bounded however slow the agent is.
	MaxUnacknowledgedUpdates int

	// Getenv reads the rest of the environment (LIBPROCESS_*); nil means
	// no variables.
	Getenv func(string) string
}

// ConfigFromEnv reads the executor's environment through getenv (os.Getenv
// in a real executor). Every missing or malformed variable is reported at
// once, each by name.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	r := envReader{getenv: getenv}
	c := Config{
		FrameworkID:            r.required(EnvFrameworkID),
		ExecutorID:             r.required(EnvExecutorID),
		AgentID:                r.required(EnvAgentID),
		AgentPID:               r.upid(EnvAgentPID),
		Directory:              r.required(EnvDirectory),
		Sandbox:                getenv(EnvSandbox),
		Checkpoint:             r.flag(EnvCheckpoint),
		ShutdownGracePeriod:    r.duration(EnvShutdownGracePeriod, DefaultShutdownGracePeriod),
		SubscriptionBackoffMax: DefaultSubscriptionBackoffMax,
		AgentEndpoint:          getenv(EnvAgentEndpoint),
		Local:                  getenv(EnvLocal) != "",
		Protocol:               r.protocol(EnvProtocol),
		AuthToken:              getenv(EnvExecutorAuthToken),
		HTTPCommandExecutor:    getenv(EnvHTTPCommandExecutor),
		AgentSetGracePeriod:    getenv(EnvShutdownGracePeriod) != "",
		Getenv:                 getenv,
	}
	if c.Sandbox == "" {
		c.Sandbox = c.Directory
	}
	if c.Checkpoint {
		c.RecoveryTimeout = r.duration(EnvRecoveryTimeout, DefaultRecoveryTimeout)
		c.SubscriptionBackoffMax = r.duration(EnvSubscriptionBackoffMax, DefaultSubscriptionBackoffMax)
	}
	return c, errors.Join(r.problems...)
}

// envReader collects every problem instead of stopping at the first.
type envReader struct {
	getenv   func(string) string
	problems []error
}

func (r *envReader) required(name string) string {
	v := r.getenv(name)
	if v == "" {
		r.problems = append(r.problems, fmt.Errorf("%s is not set; the agent sets it for every executor", name))
	}
	return v
}

func (r *envReader) upid(name string) upid.UPID {
	v := r.required(name)
	if v == "" {
		return upid.UPID{}
	}
	u, err := upid.Parse(v)
	if err != nil {
		r.problems = append(r.problems, fmt.Errorf("%s: %w", name, err))
	}
	return u
}

// flag reads a Mesos boolean variable: only "1" is true, as in the C++ driver.
func (r *envReader) flag(name string) bool {
	switch v := r.getenv(name); v {
	case "1":
		return true
	case "", "0":
		return false
	default:
		r.problems = append(r.problems, fmt.Errorf("%s=%q: want \"1\" or \"0\"", name, v))
		return false
	}
}

func (r *envReader) duration(name string, def time.Duration) time.Duration {
	v := r.getenv(name)
	if v == "" {
		return def
	}
	d, err := stout.ParseDuration(v)
	if err != nil {
		r.problems = append(r.problems, fmt.Errorf("%s: %w", name, err))
		return def
	}
	return d
}

func (r *envReader) protocol(name string) Protocol {
	switch p := Protocol(r.getenv(name)); p {
	case "", ProtocolAuto:
		return ProtocolAuto
	case ProtocolV0, ProtocolV1:
		return p
	default:
		r.problems = append(r.problems, fmt.Errorf("%s=%q: want auto, v0 or v1", name, p))
		return ProtocolAuto
	}
}

// String prints the configuration with AuthToken hidden, so that logging a
// Config (%v, %+v, %s) never leaks the executor's token.
func (c Config) String() string {
	type fields Config // without the methods, so that Sprintf does not recurse
	c.AuthToken = redacted(c.AuthToken)
	return fmt.Sprintf("%+v", fields(c))
}

// GoString is String for %#v.
func (c Config) GoString() string {
	type fields Config
	c.AuthToken = redacted(c.AuthToken)
	return fmt.Sprintf("%#v", fields(c))
}

func redacted(secret string) string {
	if secret == "" {
		return ""
	}
	return fmt.Sprintf("[%d bytes, not shown]", len(secret))
}
