// Command mesostls is mesosraw with crypto/tls linked, as a driver that
// can speak TLS (LIBPROCESS_SSL_*) has it: the TLS client is reachable but
// not run, so the difference from mesosraw is what linking crypto/tls
// costs every process, mostly its packages' initialisation.
package main

import (
	"crypto/tls"
	"net"
	"os"

	"github.com/mesos-shim/executor/bench/floor"
	"github.com/mesos-shim/executor/bench/floor/rawcall"
)

func main() {
	if os.Getenv("MESOSTLS_DIAL") != "" { // never set by the floor command
		if c, err := net.Dial("tcp", os.Getenv("MESOSTLS_DIAL")); err == nil {
			tls.Client(c, &tls.Config{InsecureSkipVerify: true}).Handshake()
		}
	}
	rawcall.Run()
	floor.Report("")
}
