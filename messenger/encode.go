package messenger

import "strconv"

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
	from := m.From.String()
	dst = append(dst, "User-Agent: libprocess/"...)
	dst = append(dst, from...)
	dst = append(dst, "\r\n"...)
	if f != FramingHTTP10 {
		dst = append(dst, "Libprocess-From: "...)
		dst = append(dst, from...)
		dst = append(dst, "\r\n"...)
	}
	dst = append(dst, "Connection: Keep-Alive\r\n"...)
	switch f {
	case FramingHTTP11:
		dst = append(dst, "Host: \r\n"...)
	case FramingHTTP11Host:
		dst = append(dst, "Host: "...)
		dst = append(dst, m.To.HostPort()...)
		dst = append(dst, "\r\n"...)
	}
	if len(m.Body) == 0 {
		return append(dst, "\r\n"...)
	}
	dst = append(dst, "Transfer-Encoding: chunked\r\n\r\n"...)
	dst = strconv.AppendInt(dst, int64(len(m.Body)), 16)
	return append(dst, "\r\n"...)
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
