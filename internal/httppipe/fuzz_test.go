package httppipe

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"testing"
	"testing/iotest"
)

// FuzzResponseReader feeds arbitrary bytes to the reader: it never panics,
// never returns a body over its limit, and whenever both it and net/http
// read a final first response, they agree on the status, the body and
// whether the connection stays open. ReadStreaming, its body read a byte
// at a time, agrees with Read on the first response.
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
		compareStreaming(t, data, maxBody)
	})
}

// compareStreaming reads the first response of data with Read and with
// ReadStreaming: where Read gives a response, the stream gives the same
// status, Content-Type, Close and body, ending in io.EOF; where the stream
// gives a whole body, Read gives it too unless it is over Read's limit.
func compareStreaming(t *testing.T, data []byte, maxBody int) {
	want, werr := NewResponseReader(bufio.NewReaderSize(bytes.NewReader(data), 512), maxBody).Read()
	got, _, body, err := NewResponseReader(bufio.NewReaderSize(bytes.NewReader(data), 512), 0).ReadStreaming()
	var b []byte
	if err == nil {
		b, err = io.ReadAll(iotest.OneByteReader(body))
	}
	switch {
	case werr == nil && err != nil:
		t.Fatalf("Read gives %d %q, ReadStreaming fails: %v", want.Status, want.Body, err)
	case werr == nil && (got.Status != want.Status || got.ContentType != want.ContentType || got.Close != want.Close || !bytes.Equal(b, want.Body)):
		t.Fatalf("ReadStreaming gives %+v %q, Read %+v", got, b, want)
	case werr != nil && err == nil && len(b) <= maxBody:
		t.Fatalf("ReadStreaming gives %d %q, Read fails: %v", got.Status, b, werr)
	}
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
