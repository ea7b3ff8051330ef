package messenger

import "net"

const (
	// inlineBodyBytes is the largest body copied next to its header; a
	// larger one is written from the slice given to Send (one more buffer
	// in the writev). Copying a small body costs less than a buffer.
	inlineBodyBytes = 1 << 10
	// blockBytes is the size of the blocks messages are framed into.
	blockBytes = 16 << 10
	// keepBlocks bounds the empty blocks a peer keeps for reuse, so a burst
	// does not pin its memory for the life of the connection.
	keepBlocks = 4
	// keepSegments bounds the slices of buffers a peer keeps for reuse.
	keepSegments = 1024
)

// outbox holds messages framed for the wire, ready for one writev: headers,
// small bodies and trailers are appended to blocks, large bodies are
// referenced as given. A peer has two: the queue, filled by Send under
// Messenger.mu, and the batch its writer goroutine is writing; take swaps
// them. A block is reused (from the peer's free list, under Messenger.mu)
// only once the write that read it has returned.
type outbox struct {
	segs   net.Buffers // what to write, in order: parts of blocks and large bodies
	blocks [][]byte    // the blocks of segs, to reuse once written
	n      int         // messages in segs
}

// add frames msg in framing f at the end of the outbox, taking blocks from
// free. The last segment is always the used end of the last block, so it
// grows in place while the block has room.
func (o *outbox) add(msg *Message, f Framing, free *[][]byte) {
	need := frameSize(msg)
	if k := len(o.segs); k == 0 || cap(o.segs[k-1])-len(o.segs[k-1]) < need {
		o.segs = append(o.segs, o.block(need, free))
	}
	o.segs = appendFrame(o.segs, msg, f)
	o.n++
}

// block returns an empty block with room for need bytes.
func (o *outbox) block(need int, free *[][]byte) []byte {
	var b []byte
	if k := len(*free); k > 0 && need <= blockBytes {
		b, *free = (*free)[k-1], (*free)[:k-1]
	} else {
		b = make([]byte, 0, max(need, blockBytes))
	}
	o.blocks = append(o.blocks, b)
	return b
}

// recycle empties a written outbox, putting its blocks on free for reuse
// and dropping its references to bodies.
func (o *outbox) recycle(free *[][]byte) {
	for _, b := range o.blocks {
		if len(*free) < keepBlocks && cap(b) == blockBytes {
			*free = append(*free, b[:0])
		}
	}
	clear(o.segs)
	clear(o.blocks)
	o.segs, o.blocks, o.n = o.segs[:0], o.blocks[:0], 0
	if cap(o.segs) > keepSegments {
		o.segs, o.blocks = nil, nil
	}
}

// writeTo writes the outbox to conn: one write, or one writev when some
// bodies are large.
func (o *outbox) writeTo(conn net.Conn) error {
	if len(o.segs) == 1 {
		_, err := conn.Write(o.segs[0])
		return err
	}
	segs := o.segs // WriteTo consumes its receiver
	_, err := segs.WriteTo(conn)
	return err
}

// frameSize is at least the bytes appendFrame adds to the last segment.
func frameSize(msg *Message) int {
	n := headerSize(msg)
	if len(msg.Body) > 0 {
		n += len(chunkTrailer)
	}
	if len(msg.Body) <= inlineBodyBytes {
		n += len(msg.Body)
	}
	return n
}

// appendFrame appends msg in framing f to segs, whose last segment must
// have room for frameSize(msg) more bytes. A large body becomes a segment
// of its own, followed by the rest of the last segment's room.
func appendFrame(segs net.Buffers, msg *Message, f Framing) net.Buffers {
	k := len(segs) - 1
	s := AppendHeader(segs[k], msg, f)
	switch {
	case len(msg.Body) == 0:
	case len(msg.Body) <= inlineBodyBytes:
		s = append(s, msg.Body...)
		s = append(s, chunkTrailer...)
	default:
		segs[k] = s
		segs = append(segs, msg.Body, s[len(s):])
		k += 2
		s = append(segs[k], chunkTrailer...)
	}
	segs[k] = s
	return segs
}
