// Package cmdexec is the logic of the command executor: it runs each task's
// CommandInfo as a process in its own session and process group, with the
// executor's standard streams (the agent keeps the executor's stdout and
// stderr in the sandbox, so the task's output lands there), reports
// the task's states to the agent, and kills tasks on request or at
// shutdown. A kill signals the task's whole process tree: on Linux that
// includes the processes that left its group or session while their
// parent in the tree lived, and those left in its group or session.
//
// Every task gets exactly one terminal update, and its updates are sent in
// order: TASK_STARTING, TASK_RUNNING, optionally TASK_KILLING, then one of
// TASK_FINISHED, TASK_FAILED or TASK_KILLED. A task whose kill was started
// always ends TASK_KILLED, whatever its exit status; but one still running
// at its TaskInfo's max_completion_time is killed at once, without
// TASK_KILLING, and ends TASK_FAILED with REASON_MAX_COMPLETION_TIME_REACHED,
// as with Mesos's command executor. A task with no command,
// or whose program is not on the PATH of the task's environment, gets a
// lone TASK_FAILED; one whose process fails to start gets TASK_STARTING
// then TASK_FAILED.
//
// Once every task it was given has ended, or could not start, or a kill
// came before any launch, the executor's work is done, as with Mesos's
// command executor: it awaits the acknowledgement of the updates it sent
// (at most Options.AckTimeout) and stops the driver, without waiting for a
// Shutdown. A launch that comes during that wait cancels the stop; one
// that comes later is refused. (A Mesos agent gives a command executor one
// task: it stops once that task ended.)
//
// Driver callbacks return quickly: processes are awaited, and kills are
// escalated, on goroutines of their own.
package cmdexec
