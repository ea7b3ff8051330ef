package fuzzseed

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/mesos-shim/executor/internal/pcap"
)

// Exchange is one HTTP request seen in a capture and the answer to it.
type Exchange struct {
	Scenario string // the pcap's name without .pcap, e.g. "v0-a-finish"
	Conn     int    // the connection's number in the capture, from 1, in the order streams start
	Index    int    // the request's number on its connection, from 1
	Raw      []byte // the request exactly as sent: request line, headers, framed body
	Req      *http.Request
	Body     []byte         // the request body, de-chunked
	Resp     *http.Response // nil when the capture holds no answer
	RespRaw  []byte         // the answer exactly as sent, cut where the capture ends
	RespBody []byte         // de-chunked, cut where the capture ends
}

// Name is the last segment of the request's path: the libprocess message
// name ("mesos.internal.RunTaskMessage") or "executor" for a v1 call.
func (x *Exchange) Name() string {
	return x.Req.URL.Path[strings.LastIndexByte(x.Req.URL.Path, '/')+1:]
}

// Libprocess reports whether the request is a libprocess message.
func (x *Exchange) Libprocess() bool {
	return x.Req.Header.Get("Libprocess-From") != "" ||
		strings.HasPrefix(x.Req.Header.Get("User-Agent"), "libprocess/")
}

// CapturesDir is the Mesos 1.12 capture set, committed in the repository at
// testdata/captures/mesos-1.12-dev. A test that needs it fails when it is
// missing.
func CapturesDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("fuzzseed: no go.mod above the working directory")
		}
		dir = parent
	}
	captures := filepath.Join(dir, "testdata", "captures", "mesos-1.12-dev")
	if _, err := os.Stat(captures); err != nil {
		t.Fatalf("fuzzseed: the Mesos 1.12 captures must be at %s (testdata/captures/mesos-1.12-dev in the repository): %v", captures, err)
	}
	return captures
}

// Scenarios names every capture, sorted.
func Scenarios(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(CapturesDir(t), "pcap", "*.pcap"))
	if err != nil || len(files) == 0 {
		t.Fatalf("fuzzseed: no pcaps: %v", err)
	}
	var out []string
	for _, f := range files {
		out = append(out, strings.TrimSuffix(filepath.Base(f), ".pcap"))
	}
	sort.Strings(out)
	return out
}

// PcapFile is the path of a scenario's pcap.
func PcapFile(t testing.TB, scenario string) string {
	t.Helper()
	return filepath.Join(CapturesDir(t), "pcap", scenario+".pcap")
}

// Exchanges reads every HTTP request in every capture, both directions
// (agent to executor and executor to agent), with its answer, by scenario,
// then connection, then order on the connection.
func Exchanges(t testing.TB) []Exchange {
	t.Helper()
	var out []Exchange
	for _, sc := range Scenarios(t) {
		xs, err := scenarioExchanges(PcapFile(t, sc), sc)
		if err != nil {
			t.Fatalf("fuzzseed: %s: %v", sc, err)
		}
		out = append(out, xs...)
	}
	return out
}

func scenarioExchanges(file, scenario string) ([]Exchange, error) {
	streams, err := pcap.ReadFile(file)
	if err != nil {
		return nil, err
	}
	byFlow := map[pcap.Flow]*pcap.Stream{}
	for _, s := range streams {
		byFlow[s.Flow] = s
	}
	var out []Exchange
	conn := 0
	for _, s := range streams {
		if !startsRequest(s.Data) {
			continue
		}
		if s.Missing != 0 {
			return nil, fmt.Errorf("%s: %d bytes missing from the capture", s.Flow, s.Missing)
		}
		conn++
		xs, err := connection(s.Data, byFlow[s.Flow.Reverse()])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.Flow, err)
		}
		for i := range xs {
			xs[i].Scenario, xs[i].Conn, xs[i].Index = scenario, conn, i+1
		}
		out = append(out, xs...)
	}
	return out, nil
}

func startsRequest(data []byte) bool {
	return bytes.HasPrefix(data, []byte("POST ")) || bytes.HasPrefix(data, []byte("GET "))
}

// connection splits one direction of a connection into its requests and
// pairs them with the answers the other direction carries.
func connection(data []byte, back *pcap.Stream) ([]Exchange, error) {
	src := bytes.NewReader(data)
	br := bufio.NewReader(src)
	var resps *reader
	if back != nil && len(back.Data) > 0 {
		resps = newReader(back.Data)
	}
	var out []Exchange
	for start := 0; start < len(data); {
		req, err := http.ReadRequest(br)
		if err != nil {
			return nil, fmt.Errorf("request at byte %d: %w", start, err)
		}
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, fmt.Errorf("request at byte %d: body: %w", start, err)
		}
		end := len(data) - src.Len() - br.Buffered()
		x := Exchange{Raw: data[start:end:end], Req: req, Body: body}
		if resps != nil {
			from := resps.offset()
			if x.Resp, x.RespBody, err = response(resps.br, req); err != nil {
				return nil, fmt.Errorf("answer to request at byte %d: %w", start, err)
			}
			to := resps.offset()
			x.RespRaw = back.Data[from:to:to]
		}
		out = append(out, x)
		start = end
	}
	return out, nil
}

// reader reads data and knows how much of it it has consumed.
type reader struct {
	data []byte
	src  *bytes.Reader
	br   *bufio.Reader
}

func newReader(data []byte) *reader {
	src := bytes.NewReader(data)
	return &reader{data: data, src: src, br: bufio.NewReader(src)}
}

func (r *reader) offset() int { return len(r.data) - r.src.Len() - r.br.Buffered() }

func response(r *bufio.Reader, req *http.Request) (*http.Response, []byte, error) {
	if _, err := r.Peek(1); err == io.EOF {
		return nil, nil, nil
	}
	resp, err := http.ReadResponse(r, req)
	if err != nil {
		return nil, nil, err
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, nil, err
	}
	return resp, body, nil
}

// Records splits a RecordIO body into its records; a record cut by the end
// of the capture is dropped.
func Records(body []byte) [][]byte {
	var out [][]byte
	for len(body) > 0 {
		line, rest, ok := bytes.Cut(body, []byte("\n"))
		n, err := strconv.Atoi(string(line))
		if !ok || err != nil || n < 0 || n > len(rest) {
			return out
		}
		out = append(out, rest[:n:n])
		body = rest[n:]
	}
	return out
}

// EnvFiles reads env/<scenario>.env.txt of every scenario that has one:
// the MESOS_ and LIBPROCESS_ variables the agent gave the executor.
func EnvFiles(t testing.TB) map[string]map[string]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(CapturesDir(t), "env", "*.env.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("fuzzseed: no environment files: %v", err)
	}
	out := map[string]map[string]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		vars := map[string]string{}
		for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			if name, value, ok := strings.Cut(line, "="); ok {
				vars[name] = value
			}
		}
		out[strings.TrimSuffix(filepath.Base(f), ".env.txt")] = vars
	}
	return out
}

// upidText matches a UPID inside a protobuf body or a header.
var upidText = regexp.MustCompile(`[A-Za-z0-9_()-]*@[0-9A-Za-z.-]+:[0-9]+`)

// UPIDs returns every distinct UPID text the captures carry, in order of
// appearance: senders (Libprocess-From, a libprocess User-Agent), the pids
// inside message bodies (StatusUpdateMessage.pid, RunTaskMessage.pid) and
// MESOS_SLAVE_PID of the environments.
func UPIDs(t testing.TB) []string {
	t.Helper()
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, x := range Exchanges(t) {
		add(x.Req.Header.Get("Libprocess-From"))
		if ua, ok := strings.CutPrefix(x.Req.Header.Get("User-Agent"), "libprocess/"); ok {
			add(ua)
		}
		for _, m := range upidText.FindAll(x.Body, -1) {
			add(string(m))
		}
	}
	envs := EnvFiles(t)
	scenarios := make([]string, 0, len(envs))
	for sc := range envs {
		scenarios = append(scenarios, sc)
	}
	sort.Strings(scenarios)
	for _, sc := range scenarios {
		add(envs[sc]["MESOS_SLAVE_PID"])
	}
	return out
}
