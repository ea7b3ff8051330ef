package glogger

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/logging"
)

func TestGlogBehindTheLoggingFacade(t *testing.T) {
	l := New()
	require.True(t, l.V(0))
	require.False(t, l.V(5), "glog's -v defaults to 0")
	logging.Set(l)
	defer logging.Set(nil)
	logging.Infof("through glog")
	logging.Flush()
}
