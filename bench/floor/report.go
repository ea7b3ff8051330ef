package floor

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
)

// Status returns a "kB" field of /proc/self/status, e.g. VmRSS, or -1.
func Status(field string) int64 {
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range bytes.Split(b, []byte("\n")) {
		if f := bytes.Fields(l); len(f) >= 2 && string(f[0]) == field+":" {
			n, err := strconv.ParseInt(string(f[1]), 10, 64)
			if err == nil {
				return n
			}
		}
	}
	return -1
}

// Report prints the process's VmRSS, RssAnon, RssFile and VmHWM (kB) as
// one line, "rss=... anon=... file=... hwm=...", then extra.
func Report(extra string) {
	fmt.Printf("rss=%d anon=%d file=%d hwm=%d %s\n", Status("VmRSS"), Status("RssAnon"), Status("RssFile"), Status("VmHWM"), extra)
}
