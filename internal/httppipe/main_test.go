package httppipe

import (
	"os"
	"testing"

	"github.com/mesos-shim/executor/internal/leakcheck"
)

func TestMain(m *testing.M) { os.Exit(leakcheck.Run(m)) }
