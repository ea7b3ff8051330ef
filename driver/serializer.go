package driver

import "sync"

// serializer runs functions one at a time, in the order they were queued, on
// its own goroutine, never under a lock of the caller's. Queueing never
// blocks, so the driver's loop is never held up by a slow callback.
type serializer struct {
	mu      sync.Mutex
	queue   []func()
	closing bool
	wake    chan struct{}
	done    chan struct{}
}

func newSerializer() *serializer {
	s := &serializer{wake: make(chan struct{}, 1), done: make(chan struct{})}
	go s.run()
	return s
}

// push queues f; it is dropped if the serializer is closing.
func (s *serializer) push(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return
	}
	s.queue = append(s.queue, f)
	s.signal()
}

// close lets the queued functions run, then ends the goroutine.
func (s *serializer) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closing = true
	s.signal()
}

func (s *serializer) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// run calls the queued functions until the serializer is closed. A
// function that calls runtime.Goexit (a test's t.FailNow in a callback,
// say) ends the goroutine whatever run does; another then takes over the
// rest of the queue, so that what comes after it (the Error callback of
// the abort it causes) is still delivered.
func (s *serializer) run() {
	closed := false
	defer func() {
		if closed {
			close(s.done)
			return
		}
		go s.run()
		s.signal()
	}()
	for range s.wake {
		for {
			f, closing, ok := s.next()
			if !ok {
				if closing {
					closed = true
					return
				}
				break
			}
			f()
		}
	}
}

func (s *serializer) next() (f func(), closing, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queue) == 0 {
		return nil, s.closing, false
	}
	f = s.queue[0]
	s.queue[0] = nil
	s.queue = s.queue[1:]
	return f, s.closing, true
}
