package messenger

import (
	"github.com/mesos-shim/executor/upid"
)

// Message is one libprocess message: a named, opaque body sent by one
// process to another. Body is usually a serialized protobuf whose full type
// name is Name, but the messenger never looks inside it.
type Message struct {
	From upid.UPID
	To   upid.UPID
	Name string
	Body []byte
}

// Framing selects how outgoing messages are written, one value per libprocess
// generation. All of them are accepted on receipt.
type Framing int

const (
	// FramingHTTP11 is what libprocess 0.22 to 1.11 writes: HTTP/1.1,
	// User-Agent and Libprocess-From, an empty Host header. It is the default
	// and is understood by every agent from 0.19 on.
	FramingHTTP11 Framing = iota
	// FramingHTTP10 is what libprocess before 0.22 writes: HTTP/1.0, a
	// chunked body and only "User-Agent: libprocess/<pid>".
	FramingHTTP10
	// FramingHTTP11Host is what libprocess after 1.11 writes: as
	// FramingHTTP11 with "Host: <ip>:<port>" of the receiver.
	FramingHTTP11Host
)

func (f Framing) String() string {
	switch f {
	case FramingHTTP11:
		return "http/1.1"
	case FramingHTTP10:
		return "http/1.0"
	case FramingHTTP11Host:
		return "http/1.1+host"
	}
	return "framing(?)"
}
