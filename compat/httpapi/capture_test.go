package httpapi

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/internal/pcap"
	"github.com/mesos-shim/executor/recordio"
)

// captures holds the real Mesos 1.12.0-dev pcaps, committed in the
// repository at testdata/captures/mesos-1.12-dev (see its README.md).
var captures = filepath.Join("..", "..", "testdata", "captures", "mesos-1.12-dev", "pcap")

// exchange is one HTTP request from the executor and the agent's answer, as
// captured.
type exchange struct {
	req      *http.Request
	reqBody  []byte
	resp     *http.Response // nil if the capture has no answer
	respBody []byte         // de-chunked; a SUBSCRIBE stream is cut where the capture ends
}

// subscription is the event stream of one 200 answer to a SUBSCRIBE.
type subscription struct {
	codec   Codec
	records [][]byte
}

// loadExchanges reads every request to the agent in scenario's pcap, with
// its answer, in the order the connections opened.
func loadExchanges(t testing.TB, scenario string) []exchange {
	t.Helper()
	file := filepath.Join(captures, scenario+".pcap")
	if _, err := os.Stat(file); err != nil {
		require.FailNow(t, "missing capture", "%s: %v (the captures are committed at testdata/captures/mesos-1.12-dev in the repository)", file, err)
	}
	streams, err := pcap.ReadFile(file)
	require.NoError(t, err)
	byFlow := map[pcap.Flow]*pcap.Stream{}
	for _, s := range streams {
		require.Zero(t, s.Missing, "%s %s: bytes missing from the capture", scenario, s.Flow)
		byFlow[s.Flow] = s
	}
	var out []exchange
	for _, s := range streams {
		if s.Flow.Dst.Port() == 5051 && len(s.Data) > 0 {
			out = append(out, connection(t, s, byFlow[s.Flow.Reverse()])...)
		}
	}
	return out
}

// connection pairs the requests of one connection with the answers.
func connection(t testing.TB, in, back *pcap.Stream) []exchange {
	t.Helper()
	reqs := bufio.NewReader(bytes.NewReader(in.Data))
	var resps *bufio.Reader
	if back != nil {
		resps = bufio.NewReader(bytes.NewReader(back.Data))
	}
	var out []exchange
	for {
		req, err := http.ReadRequest(reqs)
		if err == io.EOF {
			return out
		}
		require.NoError(t, err, in.Flow.String())
		x := exchange{req: req, reqBody: readBody(t, req.Body)}
		if resps != nil {
			x.resp, x.respBody = readResponse(t, resps, req)
		}
		out = append(out, x)
	}
}

func readResponse(t testing.TB, r *bufio.Reader, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	if _, err := r.Peek(1); err == io.EOF {
		return nil, nil
	}
	resp, err := http.ReadResponse(r, req)
	require.NoError(t, err)
	return resp, readBody(t, resp.Body)
}

// readBody reads a body whole, or up to where the capture cut it.
func readBody(t testing.TB, body io.ReadCloser) []byte {
	t.Helper()
	data, err := io.ReadAll(body)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		require.NoError(t, err)
	}
	return data
}

// subscriptions splits every 200 answer into its RecordIO records.
func subscriptions(t testing.TB, xs []exchange) []subscription {
	t.Helper()
	var out []subscription
	for _, x := range xs {
		if x.resp == nil || x.resp.StatusCode != http.StatusOK {
			continue
		}
		codec, ok := CodecForContentType(x.resp.Header.Get("Content-Type"))
		require.True(t, ok, x.resp.Header.Get("Content-Type"))
		out = append(out, subscription{codec: codec, records: splitRecords(t, x.respBody)})
	}
	return out
}

func splitRecords(t testing.TB, body []byte) [][]byte {
	t.Helper()
	r := recordio.NewReader(bytes.NewReader(body))
	var recs [][]byte
	for {
		rec, err := r.ReadRecord()
		if err == io.EOF {
			return recs
		}
		require.NoError(t, err)
		recs = append(recs, rec)
	}
}

// calls returns the captured requests to the executor endpoint with the
// codec their Content-Type names.
func calls(t testing.TB, xs []exchange) ([]Codec, [][]byte) {
	t.Helper()
	var codecs []Codec
	var bodies [][]byte
	for _, x := range xs {
		require.Equal(t, "/api/v1/executor", x.req.URL.Path)
		codec, ok := CodecForContentType(x.req.Header.Get("Content-Type"))
		require.True(t, ok, x.req.Header.Get("Content-Type"))
		codecs, bodies = append(codecs, codec), append(bodies, x.reqBody)
	}
	return codecs, bodies
}
