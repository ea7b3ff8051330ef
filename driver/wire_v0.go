package driver

import (
	"errors"
	"fmt"
	"sync"

	"github.com/gogo/protobuf/proto"
	"github.com/mesos-shim/executor/logging"
	"github.com/mesos/mesos-go/api/v1/lib/executor"

	"github.com/mesos-shim/executor/compat"
	"github.com/mesos-shim/executor/driver/internal/core"
	"github.com/mesos-shim/executor/mesosproto"
	"github.com/mesos-shim/executor/messenger"
	"github.com/mesos-shim/executor/upid"
)

// ExecutorProcessID is the libprocess id of the executor's process, as the
// C++ driver names it.
const ExecutorProcessID = "executor(1)"

// legacyWire speaks the libprocess protocol (agents 0.20 and later): a
// messenger listening at the executor's UPID and a link to the agent.
type legacyWire struct {
	post    poster
	agentID string
	m       *messenger.Messenger
	pid     string // m's UPID, which every status update carries

	mu     sync.Mutex
	agent  upid.UPID // may change when a restarted agent reconnects
	linked bool
}

func newLegacyWire(cfg Config, post poster) (*legacyWire, error) {
	w := &legacyWire{post: post, agentID: cfg.AgentID, agent: cfg.AgentPID}
	mc := messenger.Config{ProcessID: ExecutorProcessID, Handler: w.receive, Exited: w.exited,
		// Only the agent's messages make a connection established; a
		// stranger's stay under the messenger's bound on pending ones.
		Trusted: func(from upid.UPID) bool { return from == w.currentAgent() }}
	getenv := cfg.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	if err := mc.ApplyEnv(getenv, nil); err != nil {
		return nil, fmt.Errorf("driver: %w", err)
	}
	m, err := messenger.New(mc)
	if err != nil {
		return nil, fmt.Errorf("driver: %w", err)
	}
	w.m, w.pid = m, m.UPID().String()
	logging.Infof("driver: legacy (libprocess) wire: executor %s, agent %s", m.UPID(), cfg.AgentPID)
	return w, nil
}

func (w *legacyWire) name() string { return "v0" }

// live is always true: the legacy wire posts nothing stale.
func (w *legacyWire) live(int) bool { return true }

func (w *legacyWire) currentAgent() upid.UPID {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.agent
}

// open links to the agent; a later open always opens a fresh connection.
func (w *legacyWire) open() error {
	w.mu.Lock()
	agent, relink := w.agent, w.linked
	w.linked = true
	w.mu.Unlock()
	if relink {
		return w.m.Relink(agent)
	}
	return w.m.Link(agent)
}

func (w *legacyWire) send(c *executor.Call) error {
	msg, err := compat.LegacyFromCall(c, compat.Identity{AgentID: w.agentID, PID: w.pid})
	if err != nil {
		return err
	}
	body, err := proto.Marshal(msg)
	if err != nil {
		return err
	}
	return w.m.Send(messenger.Message{To: w.currentAgent(), Name: mesosproto.Name(msg), Body: body})
}

func (w *legacyWire) close() { w.m.Close() }

// receive converts a message from the agent into a core input. Messages from
// anyone else are dropped, except a reconnect request for our agent id,
// which is how a restarted agent (possibly at a new address) finds us.
func (w *legacyWire) receive(msg messenger.Message) {
	in, err := compat.EventFromLegacy(msg.Name, msg.Body)
	switch {
	case errors.Is(err, compat.ErrUnknownMessage): // the error repeats the name in full
		logging.Warningf("driver: dropping %s from %s: %v", shortName(msg.Name), msg.From, compat.ErrUnknownMessage)
		return
	case err != nil:
		logging.Warningf("driver: dropping %s from %s: %v", msg.Name, msg.From, err)
		return
	}
	if in.IsReconnect {
		w.reconnect(msg.From, in.ReconnectAgentID)
		return
	}
	if agent := w.currentAgent(); msg.From != agent {
		logging.Warningf("driver: dropping %s from %s: not our agent %s", shortName(msg.Name), msg.From, agent)
		return
	}
	w.post(core.Event{Event: in.Event})
}

func (w *legacyWire) reconnect(from upid.UPID, agentID string) {
	if agentID != w.agentID {
		logging.Warningf("driver: dropping reconnect request from %s for agent %q: ours is %q", from, agentID, w.agentID)
		return
	}
	w.mu.Lock()
	if w.agent != from {
		logging.Infof("driver: agent %s now at %s", w.agentID, from)
		w.agent = from
	}
	w.mu.Unlock()
	w.post(core.Reconnect{AgentID: agentID})
}

func (w *legacyWire) exited(u upid.UPID) {
	if u != w.currentAgent() {
		return
	}
	w.post(core.Lost{Cause: "link to agent " + u.String() + " broke"})
}

// maxLoggedName bounds a message name in a log line: a name comes from the
// sender, and the messenger accepts one of up to a request line's length.
const maxLoggedName = 128

// shortName is a message name fit for a log line: cut to maxLoggedName
// bytes, with its length when cut.
func shortName(name string) string {
	if len(name) <= maxLoggedName {
		return name
	}
	return fmt.Sprintf("%s… (%d bytes)", name[:maxLoggedName], len(name))
}
