package pcap

import (
	"fmt"
	"io"
	"os"
	"slices"
	"time"
)

// Stream is what one side of a TCP connection sent: its payload bytes in
// sequence-number order, each byte once.
type Stream struct {
	Flow  Flow
	Data  []byte
	Start time.Time // time of the direction's first captured segment
	// SYN, FIN and RST say whether a segment with that flag was captured.
	SYN, FIN, RST bool
	// Missing counts payload bytes that were never captured: holes between
	// the start of the stream and its last captured byte. Data leaves them
	// out, so a stream with Missing > 0 is not what was sent.
	Missing int
}

// Assembler groups segments by direction and reorders their payloads by
// sequence number. Retransmitted and overlapping bytes are kept once (the
// first copy captured wins), and segments may be added in any order. A SYN
// with a new initial sequence number on a direction that already carried a
// connection starts a new Stream (the 4-tuple was reused). Streams longer
// than 2 GiB are not supported.
type Assembler struct {
	open  map[Flow]*assembly
	order []*assembly
}

type assembly struct {
	stream  Stream
	base    uint32 // sequence number of offset 0
	hasBase bool
	segs    []piece
}

type piece struct {
	off  int64
	data []byte
}

// NewAssembler returns an empty Assembler.
func NewAssembler() *Assembler {
	return &Assembler{open: make(map[Flow]*assembly)}
}

// Add files one segment under its direction. Its payload is copied.
func (a *Assembler) Add(seg Segment) {
	flow := seg.Flow()
	as := a.open[flow]
	if seg.Flags&FlagSYN != 0 && as != nil && as.startsAnew(seg.Seq) {
		as = nil
	}
	if as == nil {
		as = &assembly{stream: Stream{Flow: flow, Start: seg.Time}}
		a.open[flow] = as
		a.order = append(a.order, as)
	}
	as.add(seg)
}

// startsAnew reports whether a SYN with sequence number isn belongs to a
// new connection rather than being a retransmission of this one's SYN.
func (as *assembly) startsAnew(isn uint32) bool {
	if as.stream.SYN {
		return isn+1 != as.base
	}
	return len(as.segs) > 0 || as.stream.FIN || as.stream.RST
}

func (as *assembly) add(seg Segment) {
	switch {
	case seg.Flags&FlagSYN != 0:
		as.stream.SYN, as.base, as.hasBase = true, seg.Seq+1, true
	case !as.hasBase:
		as.base, as.hasBase = seg.Seq, true
	}
	as.stream.FIN = as.stream.FIN || seg.Flags&FlagFIN != 0
	as.stream.RST = as.stream.RST || seg.Flags&FlagRST != 0
	if len(seg.Payload) == 0 {
		return
	}
	off := int64(int32(seg.Seq - as.base))
	if seg.Flags&FlagSYN != 0 {
		off++ // data on a SYN starts after the SYN's sequence number
	}
	as.segs = append(as.segs, piece{off: off, data: slices.Clone(seg.Payload)})
}

// Streams reassembles every direction seen so far, in the order of each
// direction's first segment.
func (a *Assembler) Streams() []*Stream {
	out := make([]*Stream, 0, len(a.order))
	for _, as := range a.order {
		s := as.stream
		s.Data, s.Missing = as.assemble()
		out = append(out, &s)
	}
	return out
}

func (as *assembly) assemble() ([]byte, int) {
	segs := slices.Clone(as.segs)
	slices.SortStableFunc(segs, func(x, y piece) int {
		switch {
		case x.off < y.off:
			return -1
		case x.off > y.off:
			return 1
		}
		return 0
	})
	var cursor int64 // without a SYN, the earliest captured byte is the start
	if len(segs) > 0 && (!as.stream.SYN || segs[0].off < 0) {
		cursor = segs[0].off
	}
	var data []byte
	missing := 0
	for _, p := range segs {
		end := p.off + int64(len(p.data))
		if end <= cursor {
			continue
		}
		if p.off > cursor {
			missing += int(p.off - cursor)
			cursor = p.off
		}
		data = append(data, p.data[cursor-p.off:]...)
		cursor = end
	}
	return data, missing
}

// ReadStreams reads a whole capture of Ethernet frames from r and returns
// the TCP streams in it. Frames that are not IPv4/TCP are skipped; a frame
// that claims to be IPv4/TCP but is malformed is an error.
func ReadStreams(r io.Reader) ([]*Stream, error) {
	pr, err := NewReader(r)
	if err != nil {
		return nil, err
	}
	if pr.LinkType() != LinkTypeEthernet {
		return nil, fmt.Errorf("pcap: link type %d is not supported (want %d, Ethernet)", pr.LinkType(), LinkTypeEthernet)
	}
	a := NewAssembler()
	for i := 1; ; i++ {
		p, err := pr.Next()
		if err == io.EOF {
			return a.Streams(), nil
		}
		if err != nil {
			return nil, fmt.Errorf("packet %d: %w", i, err)
		}
		seg, ok, err := DecodeEthernetTCP(p.Data, p.Time)
		if err != nil {
			return nil, fmt.Errorf("packet %d: %w", i, err)
		}
		if ok {
			a.Add(seg)
		}
	}
}

// ReadFile is ReadStreams on the named file.
func ReadFile(name string) ([]*Stream, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	streams, err := ReadStreams(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return streams, nil
}
