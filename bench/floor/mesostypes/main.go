// Command mesostypes is nethttp with the Mesos types every executor here
// links (mesos-go's v1 lib): it encodes and decodes a LAUNCH event and
// POSTs an UPDATE call, then reports its memory.
package main

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"os"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/executor"

	"github.com/mesos-shim/executor/bench/floor"
)

func main() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		os.Exit(1)
	}
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var c executor.Call
		if c.Unmarshal(b) != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	cmd := "true"
	launch := executor.Event{Type: executor.Event_LAUNCH, Launch: &executor.Event_Launch{Task: mesos.TaskInfo{
		Name: "t", TaskID: mesos.TaskID{Value: "t"}, AgentID: mesos.AgentID{Value: "a"},
		Resources: []mesos.Resource{{Name: "cpus", Type: mesos.SCALAR.Enum(), Scalar: &mesos.Value_Scalar{Value: 1}}},
		Command:   &mesos.CommandInfo{Value: &cmd}}}}
	b, _ := launch.Marshal()
	var ev executor.Event
	if ev.Unmarshal(b) != nil {
		os.Exit(1)
	}
	update := executor.Call{Type: executor.Call_UPDATE, Update: &executor.Call_Update{Status: mesos.TaskStatus{
		TaskID: ev.Launch.Task.TaskID, State: mesos.TASK_RUNNING.Enum(), UUID: make([]byte, 16)}}}
	body, _ := update.Marshal()
	resp, err := http.Post("http://"+ln.Addr().String()+"/api/v1/executor", "application/x-protobuf", bytes.NewReader(body))
	if err != nil || resp.StatusCode != http.StatusAccepted {
		os.Exit(1)
	}
	resp.Body.Close()
	floor.Report("")
}
