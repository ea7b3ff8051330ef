// Command mesosraw is mesostypes without net/http, as this project's
// driver is built: the same LAUNCH decoded and UPDATE encoded, the call
// written as an HTTP/1.1 request on a plain TCP connection and answered
// 202 by a listener in the same process, then its memory reported: what
// any executor using these types costs before its own transport.
package main

import (
	"github.com/mesos-shim/executor/bench/floor"
	"github.com/mesos-shim/executor/bench/floor/rawcall"
)

func main() {
	rawcall.Run()
	floor.Report("")
}
