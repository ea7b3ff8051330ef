package httppipe

import (
	"fmt"
	"testing"

	"github.com/mesos-shim/executor/internal/fuzzseed"
)

// TestFuzzSeeds checks (with FUZZSEED=write, rewrites) the committed corpus
// of FuzzResponseReader (see internal/fuzzseed): every answer the agent and
// the C++ executor gave in the captures, exactly as sent and cut
// where the capture ends (202 to a call or a libprocess message, 503 during
// recovery, a SUBSCRIBE's chunked 200 stream), named
// captured-<scenario>-<connection>-<n>-<status>, and, for a connection
// that carried more than one, all its answers as one pipelined stream,
// captured-<scenario>-<connection>-answers.
func TestFuzzSeeds(t *testing.T) {
	var seeds []fuzzseed.Seed
	streams := map[string][]byte{}
	counts := map[string]int{}
	var order []string
	for _, x := range fuzzseed.Exchanges(t) {
		if x.Resp == nil {
			continue
		}
		name := fmt.Sprintf("captured-%s-%d-%d-%d", x.Scenario, x.Conn, x.Index, x.Resp.StatusCode)
		seeds = append(seeds, fuzzseed.New(name, x.RespRaw))
		conn := fmt.Sprintf("captured-%s-%d-answers", x.Scenario, x.Conn)
		if counts[conn] == 0 {
			order = append(order, conn)
		}
		counts[conn]++
		streams[conn] = append(streams[conn], x.RespRaw...)
	}
	for _, conn := range order {
		if counts[conn] > 1 {
			seeds = append(seeds, fuzzseed.New(conn, streams[conn]))
		}
	}
	fuzzseed.Sync(t, "FuzzResponseReader", seeds)
}
