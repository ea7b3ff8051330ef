package messenger

import (
	"bufio"
	"net"
	"testing"
)

// BenchmarkReceiveOneMessagePerConnection measures the receiver as agents
// before 0.27 use it: every message on a connection of its own, opened,
// written, answered and closed. An op is one such message.
func BenchmarkReceiveOneMessagePerConnection(b *testing.B) {
	m, err := New(Config{ProcessID: "executor(1)", Handler: func(Message) {}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { m.Close() })
	req := generations[0].request(m.UPID().Port, "mesos.internal.RunTaskMessage", make([]byte, 200))
	addr := m.Addr().String()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Write(req); err != nil {
			b.Fatal(err)
		}
		if _, err := bufio.NewReader(c).ReadString('\n'); err != nil {
			b.Fatal(err)
		}
		c.Close()
	}
}
