//go:build !benchprofile

package task

// StartProfile does nothing: executors are built without profiling unless
// the harness asks for it (-executor-profile builds them with the
// benchprofile tag), so that runtime/pprof, which the benchmark would
// otherwise count in every executor's RSS and start time, is not linked.
func StartProfile() (stop func()) { return func() {} }
