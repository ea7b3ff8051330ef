package main

import (
	"flag"
	"fmt"
	"strings"
)

// launcherDir is given by the agent to every command executor
// (--launcher_dir=<dir>); this executor has no use for it.
var launcherDir = flag.String("launcher_dir", "", "directory of the agent's helper programs (accepted, unused)")

// unsupportedFlags are the flags of Mesos's command executor that change
// how the task runs (the agent passes them for a container image, a TTY,
// capabilities, isolators' environment or mounts, ...). This executor
// implements none of them, and running the task without what they ask
// for would be wrong, so it refuses to run at all when one is given.
var unsupportedFlags = map[string]string{
	"rootfs":                    "the task's root filesystem (a container image)",
	"sandbox_directory":         "where the sandbox is mapped in the task's root filesystem",
	"working_directory":         "the task's working directory in its root filesystem",
	"user":                      "the user the task runs as",
	"task_command":              "a command replacing the task's own",
	"task_environment":          "environment variables added for the task (e.g. resolved secrets)",
	"effective_capabilities":    "the Linux capabilities the task gets",
	"bounding_capabilities":     "the Linux capabilities the task may gain",
	"task_launch_info":          "how to set the task's container up (e.g. cgroups mounts)",
	"tty_slave_path":            "the TTY the task is attached to",
	"task_supplementary_groups": "the task's supplementary groups",
}

// checkUnsupported returns an error naming the first flag in args that
// asks for something this executor cannot do, or nil.
func checkUnsupported(args []string) error {
	for _, a := range args {
		if a == "--" {
			break
		}
		if !strings.HasPrefix(a, "-") {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if what, ok := unsupportedFlags[name]; ok {
			return fmt.Errorf("unsupported flag --%s (%s): this executor cannot run the task as the agent asks, so it refuses to run it", name, what)
		}
	}
	return nil
}

// knownFlags splits args into those that fs defines, with their values,
// and the flags it does not know, which an agent may pass and this
// executor ignores. Arguments that are not flags are kept.
func knownFlags(fs *flag.FlagSet, args []string) (kept, dropped []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" || !strings.HasPrefix(a, "-") || a == "-" {
			kept = append(kept, a)
			continue
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		f := fs.Lookup(name)
		if f == nil {
			dropped = append(dropped, a)
			continue
		}
		kept = append(kept, a)
		if !hasValue && !isBool(f) && i+1 < len(args) {
			i++
			kept = append(kept, args[i])
		}
	}
	return kept, dropped
}

// isBool reports whether f is a boolean flag, which takes no separate value.
func isBool(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}
