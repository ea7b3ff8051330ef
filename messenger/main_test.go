package messenger

import (
	"os"
	"testing"
	"time"

	v0messenger "github.com/mesos/mesos-go/api/v0/messenger"

	"github.com/mesos-shim/executor/internal/leakcheck"
)

func TestMain(m *testing.M) {
	// A mesos-go messenger's Stop closes only its listener: a connection
	// between two of them (BenchmarkSendReceive/mesos-go-v0) stays open
	// until the receiving side's idle read times out and sees it was
	// stopped, 10 s by default, past leakcheck's wait. Its goroutines are
	// mesos-go's, not ours; a short timeout lets them end in time.
	v0messenger.ReadTimeout = 200 * time.Millisecond
	os.Exit(leakcheck.Run(m))
}
