// Package bench holds the executor benchmarks: minimal executors on this
// project's driver and on mesos-go v0.0.11 (bench/executors), the harness
// that runs them side by side against the simulated agent and writes
// BENCHMARKS.md (bench/cmd/harness), and BenchmarkSendStatusUpdate, the
// allocations and bytes of one status update through an in-process driver.
// bench/cmd/floor measures the floor under those figures: a Go process's
// start-up, memory and page faults on the machine, without executor logic
// (the programs of bench/floor). Nothing here is imported by the library.
package bench
