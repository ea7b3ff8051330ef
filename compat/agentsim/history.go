package agentsim

import (
	"context"
	"fmt"
)

// Long runs (the soak in internal/soak: a hundred restarts, a million
// updates) check the trace piece by piece and then forget the piece, so
// that neither the trace nor the agent's record of updates grows without
// bound. A short scenario never needs these.

// Take returns the entries so far, in order, and empties the trace. The
// times of later entries still count from the trace's start.
func (t *Trace) Take() []Entry {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := t.entries.all()
	t.entries = blocks[Entry]{}
	return out
}

// Accepted is how many status updates the agent has accepted since it
// started, replays included. ForgetAcknowledged does not lower it.
func (a *Agent) Accepted() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.accepted
}

// WaitAccepted waits until the agent has accepted at least n updates since
// it started (see Accepted).
func (a *Agent) WaitAccepted(ctx context.Context, n int) error {
	return a.waitFor(ctx, fmt.Sprintf("%d accepted updates", n), func() bool { return a.accepted >= n })
}

// ForgetAcknowledged removes every acknowledged update from the agent's
// record, with its acknowledgement count, and returns them in arrival order
// (Acks set). Unacknowledged updates stay. An update that arrives again
// after being forgotten is taken as new: a long run that wants to catch
// such duplicates keeps the uuids it has seen.
func (a *Agent) ForgetAcknowledged() []Update {
	a.mu.Lock()
	defer a.mu.Unlock()
	var forgotten []Update
	var kept blocks[Update]
	for _, u := range a.updates.all() {
		u.Acks = a.acks[uuidKey(u.UUID)]
		if u.Acks == 0 {
			kept.add(u)
			continue
		}
		forgotten = append(forgotten, u)
	}
	for _, u := range forgotten {
		delete(a.acks, uuidKey(u.UUID))
	}
	a.updates = kept
	a.updatesGeneration++
	return forgotten
}

// WaitFaults waits until fault hooks (FailCalls, StallSubscribes,
// IgnoreRegistrations) have fired n times since the agent started.
func (a *Agent) WaitFaults(ctx context.Context, n int) error {
	return a.waitFor(ctx, fmt.Sprintf("%d injected faults", n), func() bool { return a.faults.fired >= n })
}
