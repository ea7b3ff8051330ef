package pcap

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"time"
)

// TCP header flags.
const (
	FlagFIN = 0x01
	FlagSYN = 0x02
	FlagRST = 0x04
	FlagPSH = 0x08
	FlagACK = 0x10
)

const (
	etherTypeIPv4 = 0x0800
	etherTypeVLAN = 0x8100
	protoTCP      = 6
)

// Segment is one TCP segment decoded from a frame.
type Segment struct {
	Time     time.Time
	Src, Dst netip.AddrPort
	Seq, Ack uint32
	Flags    uint8
	Payload  []byte // aliases the frame
}

// Flow names one direction of a TCP connection.
type Flow struct {
	Src, Dst netip.AddrPort
}

// Reverse is the opposite direction of the same connection.
func (f Flow) Reverse() Flow { return Flow{Src: f.Dst, Dst: f.Src} }

func (f Flow) String() string { return f.Src.String() + "->" + f.Dst.String() }

// Flow is the direction the segment travels in.
func (s *Segment) Flow() Flow { return Flow{Src: s.Src, Dst: s.Dst} }

// DecodeEthernetTCP decodes an Ethernet frame carrying IPv4 and TCP. ok is
// false, with a nil error, for any other frame (ARP, IPv6, UDP, an IP
// fragment); err describes a frame that claims to be IPv4/TCP but is cut
// short or inconsistent.
func DecodeEthernetTCP(frame []byte, at time.Time) (seg Segment, ok bool, err error) {
	if len(frame) < 14 {
		return Segment{}, false, fmt.Errorf("%w: Ethernet frame of %d bytes", ErrFormat, len(frame))
	}
	etherType, ip := binary.BigEndian.Uint16(frame[12:14]), frame[14:]
	if etherType == etherTypeVLAN && len(ip) >= 4 {
		etherType, ip = binary.BigEndian.Uint16(ip[2:4]), ip[4:]
	}
	if etherType != etherTypeIPv4 {
		return Segment{}, false, nil
	}
	return decodeIPv4TCP(ip, at)
}

func decodeIPv4TCP(ip []byte, at time.Time) (Segment, bool, error) {
	if len(ip) < 20 || ip[0]>>4 != 4 {
		return Segment{}, false, fmt.Errorf("%w: not an IPv4 header", ErrFormat)
	}
	ihl, total := int(ip[0]&0x0f)*4, int(binary.BigEndian.Uint16(ip[2:4]))
	if ihl < 20 || total < ihl || total > len(ip) {
		return Segment{}, false, fmt.Errorf("%w: IPv4 header length %d, total length %d, %d bytes captured", ErrFormat, ihl, total, len(ip))
	}
	if ip[9] != protoTCP || binary.BigEndian.Uint16(ip[6:8])&0x3fff != 0 { // not TCP, or a fragment
		return Segment{}, false, nil
	}
	src, dst := netip.AddrFrom4([4]byte(ip[12:16])), netip.AddrFrom4([4]byte(ip[16:20]))
	tcp := ip[ihl:total] // drops Ethernet padding after the IP packet
	if len(tcp) < 20 {
		return Segment{}, false, fmt.Errorf("%w: TCP header cut short (%d bytes)", ErrFormat, len(tcp))
	}
	off := int(tcp[12]>>4) * 4
	if off < 20 || off > len(tcp) {
		return Segment{}, false, fmt.Errorf("%w: TCP data offset %d in a %d-byte segment", ErrFormat, off, len(tcp))
	}
	return Segment{
		Time:    at,
		Src:     netip.AddrPortFrom(src, binary.BigEndian.Uint16(tcp[0:2])),
		Dst:     netip.AddrPortFrom(dst, binary.BigEndian.Uint16(tcp[2:4])),
		Seq:     binary.BigEndian.Uint32(tcp[4:8]),
		Ack:     binary.BigEndian.Uint32(tcp[8:12]),
		Flags:   tcp[13],
		Payload: tcp[off:],
	}, true, nil
}
