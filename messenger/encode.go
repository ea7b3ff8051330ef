package messenger

import (
	"strconv"
	"strings"

	"github.com/mesos-shim/executor/upid"
)

// chunkTrailer ends the one data chunk of a body and the chunked encoding.
const chunkTrailer = "\r\n0\r\n\r\n"

// AppendHeader appends the request line and headers of m in libprocess framing
// f, including the size line of the body's single chunk when the body is not
// empty. The complete request is the header, then m.Body, then, when the
// body is not empty, ChunkTrailer(). Splitting it this way lets a sender
// write the body without copying it.
func AppendHeader(dst []byte, m *Message, f Framing) []byte {
	dst = append(dst, "POST /"...)
	if m.To.ID != "" {
		dst = append(dst, m.To.ID...) // libprocess does not percent-encode ids
		dst = append(dst, '/')
	}
	dst = append(dst, m.Name...)
	if f == FramingHTTP10 {
		dst = append(dst, " HTTP/1.0\r\n"...)
	} else {
		dst = append(dst, " HTTP/1.1\r\n"...)
	}
	dst = append(dst, "User-Agent: libprocess/"...)
	from := len(dst)
	dst = appendUPID(dst, m.From)
	fromEnd := len(dst)
	dst = append(dst, "\r\n"...)
	if f != FramingHTTP10 {
		dst = append(dst, "Libprocess-From: "...)
		dst = append(dst, dst[from:fromEnd]...)
		dst = append(dst, "\r\n"...)
	}
	dst = append(dst, "Connection: Keep-Alive\r\n"...)
	switch f {
	case FramingHTTP11:
		dst = append(dst, "Host: \r\n"...)
	case FramingHTTP11Host:
		dst = append(dst, "Host: "...)
		dst = appendHostPort(dst, m.To)
		dst = append(dst, "\r\n"...)
	}
	if len(m.Body) == 0 {
		return append(dst, "\r\n"...)
	}
	dst = append(dst, "Transfer-Encoding: chunked\r\n\r\n"...)
	dst = strconv.AppendInt(dst, int64(len(m.Body)), 16)
	return append(dst, "\r\n"...)
}

// headerSize is at least the size of m's header in any framing, so that
// AppendHeader fills a buffer of that capacity without growing it.
func headerSize(m *Message) int {
	const fixed = len("POST / HTTP/1.1\r\nUser-Agent: libprocess/\r\nLibprocess-From: \r\n" +
		"Connection: Keep-Alive\r\nHost: \r\nTransfer-Encoding: chunked\r\n\r\n" + "ffffffffffffffff\r\n")
	return fixed + len(m.To.ID) + 1 + len(m.Name) + 2*upidLen(m.From) + hostPortLen(m.To)
}

// upidLen is len(u.String()).
func upidLen(u upid.UPID) int {
	if u.IsZero() {
		return 0
	}
	return len(u.ID) + 1 + hostPortLen(u)
}

// hostPortLen is len(u.HostPort()).
func hostPortLen(u upid.UPID) int {
	n := len(u.Host) + len(":") + 1
	for p := u.Port; p >= 10; p /= 10 {
		n++
	}
	if strings.IndexByte(u.Host, ':') >= 0 {
		n += len("[]")
	}
	return n
}

// appendUPID appends u.String() without allocating.
func appendUPID(dst []byte, u upid.UPID) []byte {
	if u.IsZero() {
		return dst
	}
	dst = append(dst, u.ID...)
	dst = append(dst, '@')
	return appendHostPort(dst, u)
}

// appendHostPort appends u.HostPort() (net.JoinHostPort's form) without
// allocating.
func appendHostPort(dst []byte, u upid.UPID) []byte {
	if strings.IndexByte(u.Host, ':') >= 0 {
		dst = append(dst, '[')
		dst = append(dst, u.Host...)
		dst = append(dst, ']')
	} else {
		dst = append(dst, u.Host...)
	}
	dst = append(dst, ':')
	return strconv.AppendUint(dst, uint64(u.Port), 10)
}

// ChunkTrailer returns the bytes that follow a non-empty body.
func ChunkTrailer() []byte { return []byte(chunkTrailer) }

// AppendMessage appends the whole request for m in framing f.
func AppendMessage(dst []byte, m *Message, f Framing) []byte {
	dst = AppendHeader(dst, m, f)
	if len(m.Body) == 0 {
		return dst
	}
	dst = append(dst, m.Body...)
	return append(dst, chunkTrailer...)
}
