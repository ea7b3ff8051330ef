package core

import (
	"bytes"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// book keeps what the agent has not acknowledged yet: the status updates
// sent and the tasks launched, each in the order they came, so that both can
// be handed back to a restarted agent.
type book struct {
	updates  []update
	tasks    []mesos.TaskInfo
	launched map[string]struct{} // every task id ever launched
}

// update is one unacknowledged status update.
type update struct {
	status mesos.TaskStatus
	// held is set when the update was made while no agent could take it;
	// it is sent once the executor is subscribed again.
	held bool
}

func newBook() book { return book{launched: make(map[string]struct{})} }

// launch records a task; it reports false for a task id seen before.
func (b *book) launch(t mesos.TaskInfo) bool {
	if _, dup := b.launched[t.TaskID.Value]; dup {
		return false
	}
	b.launched[t.TaskID.Value] = struct{}{}
	b.tasks = append(b.tasks, t)
	return true
}

// acknowledge removes the update with uuid, and the task's record, which the
// agent now knows. It reports false when no such update is outstanding.
// Acknowledgements usually come in order, so the search starts at the front.
func (b *book) acknowledge(taskID string, uuid []byte) bool {
	i := b.find(uuid)
	if i < 0 {
		return false
	}
	b.updates = append(b.updates[:i], b.updates[i+1:]...)
	for j := range b.tasks {
		if b.tasks[j].TaskID.Value == taskID {
			b.tasks = append(b.tasks[:j], b.tasks[j+1:]...)
			break
		}
	}
	return true
}

func (b *book) find(uuid []byte) int {
	for i := range b.updates {
		if bytes.Equal(b.updates[i].status.UUID, uuid) {
			return i
		}
	}
	return -1
}

// releaseHeld returns the updates held back and marks them sent.
func (b *book) releaseHeld() []mesos.TaskStatus {
	var out []mesos.TaskStatus
	for i := range b.updates {
		if b.updates[i].held {
			b.updates[i].held = false
			out = append(out, b.updates[i].status)
		}
	}
	return out
}

// unacknowledged returns every outstanding task and update, all marked sent.
func (b *book) unacknowledged() ([]mesos.TaskInfo, []mesos.TaskStatus) {
	tasks := append([]mesos.TaskInfo(nil), b.tasks...)
	updates := make([]mesos.TaskStatus, len(b.updates))
	for i := range b.updates {
		b.updates[i].held = false
		updates[i] = b.updates[i].status
	}
	return tasks, updates
}
