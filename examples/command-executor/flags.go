package main

import (
	"flag"
	"strings"
)

// launcherDir is given by the agent to every command executor
// (--launcher_dir=<dir>); this executor has no use for it.
var launcherDir = flag.String("launcher_dir", "", "directory of the agent's helper programs (accepted, unused)")

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
