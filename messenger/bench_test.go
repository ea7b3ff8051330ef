package messenger

// BenchmarkSendReceive compares message throughput through a sender and a
// receiver on loopback, ours against the mesos-go v0.0.11 messenger, with the
// same ~200-byte StatusUpdateMessage. Each op is one message; msgs/s is
// measured from the first Send to the receiver's handler seeing the last one.
// allocs/op and B/op count both sides (they share this process).
//
//	ours                 our sender linked to our receiver, body bytes as is
//	ours-proto           the same, but marshalling the message on every send
//	                     and unmarshalling it on receipt, as mesos-go does
//	mesos-go-v0          a mesos-go messenger sending to a mesos-go messenger
//	ours-to-mesos-go-v0  our sender, mesos-go receiver
//	mesos-go-v0-to-ours  mesos-go sender, our receiver
//
// mesos-go is driven as its API intends: Send queues the message and one send
// loop POSTs it and waits for the answer before the next, so its messages are
// sent one at a time; an executor sends its updates from one driver anyway.

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gogo/protobuf/proto"
	v0 "github.com/mesos/mesos-go/api/v0/mesosproto"
	v0messenger "github.com/mesos/mesos-go/api/v0/messenger"
	v0upid "github.com/mesos/mesos-go/api/v0/upid"
	"github.com/stretchr/testify/require"
)

// benchSink counts deliveries and signals when the expected count is reached.
type benchSink struct {
	n      atomic.Int64
	target atomic.Int64
	done   chan struct{}
}

func newBenchSink() *benchSink { return &benchSink{done: make(chan struct{}, 1)} }

func (s *benchSink) hit() {
	if s.n.Add(1) == s.target.Load() {
		s.done <- struct{}{}
	}
}

// expect arms the sink for n deliveries; nothing may be in flight.
func (s *benchSink) expect(n int) {
	s.target.Store(int64(n))
	s.n.Store(0)
}

func (s *benchSink) wait(b *testing.B) {
	select {
	case <-s.done:
	case <-time.After(2 * time.Minute):
		b.Fatalf("receiver saw %d of %d messages", s.n.Load(), s.target.Load())
	}
}

// runSendReceive times b.N calls of send against sink, after one untimed
// warm-up message that opens the connection.
func runSendReceive(b *testing.B, sink *benchSink, send func()) {
	sink.expect(1)
	send()
	sink.wait(b)

	sink.expect(b.N)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		send()
	}
	sink.wait(b)
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
}

func BenchmarkSendReceive(b *testing.B) {
	update := testStatusUpdate(1, 0)
	body, err := proto.Marshal(update)
	require.NoError(b, err)
	const name = "mesos.internal.StatusUpdateMessage"
	ctx := context.Background()

	// ours: one receiver and one linked sender, reused for every b.N.
	oursSink := newBenchSink()
	var oursDecode atomic.Bool
	recv, err := New(Config{ProcessID: "slave(1)", Handler: func(m Message) {
		if oursDecode.Load() {
			var u v0.StatusUpdateMessage
			if err := proto.Unmarshal(m.Body, &u); err != nil {
				panic(err)
			}
		}
		oursSink.hit()
	}})
	require.NoError(b, err)
	b.Cleanup(func() { recv.Close() })
	send, err := New(Config{ProcessID: "executor(1)", Handler: func(Message) {}})
	require.NoError(b, err)
	b.Cleanup(func() { send.Close() })
	require.NoError(b, send.Link(recv.UPID()))
	to := recv.UPID()

	b.Run("ours", func(b *testing.B) {
		oursDecode.Store(false)
		runSendReceive(b, oursSink, func() {
			if err := send.Send(Message{To: to, Name: name, Body: body}); err != nil {
				b.Fatal(err)
			}
		})
	})

	b.Run("ours-proto", func(b *testing.B) {
		oursDecode.Store(true)
		defer oursDecode.Store(false)
		runSendReceive(b, oursSink, func() {
			buf, err := proto.Marshal(update)
			if err != nil {
				b.Fatal(err)
			}
			if err := send.Send(Message{To: to, Name: name, Body: buf}); err != nil {
				b.Fatal(err)
			}
		})
	})

	// mesos-go: a receiver, a sender to it.
	v0Sink := newBenchSink()
	v0Recv := startV0(b, "slave(1)", func(m v0messenger.Messenger) {
		require.NoError(b, m.Install(func(*v0upid.UPID, proto.Message) { v0Sink.hit() }, &v0.StatusUpdateMessage{}))
	})
	v0To := v0Recv.UPID()
	v0Send := startV0(b, "executor(1)", nil)

	b.Run("mesos-go-v0", func(b *testing.B) {
		runSendReceive(b, v0Sink, func() {
			if err := v0Send.Send(ctx, &v0To, update); err != nil {
				b.Fatal(err)
			}
		})
	})

	crossSend, err := New(Config{ProcessID: "executor(2)", Handler: func(Message) {}})
	require.NoError(b, err)
	b.Cleanup(func() { crossSend.Close() })
	crossTo := fromV0(b, v0To)
	require.NoError(b, crossSend.Link(crossTo))

	b.Run("ours-to-mesos-go-v0", func(b *testing.B) {
		runSendReceive(b, v0Sink, func() {
			if err := crossSend.Send(Message{To: crossTo, Name: name, Body: body}); err != nil {
				b.Fatal(err)
			}
		})
	})

	oursTo := toV0(b, to)
	b.Run("mesos-go-v0-to-ours", func(b *testing.B) {
		runSendReceive(b, oursSink, func() {
			if err := v0Send.Send(ctx, oursTo, update); err != nil {
				b.Fatal(err)
			}
		})
	})
}
