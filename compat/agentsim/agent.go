package agentsim

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/gogo/protobuf/proto"

	"github.com/mesos-shim/executor/upid"
)

// ErrClosed is returned by operations on a closed Agent.
var ErrClosed = errors.New("agentsim: agent closed")

// Agent is a simulated Mesos agent running one executor. Create it with
// Start; every method is safe for concurrent use.
type Agent struct {
	cfg    AgentConfig
	trace  *Trace
	dir    string
	ownDir bool
	self   upid.UPID // the same for every incarnation
	port   uint16    // the port the agent listens on (self.Port unless BehindProxy)
	proxy  *Proxy    // BehindProxy only

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every change
	closed  bool
	ep      *endpoint // nil while the agent is down
	inc     int       // incarnation: messages and timers of older ones are void
	phase   phase
	// recoveryStarted says a restarted agent has recovered its executors
	// (sent the Reconnect, or accepts the SUBSCRIBE); before, every v1
	// call is answered 503.
	recoveryStarted bool
	exec            executorRecord
	command         []string        // the launched executor's path and args
	queue           []proto.Message // tasks and groups waiting for registration
	updates         blocks[Update]
	// updatesGeneration counts ForgetAcknowledged calls (see updateCursor).
	updatesGeneration int
	accepted          int            // updates accepted since Start; never goes down
	acks              map[string]int // acknowledgements sent, by uuid
	// pendingAcks are the uuids whose delayed acknowledgement is armed.
	pendingAcks map[string]bool
	msgs        [][]byte // framework messages from the executor
	timers      map[*time.Timer]func()
	faults      faults
	streams     int // v1 subscriptions so far, to number them

	ackDelay     time.Duration
	listenedAt   time.Time // when the current incarnation started listening
	reconnectAt  time.Time
	reregistered bool
	latency      time.Duration
	proc         *process
}

// Start runs a simulated agent as slave(1) on 127.0.0.1 and returns once it
// listens. ctx bounds only the start (binding a fixed port is retried while
// it is busy). Close it when done.
func Start(ctx context.Context, cfg AgentConfig) (*Agent, error) {
	cfg = cfg.withDefaults()
	a := &Agent{
		cfg:         cfg,
		trace:       NewTrace(),
		changed:     make(chan struct{}),
		acks:        make(map[string]int),
		pendingAcks: make(map[string]bool),
		timers:      make(map[*time.Timer]func()),
		ackDelay:    cfg.AckDelay,
		exec:        executorRecord{state: Registering},
	}
	if err := a.makeDir(); err != nil {
		return nil, err
	}
	if cfg.BehindProxy {
		p, err := StartProxy()
		if err != nil {
			a.removeDir()
			return nil, err
		}
		a.proxy = p
	}
	if err := a.open(ctx, cfg.Port, phaseRunning); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

// Proxy is the proxy in front of the agent (BehindProxy), or nil.
func (a *Agent) Proxy() *Proxy { return a.proxy }

// advertisedPort is the port the agent puts in its UPID: the proxy's
// when it is behind one, else 0 (the port it listens on).
func (a *Agent) advertisedPort() uint16 {
	if a.proxy == nil {
		return 0
	}
	return a.proxy.Port()
}

func (a *Agent) makeDir() error {
	a.dir = a.cfg.Directory
	if a.dir != "" {
		return nil
	}
	dir, err := os.MkdirTemp("", "agentsim-sandbox-")
	if err != nil {
		return fmt.Errorf("agentsim: sandbox: %w", err)
	}
	a.dir, a.ownDir = dir, true
	return nil
}

func (a *Agent) removeDir() {
	if a.ownDir {
		os.RemoveAll(a.dir)
	}
}

// Close stops the agent, kills the executor's process group if it was
// launched and still runs, and removes a sandbox Start created.
func (a *Agent) Close() error {
	a.mu.Lock()
	if a.closed {
		a.mu.Unlock()
		return nil
	}
	a.closed = true
	ep := a.downLocked()
	p := a.proc
	a.broadcastLocked()
	a.mu.Unlock()
	if ep != nil {
		ep.close()
	}
	if p != nil {
		p.stop()
	}
	if a.proxy != nil {
		a.proxy.Close()
	}
	a.removeDir()
	return nil
}

// Crash stops the agent as kill -9 would, without a restart: its
// connections close (a v1 subscription stream ends with a FIN, without
// its last chunk), delayed acknowledgements are lost. The executor's
// record stays, as if checkpointed, for a later Restart.
func (a *Agent) Crash() {
	a.mu.Lock()
	ep := a.downLocked()
	a.mu.Unlock()
	if ep == nil {
		return
	}
	a.trace.add(Entry{Dir: AtAgent, Name: EventAgentCrashed, Detail: "connections closed"})
	ep.close()
}

// downLocked takes the agent down and returns the endpoint to close
// (outside the lock: its handlers may be waiting for it).
func (a *Agent) downLocked() *endpoint {
	ep := a.ep
	a.ep = nil
	a.inc++
	a.phase = phaseDown
	a.exec.stream = nil // the endpoint cuts it
	a.stopTimersLocked()
	return ep
}

// Trace is the agent's record of the run.
func (a *Agent) Trace() *Trace { return a.trace }

// UPID is the agent's libprocess address (MESOS_SLAVE_PID); it is the same
// after Restart.
func (a *Agent) UPID() upid.UPID { return a.self }

// Config is the agent's configuration with defaults filled in.
func (a *Agent) Config() AgentConfig { return a.cfg }

// Directory is the executor's sandbox.
func (a *Agent) Directory() string { return a.dir }

// Env is the environment the agent gives its executor, "NAME=value" (see
// Profile.Env), then AgentConfig.ExecutorEnv. LaunchExecutor adds PATH.
func (a *Agent) Env() []string {
	return append(a.profileEnv(), a.cfg.ExecutorEnv...)
}

func (a *Agent) profileEnv() []string {
	return a.cfg.Profile.Env(EnvParams{
		FrameworkID:           a.cfg.FrameworkID,
		ExecutorID:            a.cfg.ExecutorID,
		AgentID:               a.cfg.AgentID,
		AgentPID:              a.self,
		Directory:             a.dir,
		Checkpoint:            a.cfg.Checkpoint,
		RecoveryTimeout:       a.cfg.RecoveryTimeout,
		ShutdownGracePeriod:   a.cfg.ShutdownGracePeriod,
		ReregistrationTimeout: a.cfg.ReregistrationTimeout,
		AuthToken:             a.cfg.ExecutorToken,
	})
}

// Getenv looks name up in Env, for an executor run in-process:
// driver.ConfigFromEnv(agent.Getenv).
func (a *Agent) Getenv(name string) string {
	for _, kv := range a.Env() {
		if k, v, _ := strings.Cut(kv, "="); k == name {
			return v
		}
	}
	return ""
}

// InProcessGetenv is Getenv for an executor run in this process: the
// agent's environment, with LIBPROCESS_IP pinned to 127.0.0.1 where the
// profile leaves it unset (agents before 0.26), so that the executor binds
// loopback instead of depending on this host's name resolving. Pass it to
// driver.ConfigFromEnv.
func (a *Agent) InProcessGetenv(name string) string {
	if v := a.Getenv(name); v != "" || name != "LIBPROCESS_IP" {
		return v
	}
	return "127.0.0.1"
}

// Wire is the wire the executor chose by its first successful contact
// (Slave::registerExecutor, Slave::subscribe): WireV0 after a
// RegisterExecutorMessage, WireV1 after a SUBSCRIBE answered with
// SUBSCRIBED, "" before either.
func (a *Agent) Wire() Wire {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.exec.wire
}

// State is the agent's view of its executor.
func (a *Agent) State() ExecutorState {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.exec.state
}

// Updates lists the status updates accepted so far, in arrival order.
func (a *Agent) Updates() []Update {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := a.updates.all()
	for i := range out {
		out[i].Acks = a.acks[uuidKey(out[i].UUID)]
	}
	return out
}

// FrameworkMessages lists the data of the framework messages received.
func (a *Agent) FrameworkMessages() [][]byte {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([][]byte(nil), a.msgs...)
}

// SetAckDelay sets the delay of acknowledgements for updates received
// from now on; those already scheduled keep theirs.
func (a *Agent) SetAckDelay(d time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.ackDelay = d
	a.trace.add(Entry{Dir: Script, Name: "SetAckDelay", Detail: d.String()})
}

// broadcastLocked wakes every waiter.
func (a *Agent) broadcastLocked() {
	close(a.changed)
	a.changed = make(chan struct{})
}

// toExecutorLocked sends m to the executor over the wire it chose: as a
// libprocess message to its pid, or converted to a v1 event onto its
// subscription stream (also for an executor refused at its SUBSCRIBE,
// which gets SHUTDOWN on it).
func (a *Agent) toExecutorLocked(m proto.Message) bool {
	if a.exec.wire == WireV1 || a.exec.stream != nil {
		return a.sendEventLocked(a.exec.stream, m)
	}
	return a.sendLocked(a.exec.pid, m)
}

// sendLocked records and sends m as a libprocess message to to.
func (a *Agent) sendLocked(to upid.UPID, m proto.Message) bool {
	e := describe(m)
	e.Dir, e.Wire = ToExecutor, WireV0
	if a.ep == nil {
		a.trace.add(Entry{Dir: AtAgent, Name: EventSendFailed, Detail: e.Name + ": agent is down"})
		return false
	}
	a.trace.add(e)
	if err := a.ep.legacy.send(to, m); err != nil {
		a.trace.add(Entry{Dir: AtAgent, Name: EventSendFailed, Detail: err.Error()})
		return false
	}
	return true
}
