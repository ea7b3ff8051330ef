package agentsim

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/compat/httpapi"
)

// rawCall is a v1 request written by hand: its Content-Type ("": none)
// and body.
type rawCall struct {
	contentType string
	body        []byte
}

func (c rawCall) bytes(host, extra string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "POST /api/v1/executor HTTP/1.1\r\nHost: %s\r\n", host)
	if c.contentType != "" {
		fmt.Fprintf(&b, "Content-Type: %s\r\n", c.contentType)
	}
	fmt.Fprintf(&b, "Accept: %s\r\n%sContent-Length: %d\r\n\r\n", httpapi.ContentTypeProtobuf, extra, len(c.body))
	b.Write(c.body)
	return b.Bytes()
}

var dateField = regexp.MustCompile(`\r\nDate: [^\r]*\r\n`)

// rawAnswers writes calls pipelined on one connection and reads as many
// answers, byte for byte, Date masked.
func rawAnswers(t *testing.T, a *Agent, calls []rawCall, extra string) []string {
	t.Helper()
	c, err := net.Dial("tcp", a.UPID().HostPort())
	require.NoError(t, err)
	defer c.Close()
	var req bytes.Buffer
	for i, call := range calls {
		if i > 0 {
			req.WriteString("\r\n") // tolerated after a POST
		}
		req.Write(call.bytes(a.UPID().HostPort(), extra))
	}
	_, err = c.Write(req.Bytes())
	require.NoError(t, err)
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	var out []string
	for range calls {
		head, err := io.ReadAll(headOnly(t, br))
		require.NoError(t, err)
		m := regexp.MustCompile(`\r\nContent-Length: (\d+)\r\n`).FindSubmatch(head)
		require.NotNil(t, m, "%q", head)
		n, _ := strconv.Atoi(string(m[1]))
		body := make([]byte, n)
		_, err = io.ReadFull(br, body)
		require.NoError(t, err)
		require.Regexp(t, dateField, string(head))
		out = append(out, dateField.ReplaceAllString(string(head), "\r\nDate: -\r\n")+string(body))
	}
	return out
}

// The plain loop answers plain calls byte for byte as net/http does: the
// same calls, made unplain by a field the loop leaves to net/http, get the
// same answers.
func TestV1PlainLoopAnswersAsNetHTTP(t *testing.T) {
	const unplain = "X-Unplain: \xff\r\n" // obs-text: valid, but net/http's
	a, f, _ := subscribedExecutor(t, Mesos112, httpapi.Protobuf)
	calls := func() []rawCall {
		spoilt := f.updateCall("t1", mesos.TASK_RUNNING)
		spoilt.Update.Status.UUID = nil
		return []rawCall{
			{httpapi.ContentTypeProtobuf, f.encode(f.updateCall("t1", mesos.TASK_RUNNING))},
			{httpapi.ContentTypeProtobuf, []byte{0xff, 0xff, 0xff}},
			{"", f.encode(f.updateCall("t1", mesos.TASK_RUNNING))},
			{httpapi.ContentTypeJSON, []byte("{")},
			{httpapi.ContentTypeJSON + "; charset=utf-8", []byte("{}")},
			{httpapi.ContentTypeProtobuf, f.encode(spoilt)},
			{httpapi.ContentTypeProtobuf, nil},
		}
	}
	plainCalls := calls()
	for _, c := range plainCalls {
		r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(c.bytes("127.0.0.1:5051", ""))))
		require.NoError(t, err)
		require.True(t, plainRequest(r))
	}
	plain := rawAnswers(t, a, plainCalls, "")
	viaNetHTTP := rawAnswers(t, a, calls(), unplain)
	require.Equal(t, viaNetHTTP, plain)
	require.True(t, strings.HasPrefix(plain[0], "HTTP/1.1 202 Accepted\r\n"), plain[0])

	// 401 with WWW-Authenticate.
	a13 := startAgent(t, AgentConfig{Profile: Mesos13})
	refused := []rawCall{{httpapi.ContentTypeProtobuf, f.encode(f.updateCall("t1", mesos.TASK_RUNNING))}}
	require.Equal(t, rawAnswers(t, a13, refused, unplain), rawAnswers(t, a13, refused, ""))
}
