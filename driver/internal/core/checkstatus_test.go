package core

import (
	"testing"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/stretchr/testify/require"
)

// A v1 agent answers an UPDATE whose check_status it finds invalid with
// 400 and drops it (common/validation.cpp, validateCheckStatusInfo); the
// executor must hear of it when it sends the update, not lose the update
// to a log line after being told it was sent.
func TestAnUpdateWithAnInvalidCheckStatusIsRefused(t *testing.T) {
	typ := func(t mesos.CheckInfo_Type) *mesos.CheckInfo_Type { return &t }
	cases := map[string]struct {
		check *mesos.CheckStatusInfo
		valid bool
	}{
		"no type":              {&mesos.CheckStatusInfo{Command: &mesos.CheckStatusInfo_Command{}}, false},
		"type UNKNOWN":         {&mesos.CheckStatusInfo{Type: typ(mesos.CheckInfo_UNKNOWN)}, false},
		"COMMAND without it":   {&mesos.CheckStatusInfo{Type: typ(mesos.CheckInfo_COMMAND), HTTP: &mesos.CheckStatusInfo_Http{}}, false},
		"HTTP without it":      {&mesos.CheckStatusInfo{Type: typ(mesos.CheckInfo_HTTP)}, false},
		"TCP without it":       {&mesos.CheckStatusInfo{Type: typ(mesos.CheckInfo_TCP)}, false},
		"COMMAND":              {&mesos.CheckStatusInfo{Type: typ(mesos.CheckInfo_COMMAND), Command: &mesos.CheckStatusInfo_Command{}}, true},
		"HTTP":                 {&mesos.CheckStatusInfo{Type: typ(mesos.CheckInfo_HTTP), HTTP: &mesos.CheckStatusInfo_Http{}}, true},
		"TCP":                  {&mesos.CheckStatusInfo{Type: typ(mesos.CheckInfo_TCP), TCP: &mesos.CheckStatusInfo_Tcp{}}, true},
		"a type newer than us": {&mesos.CheckStatusInfo{Type: typ(mesos.CheckInfo_Type(9))}, false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			h := registered(t, testConfig())
			in := statusUpdate("t1", mesos.TASK_RUNNING, 1)
			in.Status.CheckStatus = tc.check
			out := h.step(in)
			if tc.valid {
				require.NoError(t, out.Err)
				require.Len(t, out.Calls, 1)
				return
			}
			require.ErrorIs(t, out.Err, ErrInvalidCheckStatus)
			require.Empty(t, out.Calls)
			require.Zero(t, h.c.Unacknowledged())
		})
	}
}
