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
	"github.com/mesos-shim/executor/upid"
)

// Bad input the agent can send a registered executor, to check that it is
// refused and leaves the executor working.

// InjectRaw sends body under name to the executor as it is: garbage bytes,
// a malformed protobuf under a valid name, or a name no agent sends.
func (a *Agent) InjectRaw(name string, body []byte) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.canSendLocked("InjectRaw"); err != nil {
		return err
	}
	a.trace.add(Entry{Dir: ToExecutor, Name: "Injected " + name, Detail: fmt.Sprintf("%d raw bytes", len(body))})
	return a.wire.sendRaw(a.exec.pid, name, body)
}

// InjectFromStranger sends m to the executor from a process that claims to
// be an agent, slave(1), at another address, and returns once the executor
// has answered: its receiver hands a message over before answering it, so by
// then the executor has dropped it, or taken it.
func (a *Agent) InjectFromStranger(m proto.Message) error {
	a.mu.Lock()
	to := a.exec.pid
	a.mu.Unlock()
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
	a.trace.add(Entry{Dir: ToExecutor, Name: "Injected " + msg.Name, Detail: "from stranger " + local.String()})
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
