package soak

import (
	"context"
	"fmt"
	"strings"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/mesos-shim/executor/compat/agentsim"
	"github.com/mesos-shim/executor/driver"
)

// session is one agent and the one in-process executor that lives through
// every cycle.
type session struct {
	opts   Options
	agent  *agentsim.Agent
	driver *driver.Driver
	tasks  []mesos.TaskID
}

func start(ctx context.Context, opts Options) (*session, error) {
	agent, err := agentsim.Start(ctx, opts.Agent)
	if err != nil {
		return nil, err
	}
	s := &session{opts: opts, agent: agent}
	launched := make(chan string, opts.Tasks)
	for i := 0; i < opts.Tasks; i++ {
		id := fmt.Sprint("soak-", i)
		s.tasks = append(s.tasks, mesos.TaskID{Value: id})
		if err := agent.Launch(mesos.TaskInfo{Name: id, TaskID: mesos.TaskID{Value: id}}); err != nil {
			agent.Close()
			return nil, err
		}
	}
	if s.driver, err = startDriver(agent, opts, launched); err != nil {
		agent.Close()
		return nil, err
	}
	for range s.tasks {
		select {
		case <-launched:
		case <-ctx.Done():
			s.close()
			return nil, fmt.Errorf("waiting for the tasks to launch: %w", ctx.Err())
		}
	}
	agent.Trace().Take() // registration and launches are not part of any cycle
	return s, nil
}

func startDriver(agent *agentsim.Agent, opts Options, launched chan<- string) (*driver.Driver, error) {
	cfg, err := driver.ConfigFromEnv(agent.InProcessGetenv)
	if err != nil {
		return nil, err
	}
	cfg.Protocol = opts.Wire
	cfg.KeepProcessGroup = true // the executor is this process
	if opts.Tweak != nil {
		opts.Tweak(&cfg)
	}
	exec := driver.Funcs{
		OnLaunchTask: func(_ driver.ExecutorDriver, t *mesos.TaskInfo) { launched <- t.TaskID.Value },
		OnShutdown:   func(driver.ExecutorDriver) {}, // the soak stops the driver itself
	}
	d, err := driver.New(exec, cfg)
	if err != nil {
		return nil, err
	}
	if _, err := d.Start(); err != nil {
		return nil, err
	}
	return d, nil
}

func (s *session) close() {
	s.driver.Stop()
	s.driver.Join()
	s.agent.Close()
}

// cycle sends one burst, restarts the agent in its middle, waits for every
// acknowledgement and checks what the agent received.
func (s *session) cycle(ctx context.Context, c int, rep *Report) (CycleResult, error) {
	res := CycleResult{Cycle: c}
	began := time.Now()
	base := s.agent.Accepted()
	sent := make(chan error, 1)
	go func() { sent <- s.burst(c) }()

	if err := s.agent.WaitAccepted(ctx, base+int(float64(s.opts.Updates)*s.opts.RestartAfter)); err != nil {
		return res, err
	}
	res.AcceptedBeforeCrash = s.agent.Accepted() - base
	res.MidBurst = res.AcceptedBeforeCrash < s.opts.Updates || s.driverHasUnacknowledged()
	comeback, err := s.agent.Restart(ctx, true)
	if err != nil {
		return res, err
	}
	res.Comeback = comeback
	select {
	case err := <-sent:
		if err != nil {
			return res, err
		}
	case <-ctx.Done(): // the burst may be held by back-pressure; stopping the driver ends it
		return res, fmt.Errorf("waiting for the burst to be sent: %w", ctx.Err())
	}
	if err := s.driver.AwaitAcknowledgements(ctx); err != nil {
		return res, err
	}
	if err := s.agent.WaitAllAcknowledged(ctx); err != nil {
		return res, err
	}
	entries := s.agent.Trace().Take()
	updates := s.agent.ForgetAcknowledged()
	res.Replayed = s.check(c, entries, updates, rep)
	res.Elapsed = time.Since(began)
	return res, nil
}

// driverHasUnacknowledged reports whether the executor still waits for an
// acknowledgement, without waiting itself.
func (s *session) driverHasUnacknowledged() bool {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return s.driver.AwaitAcknowledgements(ctx) != nil
}

// burst sends the cycle's updates round-robin over the tasks.
func (s *session) burst(c int) error {
	for i := 0; i < s.opts.Updates; i++ {
		st := &mesos.TaskStatus{TaskID: s.tasks[i%len(s.tasks)], State: mesos.TASK_RUNNING.Enum()}
		msg := message(c, i/len(s.tasks))
		st.Message = &msg
		if status, err := s.driver.SendStatusUpdate(st); err != nil {
			return fmt.Errorf("%w: update %d (driver %s): %v", errBurst, i, status, err)
		}
	}
	return nil
}

// check compares what the agent received in cycle c with what was sent,
// adds the findings to rep and returns how many updates were replayed.
func (s *session) check(c int, entries []agentsim.Entry, updates []agentsim.Update, rep *Report) int {
	rep.Sent += s.opts.Updates
	reacked, problems := ackProblems(entries)
	rep.Reacknowledged += reacked
	rep.AckProblems += len(problems)
	s.note(rep, problems...)

	firsts := map[string]bool{}
	lastSeq := map[string]int{}
	replayed, ours := 0, 0
	for _, u := range updates {
		key := string(u.UUID)
		if u.Replayed {
			replayed++
		}
		if firsts[key] {
			continue // a replay of one already seen this cycle: AckProblems judged it
		}
		firsts[key] = true
		cy, seq, err := parseMessage(u.Message)
		if err != nil || cy != c { // every update of an earlier cycle was acknowledged in it
			rep.Duplicated++
			s.note(rep, fmt.Sprintf("cycle %d: update %q of %s again", c, u.Message, u.TaskID))
			continue
		}
		ours++
		if last, ok := lastSeq[u.TaskID]; ok && seq <= last {
			rep.OutOfOrder++
			s.note(rep, fmt.Sprintf("cycle %d: %s update %d arrived after %d", c, u.TaskID, seq, last))
		}
		lastSeq[u.TaskID] = seq
	}
	rep.Acknowledged += ours
	if lost := s.opts.Updates - ours; lost > 0 {
		rep.Lost += lost
		s.note(rep, fmt.Sprintf("cycle %d: %d updates never acknowledged", c, lost))
	}
	return replayed
}

func (s *session) note(rep *Report, problems ...string) {
	for _, p := range problems {
		if len(rep.Problems) < maxProblems {
			rep.Problems = append(rep.Problems, p)
		}
	}
}

// ackProblems checks the cycle's trace as agentsim.AckProblems does, with
// one allowance a restart makes necessary: an acknowledgement the old agent
// sent can reach the executor after the executor has already put the
// update into its reregistration (they travel on different connections,
// which libprocess does not order), and the new agent then acknowledges
// the replay too. So an update may be acknowledged once more for each time
// it was replayed; the driver ignores the extra acknowledgement. It returns
// how many updates were acknowledged again that way, and the problems.
func ackProblems(entries []agentsim.Entry) (reacked int, problems []string) {
	acks, replays := map[string]int{}, map[string]int{}
	var order []string
	describe := map[string]string{}
	for _, e := range entries {
		key := string(e.UUID)
		switch {
		case (e.Dir == agentsim.FromExecutor && e.Kind() == "UPDATE") || (e.Dir == agentsim.AtAgent && e.Name == agentsim.EventUpdateReplayed):
			if _, ok := describe[key]; !ok {
				describe[key] = fmt.Sprintf("%s %s %s", e.TaskID, e.State, agentsim.ShortUUID(e.UUID))
				order = append(order, key)
			}
			if e.Name == agentsim.EventUpdateReplayed {
				replays[key]++
			}
		case e.Dir == agentsim.ToExecutor && e.Kind() == "ACKNOWLEDGED":
			acks[key]++
		case e.Name == agentsim.EventUpdateDropped || e.Name == agentsim.EventNoAck:
			problems = append(problems, fmt.Sprintf("%s %s: %s", e.Name, e.TaskID, e.Detail))
		}
	}
	for _, k := range order {
		switch n := acks[k]; {
		case n == 0 || n > 1+replays[k]:
			problems = append(problems, fmt.Sprintf("%s acknowledged %d times, replayed %d times", describe[k], n, replays[k]))
		case n > 1:
			reacked++
		}
		delete(acks, k)
	}
	for k := range acks {
		problems = append(problems, "acknowledgement of unknown uuid "+agentsim.ShortUUID([]byte(k)))
	}
	return reacked, problems
}

// traceTail is the last n entries of the agent's trace, one per line,
// updates and acknowledgements left out: what happened around a failure.
func (s *session) traceTail(n int) string {
	var lines []string
	for _, e := range s.agent.Trace().Entries() {
		if k := e.Kind(); k == "UPDATE" || k == "ACKNOWLEDGED" || e.Name == agentsim.EventUpdateReplayed {
			continue
		}
		lines = append(lines, e.String())
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
