package agentsim

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/gogo/protobuf/proto"

	"github.com/mesos-shim/executor/mesosproto"
	"github.com/mesos-shim/executor/messenger"
	"github.com/mesos-shim/executor/recordio"
	"github.com/mesos-shim/executor/upid"
)

// Bad input the agent can send a registered executor, to check that it is
// refused and leaves the executor working, or not.

// InjectRaw sends body to the executor as it is. On the legacy wire it is
// a message named name: garbage bytes, a malformed protobuf under a valid
// name, or a name no agent sends. On the v1 wire it is one RecordIO record
// on the subscription stream (name is only recorded): garbage, an event of
// a type the executor does not know, a record of any size.
func (a *Agent) InjectRaw(name string, body []byte) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.canSendLocked("InjectRaw"); err != nil {
		return err
	}
	if a.exec.wire == WireV1 {
		return a.injectLocked("Injected "+name, fmt.Sprintf("%d raw bytes as one record", len(body)), recordio.AppendRecord(nil, body))
	}
	a.trace.add(Entry{Dir: ToExecutor, Wire: WireV0, Name: "Injected " + name, Detail: fmt.Sprintf("%d raw bytes", len(body))})
	return a.ep.legacy.sendRaw(a.exec.pid, name, body)
}

// InjectStreamBytes writes raw bytes, as one chunk, on a v1 executor's
// subscription stream, without RecordIO framing: a truncated record
// ("100\nabc", then CutStream), a malformed length line ("12x\n"), or the
// length line of an oversized record ("1099511627776\n").
func (a *Agent) InjectStreamBytes(raw []byte) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.canSendLocked("InjectStreamBytes"); err != nil {
		return err
	}
	if a.exec.wire != WireV1 {
		return fmt.Errorf("agentsim: InjectStreamBytes: the executor is not on the v1 wire")
	}
	return a.injectLocked("Injected bytes", fmt.Sprintf("%d raw bytes: %s", len(raw), dataDetail(raw)), raw)
}

func (a *Agent) injectLocked(name, detail string, b []byte) error {
	st := a.exec.stream
	a.trace.add(Entry{Dir: ToExecutor, Wire: WireV1, Name: name, Detail: detail})
	if st == nil || !st.push(b) {
		return fmt.Errorf("agentsim: %s: the executor's subscription stream is closed", name)
	}
	return nil
}

// CutStream closes a v1 executor's subscription connection as a network
// failure would: a FIN, without the stream's last chunk. The agent keeps
// running and, as a real one, does nothing about it (Slave::subscribe sets
// no handler for the connection's end):
// what it sends the executor is lost until the executor subscribes again.
func (a *Agent) CutStream() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	st := a.exec.stream
	if st == nil {
		return fmt.Errorf("agentsim: CutStream: the executor has no subscription stream")
	}
	a.trace.add(Entry{Dir: Script, Wire: WireV1, Name: "CutStream", Detail: fmt.Sprintf("subscription %d", st.n)})
	st.cut()
	a.broadcastLocked()
	return nil
}

// EndStream writes last (raw, without RecordIO framing; it may be nil) on
// a v1 executor's subscription stream and then ends the response cleanly,
// with its last chunk, in one step: nothing the agent sends meanwhile can
// come between them. EndStream([]byte("100\nabc")) makes the executor's
// stream end inside a record, deterministically (CutStream may close the
// connection before what was injected is written). The agent keeps running
// and does nothing about it, as for CutStream.
func (a *Agent) EndStream(last []byte) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	st := a.exec.stream
	if st == nil {
		return fmt.Errorf("agentsim: EndStream: the executor has no subscription stream")
	}
	if len(last) > 0 {
		if err := a.injectLocked("Injected bytes", fmt.Sprintf("%d raw bytes: %s", len(last), dataDetail(last)), last); err != nil {
			return err
		}
	}
	a.trace.add(Entry{Dir: Script, Wire: WireV1, Name: "EndStream", Detail: fmt.Sprintf("subscription %d", st.n)})
	st.end()
	a.broadcastLocked()
	return nil
}

// InjectFromStranger sends m to the executor from a process that claims to
// be an agent, slave(1), at another address, and returns once the executor
// has answered: its receiver hands a message over before answering it, so by
// then the executor has dropped it, or taken it.
// It is for PID executors only: a v1 executor has no listener.
func (a *Agent) InjectFromStranger(m proto.Message) error {
	a.mu.Lock()
	to, wire := a.exec.pid, a.exec.wire
	a.mu.Unlock()
	if wire == WireV1 || to.IsZero() {
		return fmt.Errorf("agentsim: InjectFromStranger: the executor has no libprocess address (it is on the %q wire)", wire)
	}
	body, err := proto.Marshal(m)
	if err != nil {
		return err
	}
	conn, err := net.DialTimeout("tcp", to.HostPort(), 5*time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	local, err := upid.Parse(AgentProcessID + "@" + conn.LocalAddr().String())
	if err != nil {
		return err
	}
	local.Port++ // not an address anything listens at as an agent
	msg := messenger.Message{From: local, To: to, Name: mesosproto.Name(m), Body: body}
	a.trace.add(Entry{Dir: ToExecutor, Wire: WireV0, Name: "Injected " + msg.Name, Detail: "from stranger " + local.String()})
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Write(messenger.AppendMessage(nil, &msg, messenger.FramingHTTP11)); err != nil {
		return err
	}
	status, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return fmt.Errorf("agentsim: stranger got no answer: %w", err)
	}
	a.trace.add(Entry{Dir: AtAgent, Name: "StrangerAnswered", Detail: strings.TrimSpace(status)})
	return nil
}

// DialExecutor opens a plaintext connection to a PID executor's libprocess
// listener, for bad input below the level of messages: garbage bytes, a
// request cut short or trickled, a forged sender, a connection that never
// sends anything. The caller writes to it, reads the answers and closes
// it; the trace records the dial only.
// It is for PID executors only: a v1 executor has no listener.
func (a *Agent) DialExecutor() (net.Conn, error) {
	a.mu.Lock()
	to, wire := a.exec.pid, a.exec.wire
	a.mu.Unlock()
	if wire == WireV1 || to.IsZero() {
		return nil, fmt.Errorf("agentsim: DialExecutor: the executor has no libprocess address (it is on the %q wire)", wire)
	}
	conn, err := net.DialTimeout("tcp", to.HostPort(), 5*time.Second)
	if err != nil {
		return nil, err
	}
	a.trace.add(Entry{Dir: ToExecutor, Wire: WireV0, Name: "Injected connection", Detail: "raw, from " + conn.LocalAddr().String()})
	return conn, nil
}
