// Package rawcall is the work of the floor programs that use the Mesos
// types: a mesos-go v1 LAUNCH decoded and an UPDATE encoded (UpdateBody,
// for mesostypes too), then sent without net/http (Run, for mesosraw and
// mesostls). It is a package of its own so that the floor programs which do
// not use the Mesos types do not run their initialisation.
package rawcall

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"os"
	"strconv"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/executor"
)

// UpdateBody decodes a LAUNCH event (encoded here first) and returns the
// UPDATE call for its task, encoded: the Mesos-types work every floor
// program that uses them does. It exits on any failure.
func UpdateBody() []byte {
	cmd := "true"
	launch := executor.Event{Type: executor.Event_LAUNCH, Launch: &executor.Event_Launch{Task: mesos.TaskInfo{
		Name: "t", TaskID: mesos.TaskID{Value: "t"}, AgentID: mesos.AgentID{Value: "a"},
		Resources: []mesos.Resource{{Name: "cpus", Type: mesos.SCALAR.Enum(), Scalar: &mesos.Value_Scalar{Value: 1}}},
		Command:   &mesos.CommandInfo{Value: &cmd}}}}
	b, _ := launch.Marshal()
	var ev executor.Event
	if err := ev.Unmarshal(b); err != nil {
		fail(err)
	}
	update := executor.Call{Type: executor.Call_UPDATE, Update: &executor.Call_Update{Status: mesos.TaskStatus{
		TaskID: ev.Launch.Task.TaskID, State: mesos.TASK_RUNNING.Enum(), UUID: make([]byte, 16)}}}
	body, err := update.Marshal()
	if err != nil {
		fail(err)
	}
	return body
}

// Run writes UpdateBody's call as an HTTP/1.1 request on a plain TCP
// connection to a listener in the same process, which answers 202 once
// the call decodes, and exits on any failure.
func Run() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail(err)
	}
	go serveOne(ln)
	body := UpdateBody()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		fail(err)
	}
	fmt.Fprintf(conn, "POST /api/v1/executor HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-protobuf\r\nContent-Length: %d\r\n\r\n%s",
		ln.Addr(), len(body), body)
	status, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || status != "HTTP/1.1 202 Accepted\r\n" {
		fail(fmt.Errorf("answer %q: %v", status, err))
	}
}

// serveOne answers one call on one connection with 202, once the call
// decodes.
func serveOne(ln net.Listener) {
	conn, err := ln.Accept()
	if err != nil {
		fail(err)
	}
	r := textproto.NewReader(bufio.NewReader(conn))
	if _, err := r.ReadLine(); err != nil {
		fail(err)
	}
	h, err := r.ReadMIMEHeader()
	if err != nil {
		fail(err)
	}
	n, err := strconv.Atoi(h.Get("Content-Length"))
	if err != nil {
		fail(err)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r.R, body); err != nil {
		fail(err)
	}
	var c executor.Call
	if err := c.Unmarshal(body); err != nil {
		fail(err)
	}
	io.WriteString(conn, "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
