package messenger

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/upid"
)

// A peer frames messages into blocks it reuses once they are written.
// These tests pin down that a batch is byte for byte the messages'
// encodings, whatever the mix of bodies, and that reuse allocates nothing.

// batchMessages has every kind of frame a batch holds: empty, small and large
// bodies either side of inlineBodyBytes, and a header larger than a block.
func batchMessages() []Message {
	from := upid.MustParse("executor(1)@127.0.0.1:40161")
	to := upid.MustParse("slave(1)@10.0.0.5:5051")
	long := upid.UPID{ID: strings.Repeat("x", blockBytes), Host: "2001:db8::1", Port: 1}
	body := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i * 31)
		}
		return b
	}
	var msgs []Message
	for _, n := range []int{0, 1, 200, inlineBodyBytes, inlineBodyBytes + 1, 100 << 10, 0, 7} {
		msgs = append(msgs, Message{From: from, To: to, Name: "mesos.internal.M", Body: body(n)})
	}
	msgs = append(msgs, Message{From: long, To: to, Name: "mesos.internal.Long", Body: body(3)})
	for i := 0; i < 200; i++ { // more than a block of small frames
		msgs = append(msgs, Message{From: from, To: to, Name: "mesos.internal.StatusUpdateMessage", Body: body(i)})
	}
	return msgs
}

func TestBatchWritesWhatAppendMessageWrites(t *testing.T) {
	msgs := batchMessages()
	for _, f := range []Framing{FramingHTTP10, FramingHTTP11, FramingHTTP11Host} {
		var free [][]byte
		var o outbox
		for round := 0; round < 3; round++ { // later rounds reuse the blocks
			var want []byte
			for i := range msgs[round:] {
				m := &msgs[round+i]
				o.add(m, f, &free)
				want = AppendMessage(want, m, f)
			}
			require.Equal(t, len(msgs)-round, o.n)
			got := bytes.Join(o.segs, nil)
			require.True(t, bytes.Equal(want, got), "%s round %d: the batch differs from the messages' encodings", f, round)
			o.recycle(&free)
			require.Zero(t, o.n)
			require.Empty(t, o.segs)
			require.LessOrEqual(t, len(free), keepBlocks)
		}
	}
}

func TestLargeBodiesAreNotCopied(t *testing.T) {
	var free [][]byte
	var o outbox
	body := make([]byte, inlineBodyBytes+1)
	o.add(&Message{From: agentPID, To: agentPID, Name: "n", Body: body}, FramingHTTP11, &free)
	require.Len(t, o.segs, 3)
	require.Same(t, &body[0], &o.segs[1][0])
}

func TestSteadySendingReusesItsBlocks(t *testing.T) {
	msg := &Message{From: upid.MustParse("executor(1)@127.0.0.1:40161"), To: agentPID,
		Name: "mesos.internal.StatusUpdateMessage", Body: make([]byte, 200)}
	var free [][]byte
	var queue, batch outbox
	cycle := func() {
		for i := 0; i < 10; i++ {
			queue.add(msg, FramingHTTP11, &free)
		}
		batch.recycle(&free)
		queue, batch = batch, queue
	}
	cycle()
	cycle()
	require.Zero(t, testing.AllocsPerRun(100, cycle))
}
