// Command churn runs -n operations that each allocate -bytes of short-lived
// 64-byte objects, at most -rate a second, keeping nothing, and reports
// its memory before and after: how far RSS rises with no data retained,
// which is the Go collector's doing (its heap goal is at least 4 MB with
// GOGC=100) and bounds the growth any executor shows for a burst.
package main

import (
	"flag"
	"fmt"
	"runtime"
	"time"

	"github.com/mesos-shim/executor/bench/floor"
)

var sink [64][]byte

func main() {
	n := flag.Int("n", 10000, "operations")
	per := flag.Int("bytes", 2900, "bytes of garbage per operation")
	rate := flag.Int("rate", 40000, "operations per second at most")
	flag.Parse()
	rss0 := floor.Status("VmRSS")
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	for i := 0; i < *n; i++ {
		for a := 0; a < *per/64; a++ {
			sink[a%len(sink)] = make([]byte, 64)
		}
		if due := time.Duration(i) * time.Second / time.Duration(*rate); time.Since(start) < due {
			time.Sleep(due - time.Since(start))
		}
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	floor.Report(fmt.Sprintf("start_rss=%d gcs=%d allocated=%d", rss0, after.NumGC-before.NumGC, (after.TotalAlloc-before.TotalAlloc)>>10))
}
