// Command command-executor is a drop-in replacement for the Mesos agent's
// command executor (mesos-executor): it runs each task's CommandInfo in the
// sandbox, reports the task's states, kills tasks on request, and exits
// once every task it was given has ended and their terminal updates are
// acknowledged (or after a minute without the acknowledgements), or when
// the agent shuts it down. It does not run a task's health check or check,
// as Mesos's does: its TASK_RUNNING update says so instead.
//
// The agent starts it as `mesos-executor --launcher_dir=<dir>`; that flag
// and any other the executor does not know are accepted and ignored,
// except those of Mesos's command executor that change how the task runs
// (--rootfs, --user, --task_environment, ...; see unsupportedFlags): it
// implements none of them, so it exits with status 1, naming the flag,
// rather than run the task wrongly. Everything else comes from the
// environment the agent sets (MESOS_*).
// It logs with glog, to standard error unless --logtostderr=false.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/golang/glog"
	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/mesos-shim/executor/driver"
	"github.com/mesos-shim/executor/examples/command-executor/internal/cmdexec"
	"github.com/mesos-shim/executor/logging"
	"github.com/mesos-shim/executor/logging/glogger"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

// run is the whole program; it returns the exit code.
func run(args []string) int {
	if err := checkUnsupported(args); err != nil {
		fmt.Fprintf(os.Stderr, "command-executor: %v\n", err)
		return 1
	}
	parseFlags(args)
	logging.Set(glogger.New()) // the driver logs through glog too, with its -v

	defer glog.Flush()

	cfg, err := driver.ConfigFromEnv(os.Getenv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "command-executor: %v\n", err)
		return 1
	}
	// The agent's token is the executor's: the tasks, which get this
	// environment, must not (driver.NewFromEnv does the same).
	os.Unsetenv(driver.EnvExecutorAuthToken)
	ex := cmdexec.New(cmdexec.Options{
		Sandbox:             cfg.Sandbox,
		ShutdownGracePeriod: cfg.ShutdownGracePeriod,
	})
	defer ex.Close() // no task outlives the executor
	d, err := driver.New(ex, cfg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "command-executor: %v\n", err)
		return 1
	}
	return serve(d)
}

// parseFlags parses the flags this program knows (glog's and
// --launcher_dir) and logs the others, which it ignores.
func parseFlags(args []string) {
	_ = flag.Set("logtostderr", "true") // the agent keeps stderr in the sandbox
	kept, dropped := knownFlags(flag.CommandLine, args)
	_ = flag.CommandLine.Parse(kept) // ExitOnError: a bad value exits 2
	glog.V(1).Infof("launcher_dir=%q; ignored flags: %q", *launcherDir, dropped)
}

// serve runs d until it stops: exit code 0 when it was stopped (once its
// tasks ended and their terminal updates were acknowledged, or after
// Shutdown), 1 when it was aborted or could not start.
func serve(d driver.ExecutorDriver) int {
	status, err := d.Run()
	if err != nil {
		glog.Errorf("driver: %v", err)
	}
	if status != mesos.DRIVER_STOPPED {
		glog.Errorf("driver ended %s", status)
		return 1
	}
	return 0
}
