package messenger

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/mesos-shim/executor/upid"
)

// inbox collects delivered messages, exits and rejections on channels so
// tests wait for events instead of sleeping.
type inbox struct {
	msgs     chan Message
	exited   chan upid.UPID
	rejected chan Rejection
}

func newInbox() *inbox {
	return &inbox{
		msgs:     make(chan Message, 1024),
		exited:   make(chan upid.UPID, 16),
		rejected: make(chan Rejection, 64),
	}
}

func (in *inbox) config(id string) Config {
	return Config{
		ProcessID: id,
		Handler:   func(m Message) { in.msgs <- m },
		Exited:    func(u upid.UPID) { in.exited <- u },
		Rejected:  func(r Rejection) { in.rejected <- r },
	}
}

const waitFor = 5 * time.Second

func (in *inbox) next(t *testing.T) Message {
	t.Helper()
	select {
	case m := <-in.msgs:
		return m
	case <-time.After(waitFor):
		t.Fatal("no message delivered")
		return Message{}
	}
}

func (in *inbox) nextRejection(t *testing.T) Rejection {
	t.Helper()
	select {
	case r := <-in.rejected:
		return r
	case <-time.After(waitFor):
		t.Fatal("no rejection reported")
		return Rejection{}
	}
}

func (in *inbox) nextExit(t *testing.T) upid.UPID {
	t.Helper()
	select {
	case u := <-in.exited:
		return u
	case <-time.After(waitFor):
		t.Fatal("no exit reported")
		return upid.UPID{}
	}
}

func startMessenger(t *testing.T, cfg Config) *Messenger {
	t.Helper()
	m, err := New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { m.Close() })
	return m
}
