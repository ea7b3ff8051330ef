package cmdexec

import (
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/golang/glog"
	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// errNoCommand is reported for a task that carries no CommandInfo.
var errNoCommand = errors.New("task has no command")

// shellPath runs shell commands, as Mesos does: /bin/sh -c value.
const shellPath = "/bin/sh"

// newCommand builds the process for ci without starting it. It runs in dir
// (when not empty), in a process group of its own, with base plus the
// command's VALUE variables as its environment.
func newCommand(ci *mesos.CommandInfo, dir string, base []string) (*exec.Cmd, error) {
	if ci == nil {
		return nil, errNoCommand
	}
	path, args, err := argv(ci, dir)
	if err != nil {
		return nil, err
	}
	return &exec.Cmd{
		Path:        path,
		Args:        args,
		Dir:         dir,
		Env:         environ(base, ci.GetEnvironment()),
		SysProcAttr: &syscall.SysProcAttr{Setpgid: true},
	}, nil
}

// argv returns the program to execute and its argv. With shell (the
// default) that is /bin/sh -c value; without, value is the program and
// arguments its whole argv, arguments[0] included, as with execvp.
func argv(ci *mesos.CommandInfo, dir string) (string, []string, error) {
	value := ci.GetValue()
	if ci.GetShell() {
		return shellPath, []string{"sh", "-c", value}, nil
	}
	if value == "" {
		return "", nil, errors.New("command has no value to execute")
	}
	path, err := resolve(value, dir)
	if err != nil {
		return "", nil, err
	}
	args := ci.GetArguments()
	if len(args) == 0 {
		args = []string{value}
	}
	return path, args, nil
}

// resolve finds the program value: a name without a slash on PATH, a
// relative path with a slash in dir (the task's working directory).
func resolve(value, dir string) (string, error) {
	if strings.Contains(value, "/") {
		if !filepath.IsAbs(value) && dir != "" {
			return filepath.Join(dir, value), nil
		}
		return value, nil
	}
	return exec.LookPath(value)
}

// environ appends env's VALUE variables to base; later entries win when
// the process starts. Secrets cannot be resolved here and are left out.
func environ(base []string, env *mesos.Environment) []string {
	out := append([]string(nil), base...)
	for _, v := range env.GetVariables() {
		if v.GetType() != mesos.Environment_Variable_VALUE {
			glog.Warningf("environment variable %s of type %s is not supported; left out", v.GetName(), v.GetType())
			continue
		}
		out = append(out, v.GetName()+"="+v.GetValue())
	}
	return out
}
