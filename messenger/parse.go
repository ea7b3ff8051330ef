package messenger

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/mesos-shim/executor/upid"
)

// userAgentPrefix starts the User-Agent of every libprocess sender.
const userAgentPrefix = "libprocess/"

// errNotMessage marks a request without either libprocess sender header:
// libprocess routes those as plain HTTP, where a message path has no route.
var errNotMessage = &RequestError{Status: 404, Reason: "not a libprocess message: neither Libprocess-From nor a libprocess User-Agent"}

// ParseMessage turns a request into a message as libprocess does: the sender
// from Libprocess-From (or, from senders before 0.22, the User-Agent), the
// receiving process id from the first path segment and the message name from
// the rest of the path. The returned Message's To has only its ID set.
func ParseMessage(r *Request) (Message, error) {
	if r.Method != "POST" {
		return Message{}, &RequestError{Status: 405, Reason: fmt.Sprintf("method %s, libprocess messages are POSTs", r.Method)}
	}
	fromText, ok := sender(r)
	if !ok {
		return Message{}, errNotMessage
	}
	from, err := upid.Parse(fromText)
	if err != nil {
		return Message{}, badRequest("sender: %v", err)
	}
	to, name, err := splitTarget(r.Target)
	if err != nil {
		return Message{}, err
	}
	return Message{From: from, To: upid.UPID{ID: to}, Name: name, Body: r.Body}, nil
}

func sender(r *Request) (string, bool) {
	if r.LibprocessFrom != "" {
		return r.LibprocessFrom, true
	}
	if strings.HasPrefix(r.UserAgent, userAgentPrefix) {
		return strings.TrimSpace(r.UserAgent[len(userAgentPrefix):]), true
	}
	return "", false
}

// splitTarget reads "/<id>/<name>" (percent-decoded, query ignored).
func splitTarget(target string) (id, name string, err error) {
	path, _, _ := strings.Cut(target, "?")
	if !strings.HasPrefix(path, "/") {
		return "", "", badRequest("target %q is not an absolute path", target)
	}
	path, err = url.PathUnescape(path[1:])
	if err != nil {
		return "", "", badRequest("target %q: %v", target, err)
	}
	id, name, ok := strings.Cut(path, "/")
	if !ok || name == "" {
		return "", "", badRequest("target %q names no message: want /<process-id>/<message-name>", target)
	}
	return id, name, nil
}
