package agentsim

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ExitStatus is how the executor process ended.
type ExitStatus struct {
	// Code is the exit code, -1 when a signal ended the process.
	Code int
	// Signal is the signal that ended the process, or 0.
	Signal syscall.Signal
}

func (s ExitStatus) String() string {
	if s.Signal != 0 {
		return fmt.Sprintf("killed by signal %d (%s)", int(s.Signal), s.Signal)
	}
	return fmt.Sprintf("exit code %d", s.Code)
}

// Success says the process exited with code 0.
func (s ExitStatus) Success() bool { return s.Signal == 0 && s.Code == 0 }

// process is the executor launched as a subprocess.
type process struct {
	cmd     *exec.Cmd
	done    chan struct{} // closed once reaped
	pipes   []*os.File    // read ends of stdout and stderr
	readers sync.WaitGroup

	// Guarded by Agent.mu.
	exited bool
	status ExitStatus
}

// LaunchExecutor starts the executor binary at path (looked up in PATH if
// it has no slash, else relative to the caller's working directory) with
// args, in the sandbox, in a process group of its
// own, with exactly the profile's environment (Env) plus PATH. Its stdout
// and stderr go to AgentConfig.Output, or line by line into the trace. One
// executor per agent.
func (a *Agent) LaunchExecutor(path string, args ...string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case a.closed:
		return ErrClosed
	case a.proc != nil:
		return fmt.Errorf("agentsim: an executor was already launched")
	}
	if strings.Contains(path, "/") {
		abs, err := filepath.Abs(path) // not relative to the sandbox
		if err != nil {
			return fmt.Errorf("agentsim: executor path: %w", err)
		}
		path = abs
	}
	cmd := exec.Command(path, args...)
	cmd.Env = append(a.Env(), "PATH="+os.Getenv("PATH"))
	cmd.Dir = a.dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p := &process{cmd: cmd, done: make(chan struct{})}
	if err := a.startLocked(p); err != nil {
		return err
	}
	a.proc, a.command = p, append([]string{path}, args...)
	a.trace.add(Entry{Dir: AtExecutor, Name: EventLaunched,
		Detail: fmt.Sprintf("pid=%d %s", cmd.Process.Pid, strings.Join(a.command, " "))})
	go a.reap(p)
	return nil
}

// startLocked starts p's command with its output captured.
func (a *Agent) startLocked(p *process) error {
	var writers []*os.File
	outputs := []string{EventStdout, EventStderr}
	if a.cfg.Output != nil {
		outputs = outputs[:1] // one pipe: the writer sees one stream
	}
	for _, name := range outputs {
		w, err := a.capture(p, name)
		if err != nil {
			p.closePipes(writers)
			return err
		}
		writers = append(writers, w)
	}
	p.cmd.Stdout, p.cmd.Stderr = writers[0], writers[len(writers)-1]
	err := p.cmd.Start()
	for _, w := range writers {
		w.Close() // the child has its copies
	}
	if err != nil {
		p.closePipes(nil)
		return fmt.Errorf("agentsim: launching the executor: %w", err)
	}
	return nil
}

// capture returns the write end of a pipe whose lines go to the output
// or the trace.
func (a *Agent) capture(p *process, name string) (*os.File, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("agentsim: output pipe: %w", err)
	}
	p.pipes = append(p.pipes, r)
	p.readers.Add(1)
	go func() {
		defer p.readers.Done()
		a.copyOutput(r, name)
	}()
	return w, nil
}

func (a *Agent) copyOutput(r io.Reader, name string) {
	if a.cfg.Output != nil {
		io.Copy(a.cfg.Output, r)
		return
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		a.trace.add(Entry{Dir: AtExecutor, Name: name, Detail: sc.Text()})
	}
}

// reap waits for the process and records how it ended. The containerizer
// reaping it is how a real agent learns an executor is gone.
func (a *Agent) reap(p *process) {
	err := p.cmd.Wait()
	status := exitStatus(p.cmd.ProcessState, err)
	a.mu.Lock()
	p.exited, p.status = true, status
	if a.exec.state != Unknown {
		a.exec.state = Terminated
	}
	a.trace.add(Entry{Dir: AtExecutor, Name: EventExited, Exit: &status})
	a.broadcastLocked()
	a.mu.Unlock()
	close(p.done)
}

func exitStatus(ps *os.ProcessState, err error) ExitStatus {
	if ps == nil {
		return ExitStatus{Code: -1}
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return ExitStatus{Code: -1, Signal: ws.Signal()}
	}
	return ExitStatus{Code: ps.ExitCode()}
}

// kill sends SIGKILL to the process group. Call it only before p is
// reaped (its group id could be reused afterwards).
func (p *process) kill() {
	syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
}

// outputDrain bounds how long stop waits for the end of the executor's
// output once it is dead: tasks it left behind may hold its pipes open.
const outputDrain = 200 * time.Millisecond

// stop kills the process group unless the process has ended, waits for it,
// and then for the output readers to read what is left in the pipes.
func (p *process) stop() {
	select {
	case <-p.done:
	default:
		p.kill()
		<-p.done
	}
	deadline := time.Now().Add(outputDrain)
	for _, r := range p.pipes {
		r.SetReadDeadline(deadline)
	}
	p.readers.Wait()
	p.closePipes(nil)
}

func (p *process) closePipes(extra []*os.File) {
	for _, f := range append(extra, p.pipes...) {
		f.Close()
	}
}

// destroyLocked destroys the executor's container: its process group is
// killed if it still runs.
func (a *Agent) destroyLocked(reason string) {
	if a.exec.state != Unknown {
		a.exec.state = Terminated
	}
	p := a.proc
	switch {
	case p != nil && p.exited:
		return // already gone: nothing to destroy
	case p != nil:
		p.kill()
		reason += ": killing its process group"
	default:
		reason += " (no process to kill: the executor runs in-process)"
	}
	a.trace.add(Entry{Dir: AtAgent, Name: EventDestroyed, Detail: reason})
}
