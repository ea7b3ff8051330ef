package cmdexec

import (
	"errors"
	"os"
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
// (when not empty), in a session (and process group) of its own as Mesos
// runs a task without a TTY, with base plus the command's VALUE variables
// as its environment.
func newCommand(ci *mesos.CommandInfo, dir string, base []string) (*exec.Cmd, error) {
	if ci == nil {
		return nil, errNoCommand
	}
	env := environ(base, ci.GetEnvironment())
	path, args, err := argv(ci, dir, env)
	if err != nil {
		return nil, err
	}
	return &exec.Cmd{
		Path:        path,
		Args:        args,
		Dir:         dir,
		Env:         env,
		SysProcAttr: &syscall.SysProcAttr{Setsid: true},
	}, nil
}

// argv returns the program to execute and its argv. With shell (the
// default) that is /bin/sh -c value; without, value is the program and
// arguments its whole argv, arguments[0] included, as with execvp. env is
// the task's environment, whose PATH the program is looked up on.
func argv(ci *mesos.CommandInfo, dir string, env []string) (string, []string, error) {
	value := ci.GetValue()
	if ci.GetShell() {
		return shellPath, []string{"sh", "-c", value}, nil
	}
	if value == "" {
		return "", nil, errors.New("command has no value to execute")
	}
	search, ok := lookupEnv(env, "PATH")
	path, err := resolve(value, dir, search, ok)
	if err != nil {
		return "", nil, err
	}
	args := ci.GetArguments()
	if len(args) == 0 {
		args = []string{value}
	}
	return path, args, nil
}

// defaultPath is searched when the task's environment has no PATH, as
// glibc's execvp does then.
const defaultPath = "/bin:/usr/bin"

// resolve finds the program value: a name without a slash on path (the
// PATH of the task's environment, as Mesos execs the task with execvp in
// that environment; ok false: no PATH), a relative path with a slash in
// dir (the task's working directory).
func resolve(value, dir, path string, ok bool) (string, error) {
	if strings.Contains(value, "/") {
		return inDir(dir, value), nil
	}
	if !ok {
		path = defaultPath
	}
	for _, d := range filepath.SplitList(path) {
		if d == "" {
			d = "." // an empty entry is the working directory
		}
		if file := inDir(dir, filepath.Join(d, value)); isExecutable(file) {
			return file, nil
		}
	}
	return "", &exec.Error{Name: value, Err: exec.ErrNotFound}
}

// inDir is file as seen from the working directory dir.
func inDir(dir, file string) string {
	if !filepath.IsAbs(file) && dir != "" {
		return filepath.Join(dir, file)
	}
	return file
}

// isExecutable reports whether file is a file that someone may execute.
func isExecutable(file string) bool {
	fi, err := os.Stat(file)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// lookupEnv is the value of the variable name in env, the last one set
// winning as it does when the process starts.
func lookupEnv(env []string, name string) (string, bool) {
	for i := len(env) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(env[i], "="); ok && k == name {
			return v, true
		}
	}
	return "", false
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
