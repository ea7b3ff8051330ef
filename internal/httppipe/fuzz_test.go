package httppipe

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"testing"
)

// FuzzResponseReader feeds arbitrary bytes to the reader: it never panics,
// never returns a body over its limit, and whenever both it and net/http
// read a final first response, they agree on the status, the body and
// whether the connection stays open.
func FuzzResponseReader(f *testing.F) {
	for _, seed := range []string{
		"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nlater",
		"HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n3;e\r\nabc\r\n0\r\nT: 1\r\n\r\n",
		"HTTP/1.0 202 Accepted\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx",
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 500 Oops\r\n\r\nuntil EOF",
		"HTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\n",
		"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\nHTTP/1.1 202 Accepted\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
	} {
		f.Add([]byte(seed))
	}
	const maxBody = 1 << 12
	f.Fuzz(func(t *testing.T, data []byte) {
		rr := NewResponseReader(bufio.NewReaderSize(bytes.NewReader(data), 512), maxBody)
		var first *Response
		for {
			resp, err := rr.Read()
			if err != nil {
				break
			}
			if len(resp.Body) > maxBody {
				t.Fatalf("a body of %d bytes over the limit of %d", len(resp.Body), maxBody)
			}
			if first == nil {
				first = &resp
			}
			if resp.Close {
				break
			}
		}
		if first != nil {
			compareWithNetHTTP(t, data, *first)
		}
	})
}

func compareWithNetHTTP(t *testing.T, data []byte, ours Response) {
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(data)), nil)
	if err != nil || resp.StatusCode < 200 {
		return // net/http refuses it, or hands back the interim response we skip
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return // net/http finds the body bad where we did not
	}
	switch {
	case resp.StatusCode != ours.Status:
		t.Fatalf("status: ours %d, net/http %d", ours.Status, resp.StatusCode)
	case !bytes.Equal(body, ours.Body):
		t.Fatalf("body: ours %q, net/http %q", ours.Body, body)
	case resp.Close != ours.Close:
		t.Fatalf("close: ours %v, net/http %v", ours.Close, resp.Close)
	}
}
