package agentsim

import (
	"bufio"
	"encoding/hex"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/mesos/mesos-go/api/v1/lib/executor"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/compat/httpapi"
)

// capturedRun is the v1 traffic of one captured scenario: the executor's
// request bodies and the agent's event records, in order.
type capturedRun struct {
	codec    httpapi.Codec
	requests [][]byte
	events   [][]byte
}

// readCapturedV1 loads testdata/captured-v1.txt, cut from the captures of
// a real 1.12.0-dev agent (the repository's
// testdata/captures/mesos-1.12-dev).
func readCapturedV1(t *testing.T) map[string]*capturedRun {
	f, err := os.Open("testdata/captured-v1.txt")
	require.NoError(t, err)
	defer f.Close()
	runs := map[string]*capturedRun{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "#") {
			continue
		}
		fs := strings.Fields(sc.Text())
		require.Len(t, fs, 4, sc.Text())
		body, err := hex.DecodeString(fs[3])
		require.NoError(t, err)
		codec, ok := httpapi.CodecForContentType(fs[2])
		require.True(t, ok, fs[2])
		run := runs[fs[0]]
		if run == nil {
			run = &capturedRun{codec: codec}
			runs[fs[0]] = run
		}
		if fs[1] == "request" {
			run.requests = append(run.requests, body)
		} else {
			run.events = append(run.events, body)
		}
	}
	require.NoError(t, sc.Err())
	return runs
}

// The captured executor's own request bodies, sent to an agent with the
// captured ids, get what the real agent answered: 200 and SUBSCRIBED with
// the same ids, the same LAUNCH, 202 to each UPDATE with an ACKNOWLEDGED
// byte for byte the real one, and the same SHUTDOWN.
func TestV1ReplaysTheCapturedConversation(t *testing.T) {
	runs := readCapturedV1(t)
	for _, name := range []string{"v1-a-finish", "v1j-a-finish"} {
		t.Run(name, func(t *testing.T) {
			run := runs[name]
			require.NotNil(t, run)
			require.Len(t, run.requests, 3)
			require.Len(t, run.events, 5)
			decode := func(rec []byte) *executor.Event {
				ev, err := run.codec.DecodeEvent(rec)
				require.NoError(t, err)
				return ev
			}
			real, launch := decode(run.events[0]).Subscribed, decode(run.events[1]).Launch
			a := startAgent(t, AgentConfig{Profile: Mesos112, FrameworkID: real.FrameworkInfo.GetID().GetValue(),
				ExecutorID: real.ExecutorInfo.ExecutorID.Value, AgentID: real.AgentInfo.GetID().GetValue()})
			require.NoError(t, a.Launch(launch.Task))
			f := newV1Executor(t, a, run.codec)

			resp, _ := f.subscribeBody(run.requests[0])
			require.Equal(t, http.StatusOK, resp.StatusCode)
			s := newV1Stream(t, resp, run.codec)
			sub := s.expect(executor.Event_SUBSCRIBED).Subscribed
			require.Equal(t, real.ExecutorInfo.ExecutorID, sub.ExecutorInfo.ExecutorID)
			require.Equal(t, real.FrameworkInfo.ID, sub.FrameworkInfo.ID)
			require.Equal(t, real.AgentInfo.ID, sub.AgentInfo.ID)
			require.Equal(t, launch.Task, s.expect(executor.Event_LAUNCH).Launch.Task)

			for i, body := range run.requests[1:] {
				r := f.do(f.request(run.codec.ContentType(), body))
				require.Equal(t, http.StatusAccepted, r.status)
				require.Equal(t, string(run.events[2+i]), string(s.nextRecord()), "ACKNOWLEDGED %d", i+1)
			}
			require.NoError(t, a.Shutdown())
			require.Equal(t, string(run.events[4]), string(s.nextRecord()), "SHUTDOWN")
		})
	}
}
