package agentsim

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/gogo/protobuf/proto"

	"github.com/mesos-shim/executor/mesosproto"
	"github.com/mesos-shim/executor/messenger"
	"github.com/mesos-shim/executor/upid"
)

// AgentProcessID is the libprocess id of the agent process.
const AgentProcessID = "slave(1)"

// endpoint is one incarnation of the agent's port (Restart makes a new
// one): a router that splits the connections between the legacy transport
// and the v1 executor API (listener.go, v1server.go).
type endpoint struct {
	router *router
	legacy transport
	v1     *v1Server
}

// newEndpoint serves both wires on ln.
func newEndpoint(ln net.Listener, f messenger.Framing, advertise uint16, inc incarnation) (*endpoint, error) {
	r := newRouter(ln)
	legacy, err := newLegacyWire(f, r.legacy, advertise, inc)
	if err != nil {
		r.close()
		return nil, err
	}
	return &endpoint{router: r, legacy: legacy, v1: newV1Server(r.v1, inc)}, nil
}

// close stops accepting, then cuts every connection: the v1 streams first
// (they end with a FIN, without their last chunk), then the messenger's.
// port is the port the endpoint listens on.
func (e *endpoint) port() uint16 {
	ap, err := netip.ParseAddrPort(e.router.ln.Addr().String())
	if err != nil {
		return 0
	}
	return ap.Port()
}

func (e *endpoint) close() {
	e.router.close()
	e.v1.close()
	e.legacy.close()
}

// transport is the agent's libprocess side, alive for one incarnation of
// the agent. The agent's logic speaks the legacy messages, as slave.cpp does
// internally; a transport moves them and hands what it receives to a sink,
// decoded. The v1 side converts at its edge with package compat
// (EventFromLegacy for what the agent sends, LegacyFromCall for what it
// receives): see v1server.go and v1calls.go.
type transport interface {
	self() upid.UPID
	send(to upid.UPID, m proto.Message) error
	// sendRaw sends a body as it is, for fault injection.
	sendRaw(to upid.UPID, name string, body []byte) error
	link(to upid.UPID) error
	close()
}

// sink receives what a transport hears.
type sink interface {
	received(from upid.UPID, m proto.Message)
	unreadable(from upid.UPID, name string, err error)
	linkBroken(u upid.UPID)
	rejected(r messenger.Rejection)
}

// legacyWire is the libprocess transport: a messenger serving slave(1).
type legacyWire struct {
	m    *messenger.Messenger
	sink sink
}

// newLegacyWire serves slave(1) on the connections ln hands over.
func newLegacyWire(framing messenger.Framing, ln net.Listener, advertise uint16, s sink) (*legacyWire, error) {
	w := &legacyWire{sink: s}
	m, err := messenger.New(messenger.Config{
		ProcessID:     AgentProcessID,
		Listener:      ln,
		AdvertisePort: advertise,
		Framing:       framing,
		Handler:       w.receive,
		Exited:        s.linkBroken,
		Rejected:      s.rejected,
	})
	if err != nil {
		return nil, err
	}
	w.m = m
	return w, nil
}

func (w *legacyWire) self() upid.UPID { return w.m.UPID() }

func (w *legacyWire) send(to upid.UPID, m proto.Message) error {
	body, err := proto.Marshal(m)
	if err != nil {
		return fmt.Errorf("agentsim: encoding %s: %w", mesosproto.Name(m), err)
	}
	return w.m.Send(messenger.Message{To: to, Name: mesosproto.Name(m), Body: body})
}

func (w *legacyWire) sendRaw(to upid.UPID, name string, body []byte) error {
	return w.m.Send(messenger.Message{To: to, Name: name, Body: body})
}

func (w *legacyWire) link(to upid.UPID) error { return w.m.Link(to) }

func (w *legacyWire) close() { w.m.Close() }

// executorMessages are the messages an agent handles from an executor.
var executorMessages = map[string]func() proto.Message{
	"mesos.internal.RegisterExecutorMessage":    func() proto.Message { return new(mesosproto.RegisterExecutorMessage) },
	"mesos.internal.ReregisterExecutorMessage":  func() proto.Message { return new(mesosproto.ReregisterExecutorMessage) },
	"mesos.internal.StatusUpdateMessage":        func() proto.Message { return new(mesosproto.StatusUpdateMessage) },
	"mesos.internal.ExecutorToFrameworkMessage": func() proto.Message { return new(mesosproto.ExecutorToFrameworkMessage) },
}

func (w *legacyWire) receive(msg messenger.Message) {
	newMsg, ok := executorMessages[msg.Name]
	if !ok {
		w.sink.unreadable(msg.From, msg.Name, fmt.Errorf("no handler for %s", msg.Name))
		return
	}
	m := newMsg()
	if err := mesosproto.Unmarshal(msg.Body, m); err != nil {
		w.sink.unreadable(msg.From, msg.Name, err)
		return
	}
	w.sink.received(msg.From, m)
}
