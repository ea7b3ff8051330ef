package messenger

import (
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
	return parseMessage(r, nil)
}

// parseMessage is ParseMessage, reusing the sender last parsed by senders
// when the request names the same one.
func parseMessage(r *Request, senders *lastSender) (Message, error) {
	if r.Method != "POST" {
		return Message{}, &RequestError{Status: 405, Reason: "method " + r.Method + ", libprocess messages are POSTs"}
	}
	fromText, ok := sender(r)
	if !ok {
		return Message{}, errNotMessage
	}
	from, err := senders.parse(fromText)
	if err != nil {
		return Message{}, badRequest("sender: %v", err)
	}
	to, name, err := splitTarget(r.Target)
	if err != nil {
		return Message{}, err
	}
	return Message{From: from, To: upid.UPID{ID: to}, Name: name, Body: r.Body}, nil
}

// lastSender is the last sender a connection named and its parsed UPID:
// every message on a connection usually comes from the same process, and
// parsing its text again would give the same UPID. Only a text that parsed
// is kept, so one that did not is refused again. A nil *lastSender keeps
// nothing.
type lastSender struct {
	text string
	from upid.UPID
}

func (l *lastSender) parse(text string) (upid.UPID, error) {
	if l != nil && !l.from.IsZero() && text == l.text {
		return l.from, nil
	}
	from, err := upid.Parse(text)
	if err == nil && l != nil {
		l.text, l.from = text, from
	}
	return from, err
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
