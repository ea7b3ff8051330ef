// Command nethttp makes one POST through net/http's client to its own
// net/http server on loopback, then reports its memory: the floor of an
// executor on the v1 HTTP API before any Mesos type.
package main

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"os"

	"github.com/mesos-shim/executor/bench/floor"
)

func main() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		os.Exit(1)
	}
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusAccepted)
	}))
	resp, err := http.Post("http://"+ln.Addr().String()+"/api/v1/executor", "application/x-protobuf", bytes.NewReader(make([]byte, 200)))
	if err != nil {
		os.Exit(1)
	}
	resp.Body.Close()
	floor.Report("")
}
