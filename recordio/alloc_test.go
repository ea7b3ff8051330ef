package recordio

import (
	"runtime"
	"testing"
)

// bytesAllocated reports the bytes the heap handed out while f ran.
func bytesAllocated(t *testing.T, f func()) uint64 {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
