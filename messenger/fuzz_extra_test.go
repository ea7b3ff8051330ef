package messenger

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/internal/fuzzseed"
	"github.com/mesos-shim/executor/upid"
)

// FuzzParseMessage gives ParseMessage requests whose method, target, sender
// headers and body are arbitrary, past what the RequestReader would let
// through: it must not panic, must refuse only with 400, 404 or 405, must
// take the sender from Libprocess-From, or from a libprocess User-Agent
// when that is absent, as upid.Parse reads it, must name a receiving
// process id without '/' and a message, and every message it accepts must
// re-encode, in each framing, to a request that reads back as the same
// message. The committed corpus has the parts of every request in the
// captures (see TestFuzzSeeds).
func FuzzParseMessage(f *testing.F) {
	f.Add("POST", "/executor(1)/mesos.internal.RunTaskMessage", "", "libprocess/slave(1)@10.0.0.1:5051", []byte("\x0a\x00"))
	f.Add("POST", "/executor(1)/a%2Fb?x=1", "slave(1)@[::1]:5051", "", []byte{})
	f.Add("GET", "/executor(1)/x", "slave(1)@10.0.0.1:5051", "", []byte{})
	f.Fuzz(func(t *testing.T, method, target, from, userAgent string, body []byte) {
		req := &Request{Method: method, Target: target, Minor: 1, LibprocessFrom: from, UserAgent: userAgent, Body: body}
		msg, err := ParseMessage(req)
		if err != nil {
			require.Contains(t, []int{400, 404, 405}, statusOf(err), "%v", err)
			return
		}
		text := from
		if text == "" {
			text = strings.TrimSpace(strings.TrimPrefix(userAgent, userAgentPrefix))
		}
		want, err := upid.Parse(text)
		require.NoError(t, err, "ParseMessage accepted sender %q", text)
		require.Equal(t, want, msg.From)
		require.NotContains(t, msg.To.ID, "/")
		require.NotEmpty(t, msg.Name)
		require.Equal(t, body, msg.Body)
		normalise(req)
		requireReencodes(t, req, int64(len(body))+1)
	})
}

// TestFuzzSeeds checks (with FUZZSEED=write, rewrites) the committed
// corpora of the package's fuzz targets (see internal/fuzzseed):
//
//   - FuzzRequestReader: every HTTP request of the captures exactly
//     as sent (libprocess messages from C++ libprocess and from mesos-go
//     v0's Go client, both directions, and the v1 calls, which are not
//     libprocess messages), named captured-<scenario>-<connection>-<n>-<name>,
//     and every connection that carried more than one request as one
//     pipelined stream, captured-<scenario>-<connection>-stream.
//   - FuzzParseMessage: the method, target, sender headers and body of every
//     libprocess request in the captures.
func TestFuzzSeeds(t *testing.T) {
	var raw, parts []fuzzseed.Seed
	streams := map[string][]byte{}
	counts := map[string]int{}
	var order []string
	for _, x := range fuzzseed.Exchanges(t) {
		name := fmt.Sprintf("captured-%s-%d-%d-%s", x.Scenario, x.Conn, x.Index, shortName(x.Name()))
		raw = append(raw, fuzzseed.New(name, x.Raw))
		conn := fmt.Sprintf("captured-%s-%d-stream", x.Scenario, x.Conn)
		if counts[conn] == 0 {
			order = append(order, conn)
		}
		counts[conn]++
		streams[conn] = append(streams[conn], x.Raw...)
		if x.Libprocess() {
			parts = append(parts, fuzzseed.New(name, x.Req.Method, x.Req.RequestURI,
				x.Req.Header.Get("Libprocess-From"), x.Req.Header.Get("User-Agent"), bytes.Clone(x.Body)))
		}
	}
	for _, conn := range order {
		if counts[conn] > 1 {
			raw = append(raw, fuzzseed.New(conn, streams[conn]))
		}
	}
	fuzzseed.Sync(t, "FuzzRequestReader", raw)
	fuzzseed.Sync(t, "FuzzParseMessage", parts)
}

// shortName drops the package of a libprocess message name.
func shortName(name string) string {
	return name[strings.LastIndexByte(name, '.')+1:]
}
