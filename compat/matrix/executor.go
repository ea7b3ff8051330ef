package matrix

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"

	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/mesos-shim/executor/compat/agentsim"
	"github.com/mesos-shim/executor/driver"
)

// Executor is the executor under test: Binary or InProcess.
type Executor struct {
	name string
	// env is added to the agent's environment for the executor, given the
	// mode (a binary learns its wire from MESOS_SHIM_PROTOCOL).
	env func(Mode) []string
	// start starts one instance against agent a.
	start func(a *agentsim.Agent, m Mode) (instance, error)
}

func (e Executor) String() string { return e.name }

func (e Executor) configure(cfg *agentsim.AgentConfig, m Mode) {
	if e.env != nil {
		cfg.ExecutorEnv = append(cfg.ExecutorEnv, e.env(m)...)
	}
}

// instance is one running executor.
type instance interface {
	// wait waits until the executor has ended and says how; ok is a clean
	// end (exit code 0, or a driver that was stopped, not aborted).
	wait(ctx context.Context) (ok bool, how string, err error)
	// stop ends it if it still runs, and releases it.
	stop()
}

// Binary is an executor program, launched by the agent as a real agent
// launches one: in the sandbox, in a process group of its own, with the
// agent generation's environment plus MESOS_SHIM_PROTOCOL=<mode> (an
// executor on another driver may ignore that variable; its auto column
// is what counts then), and with args. A path without a slash is looked
// up in PATH.
func Binary(path string, args ...string) Executor {
	return Executor{
		name: path,
		env:  func(m Mode) []string { return []string{driver.EnvProtocol + "=" + string(m)} },
		start: func(a *agentsim.Agent, _ Mode) (instance, error) {
			if err := a.LaunchExecutor(path, args...); err != nil {
				return nil, err
			}
			return process{a}, nil
		},
	}
}

type process struct{ a *agentsim.Agent }

func (p process) wait(ctx context.Context) (bool, string, error) {
	st, err := p.a.WaitExecutorExit(ctx)
	if err != nil {
		return false, "", err
	}
	return st.Success(), st.String(), nil
}

func (process) stop() {} // Agent.Close kills what is left of its process group

// InProcess is an executor run in this process on this module's driver:
// newExecutor makes a fresh one for each cell. Its driver is configured
// from the agent's environment (driver.ConfigFromEnv on Agent.InProcessGetenv, with
// LIBPROCESS_IP pinned to 127.0.0.1 for agents that leave it unset), with
// KeepProcessGroup set, so that the driver never ends the test's process
// group, and with Config.Protocol set to the mode. If the executor is an
// io.Closer it is closed after the cell.
func InProcess(newExecutor func() driver.Executor) Executor {
	return Executor{
		name: "in-process executor",
		start: func(a *agentsim.Agent, m Mode) (instance, error) {
			cfg, err := driver.ConfigFromEnv(a.InProcessGetenv)
			if err != nil {
				return nil, err
			}
			cfg.KeepProcessGroup = true
			cfg.Protocol = driver.Protocol(m)
			ex := newExecutor()
			d, err := driver.New(ex, cfg)
			if err != nil {
				return nil, err
			}
			if _, err := d.Start(); err != nil {
				return nil, err
			}
			in := &inProcess{d: d, ex: ex, done: make(chan struct{})}
			go func() {
				in.status, _ = d.Join()
				close(in.done)
			}()
			return in, nil
		},
	}
}

type inProcess struct {
	d      *driver.Driver
	ex     driver.Executor
	done   chan struct{}
	status mesos.Status // set before done is closed
}

func (in *inProcess) wait(ctx context.Context) (bool, string, error) {
	select {
	case <-in.done:
		return in.status == mesos.DRIVER_STOPPED, "driver ended " + in.status.String(), nil
	default:
	}
	select {
	case <-in.done:
		return in.status == mesos.DRIVER_STOPPED, "driver ended " + in.status.String(), nil
	case <-ctx.Done():
		return false, "", fmt.Errorf("waiting for the driver to end: %w", ctx.Err())
	}
}

func (in *inProcess) stop() {
	in.d.Stop()
	<-in.done
	if c, ok := in.ex.(io.Closer); ok {
		c.Close()
	}
}

// BuildCommandExecutor builds examples/command-executor, this module's
// drop-in for mesos-executor, into dir and returns it as a Binary launched
// as an agent launches its command executor (--launcher_dir=<dir>). It
// runs `go build`, so the working directory must be inside this module.
func BuildCommandExecutor(ctx context.Context, dir string) (Executor, error) {
	bin := filepath.Join(dir, "command-executor")
	out, err := exec.CommandContext(ctx, "go", "build", "-o", bin,
		"github.com/mesos-shim/executor/examples/command-executor").CombinedOutput()
	if err != nil {
		return Executor{}, fmt.Errorf("matrix: building the command executor: %v\n%s", err, out)
	}
	return CommandExecutor(bin), nil
}

// CommandExecutor is the command executor binary at path, launched with
// --launcher_dir=<its directory> as a real agent does.
func CommandExecutor(path string) Executor {
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		dir = filepath.Dir(path)
	}
	e := Binary(path, "--launcher_dir="+dir)
	e.name = "command executor"
	return e
}
