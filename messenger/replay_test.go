package messenger

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/internal/pcap"
	"github.com/mesos-shim/executor/upid"
)

// The replay tests read the real Mesos 1.12.0-dev traffic in the
// repository's testdata/captures/mesos-1.12-dev (see its README.md): every
// libprocess request in the pcaps must parse, name the senders the
// transcripts show, re-encode to the same bytes when a C++ libprocess wrote
// it, and be delivered intact by a live Messenger.

// capturesDir is the capture set, committed at testdata/captures/mesos-1.12-dev.
var capturesDir = filepath.Join("..", "testdata", "captures", "mesos-1.12-dev")

// requireCaptures fails, rather than skips, when the captures are missing:
// a replay test that silently does nothing would pass for the wrong reason.
func requireCaptures(tb testing.TB) []string {
	tb.Helper()
	_, err := os.Stat(capturesDir)
	require.NoError(tb, err, "the Mesos 1.12 captures must be at %s (testdata/captures/mesos-1.12-dev in the repository)", capturesDir)
	pcaps, err := filepath.Glob(filepath.Join(capturesDir, "pcap", "*.pcap"))
	require.NoError(tb, err)
	require.Len(tb, pcaps, len(capturedCounts), "pcaps in %s", capturesDir)
	return pcaps
}

// capturedCounts is the number of libprocess requests in each capture,
// counted in its transcript (entries "#N ... (request" whose request line is
// "POST /executor(" or "POST /slave(1)/mesos.internal.").
var capturedCounts = map[string]struct{ toExecutor, toAgent int }{
	"cpp-b-kill":           {8, 5},
	"cpp-c-restart":        {10, 6},
	"v0-a-finish":          {5, 3},
	"v0-b-kill":            {6, 3},
	"v0-c-restart":         {8, 4},
	"v0-d-group":           {4, 2},
	"v0-e-recovery-update": {7, 4},
	"v0-f-nocheckpoint":    {3, 2},
	"v0-f-orphan-update":   {0, 1},
	"v1-a-finish":          {0, 0},
	"v1-b-kill":            {0, 0},
	"v1-c-restart":         {0, 0},
	"v1-d-group":           {0, 0},
	"v1-e-recovery-update": {0, 0},
	"v1-f-nocheckpoint":    {0, 0},
	"v1j-a-finish":         {0, 0},
}

// knownNames are the message names on the legacy executor wire
// (Mesos's src/messages/messages.proto, and the unversioned
// mesos.executor.Event of include/mesos/executor/executor.proto).
var knownNames = map[string]bool{
	"mesos.internal.RegisterExecutorMessage":            true,
	"mesos.internal.ReregisterExecutorMessage":          true,
	"mesos.internal.ExecutorRegisteredMessage":          true,
	"mesos.internal.ExecutorReregisteredMessage":        true,
	"mesos.internal.ReconnectExecutorMessage":           true,
	"mesos.internal.RunTaskMessage":                     true,
	"mesos.internal.KillTaskMessage":                    true,
	"mesos.internal.StatusUpdateMessage":                true,
	"mesos.internal.StatusUpdateAcknowledgementMessage": true,
	"mesos.internal.FrameworkToExecutorMessage":         true,
	"mesos.internal.ExecutorToFrameworkMessage":         true,
	"mesos.internal.ShutdownExecutorMessage":            true,
	"mesos.executor.Event":                              true,
}

// Which way a captured stream goes, told by its first bytes.
type direction int

const (
	notLibprocess direction = iota
	toExecutor
	toAgent
)

func classify(data []byte) direction {
	switch {
	case bytes.HasPrefix(data, []byte("POST /executor(")):
		return toExecutor
	case bytes.HasPrefix(data, []byte("POST /slave(1)/mesos.internal.")):
		return toAgent
	}
	return notLibprocess
}

// capturedRequest is one request cut out of a stream, with its exact bytes.
type capturedRequest struct {
	raw []byte
	req *Request
	msg Message
}

// splitRequests reads every request in data, recording where each ends: the
// bytes consumed are those neither left in the source nor buffered.
func splitRequests(data []byte) ([]capturedRequest, error) {
	src := bytes.NewReader(data)
	rr := NewRequestReader(bufio.NewReader(src), 0)
	var out []capturedRequest
	start := 0
	for {
		req, err := rr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, fmt.Errorf("request %d at byte %d: %w", len(out)+1, start, err)
		}
		end := len(data) - src.Len() - rr.Buffered()
		msg, err := ParseMessage(req)
		if err != nil {
			return out, fmt.Errorf("request %d at byte %d (%s %s): %w", len(out)+1, start, req.Method, req.Target, err)
		}
		out = append(out, capturedRequest{raw: data[start:end], req: req, msg: msg})
		start = end
	}
}

// capture is one scenario: its libprocess streams and its transcript.
type capture struct {
	name    string
	streams []*pcap.Stream // libprocess streams only, in capture order
	tr      *transcript
}

func loadCapture(tb testing.TB, file string) capture {
	tb.Helper()
	name := strings.TrimSuffix(filepath.Base(file), ".pcap")
	all, err := pcap.ReadFile(file)
	require.NoError(tb, err)
	c := capture{name: name, tr: readTranscript(tb, name)}
	for _, s := range all {
		require.Zero(tb, s.Missing, "%s %s: bytes missing from the capture", name, s.Flow)
		switch {
		case classify(s.Data) != notLibprocess:
			c.streams = append(c.streams, s)
		case len(s.Data) == 0,
			bytes.HasPrefix(s.Data, []byte("HTTP/1.1 ")),              // responses
			bytes.HasPrefix(s.Data, []byte("POST /api/v1/executor ")): // the v1 wire
		default:
			tb.Fatalf("%s %s: unexpected stream starting %q", name, s.Flow, firstLine(s.Data))
		}
	}
	return c
}

func firstLine(b []byte) string {
	line, _, _ := bytes.Cut(b, []byte("\r\n"))
	return string(line)
}

// transcript is what a transcripts/<scenario>.txt says about the requests.
type transcript struct {
	executorPort uint16                       // 0: no libprocess listener (v1)
	conns        map[pcap.Flow]string         // connector -> acceptor direction to "C<n>"
	requests     map[string][]transcriptedReq // per connection, in order
}

type transcriptedReq struct {
	line    string
	headers map[string]string
	bodyLen int
}

var (
	listenerRE = regexp.MustCompile(`Executor libprocess listener port\(s\): (\d+|none)`)
	connRE     = regexp.MustCompile(`^(C\d+)\s+(\S+) \(\w+\) -> (\S+) \(\w+\)$`)
	entryRE    = regexp.MustCompile(`^#\d+\s+\S+\s+(C\d+)\s+.*\((request|response) #\d+ on C\d+`)
	bodyRE     = regexp.MustCompile(`^  body: (\d+) bytes`)
)

func readTranscript(tb testing.TB, name string) *transcript {
	tb.Helper()
	text, err := os.ReadFile(filepath.Join(capturesDir, "transcripts", name+".txt"))
	require.NoError(tb, err)
	tr := &transcript{conns: map[pcap.Flow]string{}, requests: map[string][]transcriptedReq{}}
	var cur *transcriptedReq
	var curConn string
	inHeaders := false
	flush := func() {
		if cur != nil {
			tr.requests[curConn] = append(tr.requests[curConn], *cur)
			cur = nil
		}
	}
	for _, line := range strings.Split(string(text), "\n") {
		if m := listenerRE.FindStringSubmatch(line); m != nil && m[1] != "none" {
			p, err := strconv.ParseUint(m[1], 10, 16)
			require.NoError(tb, err)
			tr.executorPort = uint16(p)
		}
		if m := connRE.FindStringSubmatch(line); m != nil {
			tr.conns[pcap.Flow{Src: netip.MustParseAddrPort(m[2]), Dst: netip.MustParseAddrPort(m[3])}] = m[1]
			continue
		}
		if m := entryRE.FindStringSubmatch(line); m != nil {
			flush()
			inHeaders = m[2] == "request"
			if inHeaders {
				curConn, cur = m[1], &transcriptedReq{headers: map[string]string{}}
			}
			continue
		}
		if cur == nil {
			continue
		}
		switch {
		case inHeaders && line == "  |":
			inHeaders = false
		case inHeaders && strings.HasPrefix(line, "  | "):
			h := strings.TrimPrefix(line, "  | ")
			if cur.line == "" {
				cur.line = h
			} else if k, v, ok := strings.Cut(h, ":"); ok {
				cur.headers[k] = strings.TrimSpace(v)
			}
		case !inHeaders:
			if m := bodyRE.FindStringSubmatch(line); m != nil {
				cur.bodyLen, _ = strconv.Atoi(m[1])
			}
		}
	}
	flush()
	return tr
}

// libprocessCounts counts the transcript's libprocess requests by direction.
func (tr *transcript) libprocessCounts() (toExec, toSlave int) {
	for _, reqs := range tr.requests {
		for _, r := range reqs {
			switch classify([]byte(r.line)) {
			case toExecutor:
				toExec++
			case toAgent:
				toSlave++
			}
		}
	}
	return toExec, toSlave
}

func TestReplayCapturedLibprocessTraffic(t *testing.T) {
	totals := map[direction]int{}
	byteExact := 0
	for _, file := range requireCaptures(t) {
		c := loadCapture(t, file)
		t.Run(c.name, func(t *testing.T) {
			counts := map[direction]int{}
			for _, s := range c.streams {
				dir := classify(s.Data)
				reqs, err := splitRequests(s.Data)
				require.NoError(t, err, "%s", s.Flow)
				conn, ok := c.tr.conns[s.Flow]
				require.True(t, ok, "%s is not a connection of the transcript", s.Flow)
				want := c.tr.requests[conn]
				require.Len(t, reqs, len(want), "requests on %s (%s)", conn, s.Flow)

				for i, r := range reqs {
					where := fmt.Sprintf("%s request %d (%s)", conn, i+1, r.req.Target)
					require.True(t, knownNames[r.msg.Name], "%s: unknown message name %q", where, r.msg.Name)
					require.Equal(t, want[i].line, fmt.Sprintf("%s %s HTTP/1.%d", r.req.Method, r.req.Target, r.req.Minor), where)
					require.Equal(t, want[i].headers["Libprocess-From"], r.msg.From.String(), where)
					require.Equal(t, want[i].bodyLen, len(r.msg.Body), where)
					requireCapturedSender(t, c.tr, s, dir, r.msg, where)

					if strings.HasPrefix(r.req.UserAgent, userAgentPrefix) {
						// Written by C++ libprocess: our encoder must produce the same bytes.
						to := upid.UPID{ID: r.msg.To.ID, Host: s.Flow.Dst.Addr().String(), Port: s.Flow.Dst.Port()}
						m := Message{From: r.msg.From, To: to, Name: r.msg.Name, Body: r.msg.Body}
						require.Equal(t, string(r.raw), string(AppendMessage(nil, &m, FramingHTTP11Host)), where)
						byteExact++
					}
				}
				counts[dir] += len(reqs)
			}
			want := capturedCounts[c.name]
			require.Equal(t, want.toExecutor, counts[toExecutor], "agent -> executor messages")
			require.Equal(t, want.toAgent, counts[toAgent], "executor -> agent messages")
			trExec, trAgent := c.tr.libprocessCounts()
			require.Equal(t, trExec, counts[toExecutor], "agent -> executor requests in the transcript")
			require.Equal(t, trAgent, counts[toAgent], "executor -> agent requests in the transcript")
			totals[toExecutor] += counts[toExecutor]
			totals[toAgent] += counts[toAgent]
		})
	}
	// The README's totals: 51 agent -> executor messages, and 11 sent by the
	// C++ executor, all checked byte by byte.
	require.Equal(t, 51, totals[toExecutor])
	require.Equal(t, 30, totals[toAgent])
	require.Equal(t, 51+11, byteExact)
}

// requireCapturedSender checks sender and receiver against the transcript:
// the agent is slave(1)@127.0.0.1:5051, the executor executor(1) at the
// transcript's listener port.
func requireCapturedSender(t *testing.T, tr *transcript, s *pcap.Stream, dir direction, msg Message, where string) {
	t.Helper()
	require.NotZero(t, tr.executorPort, where)
	executor := upid.UPID{ID: "executor(1)", Host: "127.0.0.1", Port: tr.executorPort}
	switch dir {
	case toExecutor:
		require.Equal(t, agentPID, msg.From, where)
		require.Equal(t, "executor(1)", msg.To.ID, where)
		require.Equal(t, tr.executorPort, s.Flow.Dst.Port(), where)
	case toAgent:
		require.Equal(t, executor, msg.From, where)
		require.Equal(t, "slave(1)", msg.To.ID, where)
		require.Equal(t, agentPID.HostPort(), s.Flow.Dst.String(), where)
	}
}

// TestReplayCapturedStreamsIntoALiveMessenger writes every captured
// libprocess stream, byte for byte and in one piece, into a Messenger
// playing the receiving process, and checks what it delivers and answers.
func TestReplayCapturedStreamsIntoALiveMessenger(t *testing.T) {
	delivered := 0
	for _, file := range requireCaptures(t) {
		c := loadCapture(t, file)
		for i, s := range c.streams {
			t.Run(fmt.Sprintf("%s/%d", c.name, i), func(t *testing.T) {
				reqs, err := splitRequests(s.Data)
				require.NoError(t, err)
				id := "executor(1)"
				if classify(s.Data) == toAgent {
					id = "slave(1)"
				}
				in := newInbox()
				m := startMessenger(t, in.config(id))
				conn := dial(t, m)
				write(t, conn, s.Data)
				require.NoError(t, conn.(*net.TCPConn).CloseWrite())

				for _, r := range reqs {
					got := in.next(t)
					require.Equal(t, r.msg.From, got.From)
					require.Equal(t, m.UPID(), got.To)
					require.Equal(t, r.msg.Name, got.Name)
					require.Equal(t, string(r.msg.Body), string(got.Body), r.msg.Name)
					delivered++
				}
				br := bufio.NewReader(conn)
				for range reqs {
					status, _ := readResponse(t, br)
					require.Equal(t, 202, status)
				}
				requireClosed(t, br)
				requireNoMessage(t, in)
			})
		}
	}
	require.Equal(t, 51+30, delivered)
}

// capturedRequestBytes returns the exact bytes of every libprocess request in
// the captures, to seed the fuzz target.
func capturedRequestBytes(tb testing.TB) [][]byte {
	tb.Helper()
	var out [][]byte
	for _, file := range requireCaptures(tb) {
		for _, s := range loadCapture(tb, file).streams {
			reqs, err := splitRequests(s.Data)
			require.NoError(tb, err)
			for _, r := range reqs {
				out = append(out, r.raw)
			}
		}
	}
	return out
}
