package driver

import (
	"fmt"
	"sync"
	"time"

	"github.com/mesos-shim/executor/logging"
	"github.com/mesos/mesos-go/api/v1/lib/executor"

	"github.com/mesos-shim/executor/driver/internal/core"
)

// choice is the wire the driver starts with, why, and whether it may fall
// back to the legacy wire should the v1 endpoint fail before it ever
// worked.
type choice struct {
	wire     Protocol
	reason   string
	fallback bool
}

// chooseWire picks the wire from the configuration and the environment the
// agent set: MESOS_AGENT_ENDPOINT from 0.27,
// MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD from 0.28,
// MESOS_HTTP_COMMAND_EXECUTOR from 1.0 (executorEnvironment in Mesos's
// src/slave/slave.cpp, formerly src/slave/containerizer/containerizer.cpp).
func chooseWire(cfg Config) choice {
	canFallBack := !cfg.AgentPID.IsZero()
	switch {
	case cfg.Protocol == ProtocolV0:
		return choice{ProtocolV0, "asked for v0 (" + EnvProtocol + " or Config.Protocol)", false}
	case cfg.Protocol == ProtocolV1 && cfg.AgentEndpoint == "":
		return choice{ProtocolV0, "asked for v1, but " + EnvAgentEndpoint + " is unset (agent older than 0.27)", false}
	case cfg.Protocol == ProtocolV1:
		return choice{ProtocolV1, "asked for v1 (" + EnvProtocol + " or Config.Protocol)", false}
	case cfg.AgentEndpoint == "":
		return choice{ProtocolV0, EnvAgentEndpoint + " is unset: the agent is older than 0.27 and has no working v1 API", false}
	case cfg.HTTPCommandExecutor != "":
		return choice{ProtocolV1, EnvHTTPCommandExecutor + " is set: the agent is 1.0 or newer, where v1 is stable", canFallBack}
	case !cfg.AgentSetGracePeriod:
		return choice{ProtocolV0, "the agent is 0.27, whose v1 API is experimental and numbers its events differently", false}
	default:
		return choice{ProtocolV0, "the agent is 0.28, whose v1 API is experimental; the legacy wire is preferred (set " + EnvProtocol + "=v1 to change)", false}
	}
}

// newNegotiatedWire opens the wire chooseWire picks, logging the choice and
// its reason once. When the v1 wire may fall back, it is wrapped in a
// negotiator.
func newNegotiatedWire(d *Driver, cfg Config) (wire, error) {
	ch := d.choice
	logging.Infof("driver: speaking %s: %s", ch.wire, ch.reason)
	if ch.wire == ProtocolV0 {
		return newLegacyWire(cfg, d.post)
	}
	if !ch.fallback {
		return newHTTPWire(cfg, d.postGen, v1Hooks{})
	}
	return newNegotiator(d, cfg)
}

// newNegotiator opens the v1 wire, watched by a negotiator that may fall
// back to the legacy wire.
func newNegotiator(d *Driver, cfg Config) (*negotiator, error) {
	n := &negotiator{d: d, cfg: cfg}
	n.legacy = func() (wire, error) { return newLegacyWire(cfg, d.post) }
	v1, err := newHTTPWire(cfg, d.postGen, v1Hooks{answered: n.answered, failed: n.failed})
	if err != nil {
		return nil, err
	}
	n.v1, n.active = v1, v1
	return n, nil
}

// negotiator runs the v1 wire until it works, and falls back to the legacy
// wire if it fails before ever working: no v1 endpoint (404, before 0.25),
// nothing listening there, or a stub endpoint that never sends an event
// (0.25, 0.26). It never switches once a subscription succeeded: an agent
// cannot take an executor back on the other wire: Slave::registerExecutor
// (Mesos's src/slave/slave.cpp) shuts down a running executor, and after a
// restart RunState::recover (src/slave/state.cpp) prefers its libprocess.pid
// to an http.marker.
type negotiator struct {
	d   *Driver
	cfg Config
	v1  *httpWire
	// legacy opens the legacy wire to fall back to.
	legacy func() (wire, error)

	mu        sync.Mutex
	active    wire
	first     *executor.Call // the first SUBSCRIBE, for the legacy wire
	timer     *time.Timer
	succeeded bool // a v1 stream brought an event
	fellBack  bool
	closed    bool
	// fallingBack counts fallbacks under way, which close waits for: one
	// that started just before close would otherwise register on a legacy
	// wire nobody closes.
	fallingBack sync.WaitGroup
}

func (n *negotiator) name() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.active.name()
}

func (n *negotiator) current() wire {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.active
}

func (n *negotiator) open() error { return n.current().open() }

func (n *negotiator) send(c *executor.Call) error {
	n.mu.Lock()
	if n.first == nil && c.Type == executor.Call_SUBSCRIBE && c.Subscribe == nil {
		first := *c
		n.first = &first
		n.timer = time.AfterFunc(n.subscribeTimeout(), n.timedOut)
	}
	w := n.active
	n.mu.Unlock()
	return w.send(c)
}

func (n *negotiator) subscribeTimeout() time.Duration {
	if n.cfg.SubscribeTimeout > 0 {
		return n.cfg.SubscribeTimeout
	}
	return defaultSubscribeTimeout
}

func (n *negotiator) live(gen int) bool {
	n.mu.Lock()
	onV1 := n.active == wire(n.v1)
	n.mu.Unlock()
	return onV1 && n.v1.live(gen)
}

func (n *negotiator) close() {
	n.mu.Lock()
	if n.timer != nil {
		n.timer.Stop()
	}
	n.closed = true // no fallback starts after this
	n.mu.Unlock()
	n.fallingBack.Wait()
	w := n.current()
	if w != wire(n.v1) {
		n.v1.close() // already stopped by fallBack: this waits for its goroutines
	}
	w.close()
}

// answered: the v1 wire works; stay on it for good.
func (n *negotiator) answered() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.succeeded = true
	if n.timer != nil {
		n.timer.Stop()
	}
}

// failed decides on a failed first subscription: fall back when the agent
// has no working v1 endpoint; otherwise let the core retry or give up. A
// failure while a fallback is under way is the fallback's: the core
// retrying on v1, or giving up, would race the legacy registration.
func (n *negotiator) failed(f subscribeFailure) bool {
	if n.fallingBackNow() {
		logging.V(1).Infof("driver: v1 failed while falling back to the legacy wire (left to the fallback): %s", f.cause)
		return true
	}
	if !f.noV1 {
		return false
	}
	return n.fallBack("v1 failed before it ever worked (" + f.cause + ")")
}

// fallingBackNow reports whether a fallback has started and v1 has not
// answered meanwhile.
func (n *negotiator) fallingBackNow() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.fellBack && !n.succeeded
}

func (n *negotiator) timedOut() {
	n.fallBack(fmt.Sprintf("no event on the v1 stream within %v: a stub v1 endpoint (agents 0.25 and 0.26)", n.subscribeTimeout()))
}

// fallBack switches to the legacy wire and registers there, once, and only
// while no v1 stream ever brought an event. One that arrives while the
// legacy wire opens wins: the agent has taken the executor on v1, and
// would shut it down on a legacy registration (Slave::registerExecutor).
func (n *negotiator) fallBack(reason string) bool {
	n.mu.Lock()
	if n.succeeded || n.fellBack || n.closed || n.first == nil {
		n.mu.Unlock()
		return false
	}
	n.fellBack = true
	n.fallingBack.Add(1)
	n.mu.Unlock()
	defer n.fallingBack.Done()
	logging.Warningf("driver: falling back to the legacy wire: %s", reason)
	legacy, err := n.legacy()
	if err != nil {
		n.d.post(core.Lost{Cause: "falling back to the legacy wire: " + err.Error()})
		return true
	}
	if !n.switchTo(legacy) {
		logging.Infof("driver: the agent answered on v1 while the legacy wire opened: staying on v1")
		legacy.close()
		return false
	}
	n.v1.stop() // we may be on one of its goroutines; close waits for them later
	n.d.post(core.WireChanged{Resubscribe: false})
	if err := legacy.open(); err != nil {
		logging.Errorf("driver: linking to the agent: %v", err)
	}
	if err := legacy.send(n.first); err != nil {
		logging.Errorf("driver: registering on the legacy wire: %v", err)
	}
	return true
}

// switchTo makes legacy the active wire, unless v1 has answered since the
// fallback started. From then on v1's inputs no longer count (live).
func (n *negotiator) switchTo(legacy wire) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.succeeded {
		return false
	}
	n.active = legacy
	return true
}
