// Package messenger moves libprocess messages over HTTP: the transport of the
// legacy (v0) Mesos executor protocol. It knows nothing about executors and
// never retries; it moves (from, to, name, body) and reports broken links.
//
// # The wire
//
// A message from process F to process T is one HTTP request on a TCP
// connection from F's host to T's listener:
//
//	POST /<T.id>/<name> HTTP/1.1
//	User-Agent: libprocess/<F>          every generation
//	Libprocess-From: <F>                0.22 and later
//	Connection: Keep-Alive
//	Host:                               0.22-1.11 empty; after 1.11 "<ip>:<port>"
//	Transfer-Encoding: chunked          only when the body is not empty
//
//	<hex length>\r\n<body>\r\n0\r\n\r\n
//
// Before 0.22 the request line says HTTP/1.0 and only User-Agent names the
// sender. The name is the protobuf type name of the body, for example
// "mesos.internal.RunTaskMessage"; an empty body has no body headers at all.
// Framing selects which generation this package writes.
//
// Each connection carries messages one way, from the connector to the
// acceptor; only HTTP responses travel back, and libprocess senders read and
// discard them (agents before 1.4 send no response to a sender with a
// libprocess User-Agent). A reply is a new message over the replier's own
// connection to the sender's listener, so every process, an executor
// included, runs a listener at the address in its UPID.
//
// # Receiving
//
// New binds a listener (LIBPROCESS_IP, LIBPROCESS_PORT; Config.ApplyEnv reads
// them) and reads requests itself rather than with net/http, whose server
// discards the body of an HTTP/1.0 chunked request. It accepts every
// generation of libprocess sender and ordinary HTTP clients (Go's net/http,
// the mesos-go v0 messenger), including many requests pipelined on one
// connection by a sender that does not read responses (as long as the
// unread answers fit in the socket buffers: see WriteTimeout). Every request is
// answered, in order, as libprocess 1.4 and later do: 202 when it is a message
// for this process, 404 for another process id or a request that is not a
// libprocess message, 400 for a malformed one (a message name with a
// control character included: libprocess would take it, and a decoded
// newline in it would forge log lines), 413 for a body over
// Config.MaxBodyBytes. After a request that cannot be read to its end the
// connection is closed. Each refusal is logged with the peer's address and
// reported to Config.Rejected.
//
// Slow and silent peers are bounded where libprocess bounds nothing. The
// wait for a request's first byte is never timed: the agent's connection is
// persistent and idle between messages. Once a request has started, its
// request line and headers must arrive within Config.RequestHeaderTimeout
// (10 s), and its body within Config.RequestBodyTimeout (10 s) plus a second
// per Config.MinBodyRate bytes received (64 KiB/s), so a trickled request is
// cut off whatever its declared length; it is answered 408 and its
// connection closed. A peer that does not read its answers for
// Config.WriteTimeout (10 s) is disconnected. At most
// Config.MaxPendingConnections (128) accepted connections may be waiting to
// deliver their first message; past that the oldest of them is closed, so
// silent connections cannot use up file descriptors and the agent's next
// connection always gets in. libprocess has none of these bounds (it reads
// each socket for as long as it stays open, at any rate); an agent that
// stalls for longer than a bound in the middle of a message loses that
// message, as it would if the connection broke.
//
// # Sending and links
//
// Send queues a message and returns. Messages to one address are written in
// order on one connection, batched into single writes. Link makes that
// connection persistent; when it breaks (the peer process died, closed or
// reset it, a write failed, or it could not be opened) every UPID linked to
// that address is reported once to Config.Exited. A dying process's sockets
// are closed by its kernel, so the report follows its death by the time a
// FIN or RST takes to arrive. Relink replaces a link with a fresh connection
// and retires the old one without a report: a connection that looks healthy
// may be half-open (MESOS-5332, MESOS-7057), so recovery must never reuse it.
// Without a link, Send uses a temporary connection that is half-closed once
// its queue is drained.
package messenger
