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

	"github.com/mesos/mesos-go/api/v1/lib/executor"

	"github.com/mesos-shim/executor/bench/floor"
	"github.com/mesos-shim/executor/bench/floor/rawcall"
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
	body := rawcall.UpdateBody()
	resp, err := http.Post("http://"+ln.Addr().String()+"/api/v1/executor", "application/x-protobuf", bytes.NewReader(body))
	if err != nil || resp.StatusCode != http.StatusAccepted {
		os.Exit(1)
	}
	resp.Body.Close()
	floor.Report("")
}
