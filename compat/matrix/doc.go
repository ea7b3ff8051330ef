// Package matrix runs an executor through the compatibility matrix: every
// simulated agent generation of package compat/agentsim (Profiles()), times
// every scenario an executor meets in production (Scenarios()), times every
// wire the executor can be asked to speak (auto, v0, v1). Each cell is a
// fresh agent, a scripted scenario and checks on the agent's trace; its
// verdict is PASS, FAIL, or N/A with the reason (a wire or a feature the
// agent generation does not have).
//
// The executor under test is a binary the agent launches as a real one
// would (Binary), or a driver.Executor run in-process on this module's
// driver (InProcess). Cells run concurrently, Options.Parallel at a time.
//
//	res, err := matrix.Run(ctx, matrix.Options{Executor: matrix.Binary("bin/my-executor")})
//	fmt.Print(res.Markdown())
//	if len(res.Failed()) > 0 { ... }
//
// From a test, Test runs the cells and reports each as a subtest:
//
//	func TestCompatibility(t *testing.T) {
//		matrix.Test(t, matrix.Options{
//			Executor:  matrix.InProcess(func() driver.Executor { return myexec.New() }),
//			Scenarios: []string{"launch-and-finish", "kill", "agent-restart-with-checkpoint"},
//		})
//	}
//
// The scenarios give tasks a TaskInfo.command as a scheduler gives one to
// the command executor (agentsim.CommandTask): "true" must finish, "false"
// must fail and "sleep 30" must run until it is killed; framework messages
// must be echoed back unchanged. An executor that runs other kinds of task
// can still be run through the scenarios whose tasks it understands.
//
// `make matrix` (cmd/matrix) runs the whole matrix against
// examples/command-executor and writes docs/compat-matrix.md.
package matrix
