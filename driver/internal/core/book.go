package core

import (
	"bytes"
	"slices"

	"github.com/gogo/protobuf/proto"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// book keeps what the agent has not acknowledged yet: the status updates
// sent and the tasks launched, each in the order they came, so that both can
// be handed back to a restarted agent.
type book struct {
	// updates[head:] are the outstanding updates, oldest first.
	// Acknowledgements come in order, as a rule: the first is taken by
	// moving head, and the slots before it are reused once they are half.
	updates []pending
	head    int
	// sent counts the outstanding updates handed to the wire and held the
	// others, which are always the newest: once one is held every later
	// one is (mayHandOver), and release hands them over oldest first.
	sent, held int
	tasks      []mesos.TaskInfo
	// launched holds the ids of the tasks launched and not known to have
	// ended: an id is free again once a terminal update of its task is
	// acknowledged, as a framework may then launch a task with it.
	launched map[string]struct{}
	id       identity
}

// pending is one unacknowledged update. The driver lets thousands wait for
// their acknowledgements (DefaultMaxUnacknowledgedUpdates), so each is kept
// encoded in one small allocation rather than as a TaskStatus, which with
// the values it points to takes about four times as much: rec is the uuid
// then the executor's TaskStatus in protobuf encoding, without the fields
// that identity.stamp sets, which are set again when it is decoded.
type pending struct {
	rec     []byte
	uuidLen int
	ts      float64 // the timestamp it was sent with
	// terminal says the update ends its task: its acknowledgement frees
	// the task's id.
	terminal bool
	// held is set when the update was not handed to the wire when it was
	// made: no agent could take it, or the send window was full. It is
	// sent once the executor is subscribed again, or there is room.
	held bool
}

// identity holds the values every update of this executor carries, made
// once and shared, read-only, by every status the core stamps.
type identity struct {
	agent    *mesos.AgentID
	executor *mesos.ExecutorID
	source   *mesos.TaskStatus_Source
}

func newIdentity(cfg Config) identity {
	source := mesos.SOURCE_EXECUTOR
	return identity{agent: &mesos.AgentID{Value: cfg.AgentID},
		executor: &mesos.ExecutorID{Value: cfg.ExecutorID}, source: &source}
}

// stamp sets what the agent requires of an executor's update. s shares
// uuid and the identity's values: none of them may be changed.
func (id identity) stamp(s *mesos.TaskStatus, uuid []byte, ts float64) {
	s.UUID = uuid
	s.Timestamp = &ts
	s.AgentID = id.agent
	s.ExecutorID = id.executor
	s.Source = id.source
}

func newBook(cfg Config) book {
	return book{launched: make(map[string]struct{}), id: newIdentity(cfg)}
}

// launch records a task; it reports false for a task id in use. The
// book keeps a deep copy: the executor gets t, and may change what t
// points to (a command's environment, say) while the loop encodes the
// book's tasks for a reregistration.
func (b *book) launch(t mesos.TaskInfo) bool {
	if _, dup := b.launched[t.TaskID.Value]; dup {
		return false
	}
	b.launched[t.TaskID.Value] = struct{}{}
	b.tasks = append(b.tasks, *proto.Clone(&t).(*mesos.TaskInfo))
	return true
}

// add keeps the stamped update s until it is acknowledged.
func (b *book) add(s mesos.TaskStatus, held bool) error {
	uuid, ts := s.UUID, s.GetTimestamp()
	s.UUID, s.Timestamp, s.AgentID, s.ExecutorID, s.Source = nil, nil, nil, nil, nil
	rec := make([]byte, len(uuid)+s.Size())
	copy(rec, uuid)
	if _, err := s.MarshalTo(rec[len(uuid):]); err != nil {
		return err
	}
	if len(b.updates) == cap(b.updates) && b.head >= len(b.updates)/2 {
		n := copy(b.updates, b.updates[b.head:])
		clear(b.updates[n:])
		b.updates, b.head = b.updates[:n], 0
	}
	b.updates = append(b.updates, pending{rec: rec, uuidLen: len(uuid), ts: ts, held: held, terminal: isTerminal(s.GetState())})
	if held {
		b.held++
	} else {
		b.sent++
	}
	return nil
}

// mayHandOver says whether a new update may go to the wire at once:
// nothing older is held, and fewer than window updates are out there
// unacknowledged.
func (b *book) mayHandOver(window int) bool { return b.held == 0 && b.sent < window }

// outstanding returns the unacknowledged updates, oldest first.
func (b *book) outstanding() []pending { return b.updates[b.head:] }

// acknowledge removes the update with uuid, and the task's record, which the
// agent now knows; a terminal update frees its task's id. It reports false
// when no such update is outstanding.
func (b *book) acknowledge(taskID string, uuid []byte) bool {
	i := b.find(uuid)
	if i < 0 {
		return false
	}
	if b.updates[i].terminal {
		s := b.status(&b.updates[i])
		delete(b.launched, s.TaskID.Value)
	}
	if b.updates[i].held { // never sent: no agent should know it, but the counts stay true
		b.held--
	} else {
		b.sent--
	}
	switch {
	case i == b.head:
		b.updates[i] = pending{}
		b.head++
		if b.head == len(b.updates) {
			b.updates, b.head = b.updates[:0], 0
		}
	default:
		b.updates = slices.Delete(b.updates, i, i+1)
	}
	for j := range b.tasks {
		if b.tasks[j].TaskID.Value == taskID {
			b.tasks = slices.Delete(b.tasks, j, j+1)
			break
		}
	}
	return true
}

// isTerminal says whether a task in state s has ended, as Mesos counts it.
func isTerminal(s mesos.TaskState) bool {
	switch s {
	case mesos.TASK_FINISHED, mesos.TASK_FAILED, mesos.TASK_KILLED, mesos.TASK_LOST, mesos.TASK_ERROR,
		mesos.TASK_DROPPED, mesos.TASK_GONE, mesos.TASK_GONE_BY_OPERATOR:
		return true
	}
	return false
}

func (b *book) find(uuid []byte) int {
	for i := b.head; i < len(b.updates); i++ {
		if bytes.Equal(b.updates[i].uuid(), uuid) {
			return i
		}
	}
	return -1
}

func (p *pending) uuid() []byte { return p.rec[:p.uuidLen:p.uuidLen] }

// status decodes p, stamped again as it was sent.
func (b *book) status(p *pending) mesos.TaskStatus {
	var s mesos.TaskStatus
	// The only possible error is a required field the executor left out
	// (the state): s has everything else, as the agent got it the first time.
	_ = s.Unmarshal(p.rec[p.uuidLen:])
	b.id.stamp(&s, append([]byte(nil), p.uuid()...), p.ts)
	return s
}

// release marks the oldest held updates sent, while fewer than window are
// sent, and returns them in order.
func (b *book) release(window int) []mesos.TaskStatus {
	var out []mesos.TaskStatus
	ps := b.outstanding()
	for i := len(ps) - b.held; i < len(ps) && b.sent < window; i++ {
		ps[i].held = false
		b.held--
		b.sent++
		out = append(out, b.status(&ps[i]))
	}
	return out
}

// unacknowledged returns every outstanding task and update, all marked sent.
func (b *book) unacknowledged() ([]mesos.TaskInfo, []mesos.TaskStatus) {
	tasks := append([]mesos.TaskInfo(nil), b.tasks...)
	ps := b.outstanding()
	updates := make([]mesos.TaskStatus, len(ps))
	for i := range ps {
		ps[i].held = false
		updates[i] = b.status(&ps[i])
	}
	b.sent, b.held = len(ps), 0
	return tasks, updates
}
