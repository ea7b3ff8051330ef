// Package httppipe is a minimal HTTP/1.1 client connection for pipelining:
// requests are written back to back without waiting for their responses,
// and the responses are read, in the order of the requests, by a goroutine
// of the connection (RFC 9112 §9.3.2).
//
// It exists for the v1 executor API, where an executor sends every call
// other than SUBSCRIBE on one persistent connection, in order, and the agent
// answers each with a short response (202 and an empty body, or an error
// status with a line of text). net/http's client sends one request per
// connection at a time, so a driver using it either waits a round trip per
// call or opens more connections, which gives up the order.
//
// The codec parts are pure and work on bufio readers and writers:
// RequestHead renders the fixed part of requests that differ only in their
// body, WriteRequest writes one request, and ResponseReader reads one
// response (Content-Length, chunked, or until the connection closes). Conn
// joins them to a net.Conn. Matching each response to its request, deciding
// what is retried and when the peer is too slow are the caller's: Conn only
// moves bytes.
//
// The SUBSCRIBE call is answered with an event stream as long as the
// connection, so it goes alone on a connection of its own: Do sends one
// request and returns a Stream whose Body reads the response
// (ResponseReader.ReadStreaming) from the connection as it arrives, with
// no limit on its length, until the body ends, the Body is closed or the
// request's context ends. Dial connects as both need, TLS included. With
// these, an executor links no net/http.
//
// Only what an agent can answer is supported: no 101 upgrades, no transfer
// codings other than chunked, no interim responses other than skipped 1xx.
package httppipe
