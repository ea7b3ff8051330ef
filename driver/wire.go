package driver

import (
	"github.com/mesos/mesos-go/api/v1/lib/executor"

	"github.com/mesos-shim/executor/driver/internal/core"
)

// wire is one generation of the executor protocol as the driver's loop uses
// it. Implementations turn what arrives into core inputs, posted through the
// function given at construction, and never decide anything themselves.
type wire interface {
	// open (re)connects freshly, replacing any previous connection.
	open() error
	// send sends one call; it must not block on the network.
	send(c *executor.Call) error
	// close ends the connection and every goroutine of the wire.
	close()
	// name is the wire's name for logs: "v0" or "v1".
	name() string
	// live reports whether inputs a wire posted for its subscription gen
	// still count; a replaced subscription's do not.
	live(gen int) bool
}

// poster delivers a core input to the driver's loop.
type poster func(core.Input)
