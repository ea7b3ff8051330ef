package httppipe

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func readAll(t *testing.T, in string, maxBody int) ([]Response, error) {
	t.Helper()
	rr := NewResponseReader(bufio.NewReaderSize(strings.NewReader(in), 256), maxBody)
	var out []Response
	for {
		resp, err := rr.Read()
		if err != nil {
			return out, err
		}
		out = append(out, resp)
	}
}

// Each way a body can be delimited, and the connection's fate after it.
func TestResponseFraming(t *testing.T) {
	for name, tc := range map[string]struct {
		in   string
		want Response
	}{
		"libprocess 202": {in: "HTTP/1.1 202 Accepted\r\nDate: x\r\nContent-Length: 0\r\n\r\n",
			want: Response{Status: 202}},
		"error with a body": {in: "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 31\r\n\r\nAgent has not finished recovery",
			want: Response{Status: 503, ContentType: "text/plain; charset=utf-8", Body: []byte("Agent has not finished recovery")}},
		"chunked with extensions and trailers": {in: "HTTP/1.1 400 Bad Request\r\ntransfer-encoding: Chunked\r\n\r\n3;x=y\r\nabc\r\nA\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\n",
			want: Response{Status: 400, Body: []byte("abc0123456789")}},
		"bare LF": {in: "HTTP/1.1 202 Accepted\nContent-Length: 2\n\nok",
			want: Response{Status: 202, Body: []byte("ok")}},
		"no reason phrase": {in: "HTTP/1.1 202\r\nContent-Length: 0\r\n\r\n",
			want: Response{Status: 202}},
		"interim responses skipped": {in: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: x\r\n\r\nHTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n",
			want: Response{Status: 202}},
		"body until the connection closes": {in: "HTTP/1.1 500 Internal Server Error\r\n\r\nbroken",
			want: Response{Status: 500, Body: []byte("broken"), Close: true}},
		"204 has no body whatever it says": {in: "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n",
			want: Response{Status: 204}},
		"Connection: close": {in: "HTTP/1.1 202 Accepted\r\nConnection: keep-alive, Close\r\nContent-Length: 0\r\n\r\n",
			want: Response{Status: 202, Close: true}},
		"HTTP/1.0 closes by default": {in: "HTTP/1.0 202 Accepted\r\nContent-Length: 0\r\n\r\n",
			want: Response{Status: 202, Close: true}},
		"HTTP/1.0 keep-alive": {in: "HTTP/1.0 202 Accepted\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n",
			want: Response{Status: 202}},
		"close wins over keep-alive on another line": {in: "HTTP/1.0 202 Accepted\r\nConnection: close\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n",
			want: Response{Status: 202, Close: true}},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := readAll(t, tc.in, 1024)
			require.ErrorIs(t, err, io.EOF)
			require.Equal(t, []Response{tc.want}, got)
		})
	}
}

// What cannot be read safely ends the connection with a ProtocolError.
func TestMalformedResponses(t *testing.T) {
	for name, in := range map[string]string{
		"not HTTP":                 "SSH-2.0-OpenSSH\r\n\r\n",
		"HTTP/2":                   "HTTP/2 200\r\n\r\n",
		"no status code":           "HTTP/1.1 abc OK\r\n\r\n",
		"two-digit status":         "HTTP/1.1 20 OK\r\n\r\n",
		"space before the colon":   "HTTP/1.1 202 Accepted\r\nContent-Length : 0\r\n\r\n",
		"folded field":             "HTTP/1.1 202 Accepted\r\nX: a\r\n b\r\nContent-Length: 0\r\n\r\n",
		"signed length":            "HTTP/1.1 202 Accepted\r\nContent-Length: +0\r\n\r\n",
		"conflicting lengths":      "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\nContent-Length: 1\r\n\r\nx",
		"length and chunked":       "HTTP/1.1 202 Accepted\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		"gzip":                     "HTTP/1.1 202 Accepted\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
		"chunked in HTTP/1.0":      "HTTP/1.0 202 Accepted\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		"chunked twice":            "HTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		"bad chunk size":           "HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"chunk longer than said":   "HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n0\r\n\r\n",
		"huge chunk size":          "HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n",
		"body over the limit":      "HTTP/1.1 400 Bad Request\r\nContent-Length: 2000\r\n\r\n",
		"chunks over the limit":    "HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n300\r\n" + strings.Repeat("x", 0x300) + "\r\n300\r\n",
		"until-EOF over the limit": "HTTP/1.1 400 Bad Request\r\n\r\n" + strings.Repeat("x", 1025),
		"a line over the buffer":   "HTTP/1.1 202 Accepted\r\nX: " + strings.Repeat("x", 300) + "\r\n\r\n",
		"too many fields":          "HTTP/1.1 202 Accepted\r\n" + strings.Repeat("X: y\r\n", maxFields+1) + "\r\n",
		"switching protocols":      "HTTP/1.1 101 Switching Protocols\r\n\r\n",
		"cut in the status line":   "HTTP/1.1 202 Acc",
		"cut in the fields":        "HTTP/1.1 202 Accepted\r\nContent-Len",
		"cut in the body":          "HTTP/1.1 400 Bad Request\r\nContent-Length: 10\r\n\r\nabc",
		"cut in a chunk":           "HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
		"cut in the trailers":      "HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: 1\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			got, err := readAll(t, in, 1024)
			require.Empty(t, got)
			var pe *ProtocolError
			require.True(t, errors.As(err, &pe), "got %v", err)
			if strings.HasPrefix(name, "cut") {
				require.ErrorIs(t, err, io.ErrUnexpectedEOF)
			}
		})
	}
}

// Responses that arrive back to back are read one after the other, each
// body ending exactly where its framing says.
func TestPipelinedResponsesAreReadInOrder(t *testing.T) {
	in := "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n" +
		"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 5\r\n\r\nlater" +
		"HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nnope\r\n0\r\n\r\n" +
		"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"
	got, err := readAll(t, in, 1024)
	require.ErrorIs(t, err, io.EOF)
	require.Equal(t, []Response{{Status: 202}, {Status: 503, Body: []byte("later")},
		{Status: 400, Body: []byte("nope")}, {Status: 202}}, got)
}

func TestRequestHead(t *testing.T) {
	h, err := NewRequestHead("POST", "/api/v1/executor", []Field{{"Host", "10.0.0.5:5051"},
		{"Content-Type", "application/x-protobuf"}, {"Authorization", "Bearer t\tok"}})
	require.NoError(t, err)
	var b strings.Builder
	bw := bufio.NewWriter(&b)
	require.NoError(t, WriteRequest(bw, h, []byte("abc")))
	require.NoError(t, WriteRequest(bw, h, nil))
	require.NoError(t, bw.Flush())
	one := "POST /api/v1/executor HTTP/1.1\r\nHost: 10.0.0.5:5051\r\nContent-Type: application/x-protobuf\r\nAuthorization: Bearer t\tok\r\n"
	require.Equal(t, one+"Content-Length: 3\r\n\r\nabc"+one+"Content-Length: 0\r\n\r\n", b.String())

	for name, f := range map[string]func() (RequestHead, error){
		"method":         func() (RequestHead, error) { return NewRequestHead("PO ST", "/", nil) },
		"target":         func() (RequestHead, error) { return NewRequestHead("POST", "/a b", nil) },
		"empty target":   func() (RequestHead, error) { return NewRequestHead("POST", "", nil) },
		"field name":     func() (RequestHead, error) { return NewRequestHead("POST", "/", []Field{{"X:Y", "1"}}) },
		"CRLF in value":  func() (RequestHead, error) { return NewRequestHead("POST", "/", []Field{{"X", "1\r\nY: 2"}}) },
		"Content-Length": func() (RequestHead, error) { return NewRequestHead("POST", "/", []Field{{"content-length", "1"}}) },
	} {
		_, err := f()
		require.Error(t, err, name)
	}
}
