package messenger

import (
	"bufio"
	"testing"

	"github.com/stretchr/testify/require"
)

// Message names are percent-decoded; one with a control byte (a decoded
// newline would forge lines in every log that names the message) is
// refused with 400, and the connection kept.
func TestMessageNamesWithControlBytesAreRefused(t *testing.T) {
	logs := captureLogs(t)
	in := newInbox()
	m := startMessenger(t, in.config("executor(1)"))
	for _, name := range []string{"mesos.internal.X%0AE0101%20forged", "mesos.internal.X%00", "mesos.internal.X%7F", "mesos.internal.X%1B[31m"} {
		c := dial(t, m)
		br := bufio.NewReader(c)
		write(t, c, []byte("POST /executor(1)/"+name+" HTTP/1.1\r\nLibprocess-From: slave(1)@127.0.0.1:5051\r\n\r\n"))
		status, body := readResponse(t, br)
		require.Equal(t, 400, status, name)
		require.Contains(t, body, "has a control character")
		require.Equal(t, 400, in.nextRejection(t).Status)
		write(t, c, generations[1].request(m.UPID().Port, "mesos.internal.Fine", nil)) // the connection is kept
		require.Equal(t, "mesos.internal.Fine", in.next(t).Name)
		status, _ = readResponse(t, br)
		require.Equal(t, 202, status)
	}
	logs.wait(t, `message name "mesos.internal.X\nE0101 forged" has a control character`)
	for _, line := range logs.Lines() {
		require.NotContains(t, line, "\n", "a log line with a raw newline forges the next")
	}
}
