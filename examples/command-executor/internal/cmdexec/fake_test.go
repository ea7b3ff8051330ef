package cmdexec

import (
	"context"
	"sync"

	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/mesos-shim/executor/driver"
)

// fakeDriver records what the executor sends, on channels.
type fakeDriver struct {
	updates  chan *mesos.TaskStatus
	messages chan []byte
	// awaiting receives a value each time AwaitAcknowledgements is
	// called; release, when not nil, holds the call until it is closed or
	// the call's context is done.
	awaiting chan struct{}
	release  chan struct{}
	stopped  chan struct{}
	stopOnce sync.Once
}

var _ driver.ExecutorDriver = (*fakeDriver)(nil)

func newFakeDriver() *fakeDriver {
	return &fakeDriver{
		updates:  make(chan *mesos.TaskStatus, 100),
		messages: make(chan []byte, 10),
		awaiting: make(chan struct{}, 10),
		stopped:  make(chan struct{}),
	}
}

func (f *fakeDriver) Start() (mesos.Status, error) { return mesos.DRIVER_RUNNING, nil }
func (f *fakeDriver) Abort() (mesos.Status, error) { return mesos.DRIVER_ABORTED, nil }
func (f *fakeDriver) Join() (mesos.Status, error)  { return mesos.DRIVER_STOPPED, nil }
func (f *fakeDriver) Run() (mesos.Status, error)   { return mesos.DRIVER_STOPPED, nil }
func (f *fakeDriver) Status() mesos.Status         { return mesos.DRIVER_RUNNING }

func (f *fakeDriver) Stop() (mesos.Status, error) {
	f.stopOnce.Do(func() { close(f.stopped) })
	return mesos.DRIVER_STOPPED, nil
}

func (f *fakeDriver) SendStatusUpdate(s *mesos.TaskStatus) (mesos.Status, error) {
	f.updates <- s
	return mesos.DRIVER_RUNNING, nil
}

func (f *fakeDriver) SendFrameworkMessage(data []byte) (mesos.Status, error) {
	f.messages <- data
	return mesos.DRIVER_RUNNING, nil
}

func (f *fakeDriver) AwaitAcknowledgements(ctx context.Context) error {
	f.awaiting <- struct{}{}
	if f.release == nil {
		return nil
	}
	select {
	case <-f.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (f *fakeDriver) ExecutorID() mesos.ExecutorID   { return mesos.ExecutorID{Value: "e"} }
func (f *fakeDriver) FrameworkID() mesos.FrameworkID { return mesos.FrameworkID{Value: "f"} }
func (f *fakeDriver) AgentID() mesos.AgentID         { return mesos.AgentID{Value: "a"} }
