// Package pcap reads classic libpcap capture files and reassembles the TCP
// byte streams in them, for tests that replay recorded traffic.
//
// It understands the classic file format only (not pcapng), in either byte
// order and with micro- or nanosecond timestamps, and decodes Ethernet
// frames (optionally with one 802.1Q tag) carrying IPv4 and TCP. Everything
// else in a capture (ARP, IPv6, UDP, IP fragments) is skipped. It uses the
// standard library only and is meant for small captures held in memory.
package pcap

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

// LinkTypeEthernet is the link type of captures taken on Ethernet
// interfaces, and on Linux also of those taken on "lo".
const LinkTypeEthernet = 1

// maxRecordBytes bounds one record so that a corrupt length cannot make the
// reader allocate without limit; it is tcpdump's largest snapshot length.
const maxRecordBytes = 262144

// File magic numbers as written by the capturing host (read little-endian
// they appear byte-swapped on a big-endian writer).
const (
	magicMicro = 0xa1b2c3d4
	magicNano  = 0xa1b23c4d
)

// ErrFormat is wrapped by every error about a malformed capture file.
var ErrFormat = errors.New("pcap: malformed capture")

// Packet is one captured frame.
type Packet struct {
	Time    time.Time
	Data    []byte // the captured bytes, starting at the link-layer header
	OrigLen int    // the frame's length on the wire (Data may be shorter)
}

// Reader reads the packets of one classic pcap file in file order.
type Reader struct {
	r        io.Reader
	order    binary.ByteOrder
	nano     bool
	linkType uint32
	snapLen  uint32
	hdr      [16]byte
}

// NewReader reads the file header from r.
func NewReader(r io.Reader) (*Reader, error) {
	var h [24]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, fmt.Errorf("%w: file header: %v", ErrFormat, err)
	}
	pr := &Reader{r: r}
	switch {
	case binary.LittleEndian.Uint32(h[0:4]) == magicMicro:
		pr.order = binary.LittleEndian
	case binary.BigEndian.Uint32(h[0:4]) == magicMicro:
		pr.order = binary.BigEndian
	case binary.LittleEndian.Uint32(h[0:4]) == magicNano:
		pr.order, pr.nano = binary.LittleEndian, true
	case binary.BigEndian.Uint32(h[0:4]) == magicNano:
		pr.order, pr.nano = binary.BigEndian, true
	default:
		return nil, fmt.Errorf("%w: unknown magic % x (pcapng is not supported)", ErrFormat, h[0:4])
	}
	if major := pr.order.Uint16(h[4:6]); major != 2 {
		return nil, fmt.Errorf("%w: version %d.%d, want 2.x", ErrFormat, major, pr.order.Uint16(h[6:8]))
	}
	pr.snapLen = pr.order.Uint32(h[16:20])
	pr.linkType = pr.order.Uint32(h[20:24]) & 0x0fffffff // the top bits may carry FCS flags
	return pr, nil
}

// LinkType is the file's link-layer header type (LinkTypeEthernet, ...).
func (pr *Reader) LinkType() uint32 { return pr.linkType }

// Next returns the next packet. It returns io.EOF after the last one, and an
// error wrapping ErrFormat when the file ends inside a record or a record's
// length is implausible.
func (pr *Reader) Next() (Packet, error) {
	n, err := io.ReadFull(pr.r, pr.hdr[:])
	switch {
	case err == io.EOF:
		return Packet{}, io.EOF
	case err != nil:
		return Packet{}, fmt.Errorf("%w: record header cut short after %d bytes", ErrFormat, n)
	}
	sec, frac := pr.order.Uint32(pr.hdr[0:4]), pr.order.Uint32(pr.hdr[4:8])
	inclLen, origLen := pr.order.Uint32(pr.hdr[8:12]), pr.order.Uint32(pr.hdr[12:16])
	if inclLen > maxRecordBytes {
		return Packet{}, fmt.Errorf("%w: record of %d bytes (limit %d)", ErrFormat, inclLen, maxRecordBytes)
	}
	data := make([]byte, inclLen)
	if _, err := io.ReadFull(pr.r, data); err != nil {
		return Packet{}, fmt.Errorf("%w: record of %d bytes cut short", ErrFormat, inclLen)
	}
	if !pr.nano {
		frac *= 1000
	}
	return Packet{Time: time.Unix(int64(sec), int64(frac)).UTC(), Data: data, OrigLen: int(origLen)}, nil
}
