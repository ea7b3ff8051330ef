// Command floor measures what a Go process costs on this machine before any
// executor logic, for BENCHMARKS.md to bound the executor figures with:
//
//	go run ./bench/cmd/floor [-n 21] [-static]
//
// It builds the programs of bench/floor and the benchmark's executors
// (-static: with CGO_ENABLED=0, a static binary without libc) and runs each
// -n times as the simulated agent launches an executor (os/exec, in turn):
// the time from fork/exec (just before Start) to the program's first line
// of output, and the memory it reports. The executors get no MESOS_
// environment, so they print their error and exit: exec → main plus reading
// the environment. Minor faults are the process's own (getrusage), from
// exec to exit. churn gives the peak RSS growth of a burst of garbage with
// nothing retained; pagefault what one page fault costs here.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type program struct {
	name, pkg, what string
	args            []string
}

var programs = []program{
	{"hello", "./bench/floor/hello", "the Go runtime alone", nil},
	{"nethttp", "./bench/floor/nethttp", "one POST through net/http's client and server on loopback", nil},
	{"mesostypes", "./bench/floor/mesostypes", "nethttp plus a mesos-go v1 LAUNCH decoded and an UPDATE encoded", nil},
	{"mesosraw", "./bench/floor/mesosraw", "mesostypes without net/http: the UPDATE written on a plain TCP connection", nil},
	{"mesostls", "./bench/floor/mesostls", "mesosraw with crypto/tls linked (not run), as a driver that can speak TLS", nil},
	{"ours", "./bench/executors/ours", "the benchmark executor on this driver, exiting on the missing environment", nil},
	{"mesosgo-v1", "./bench/executors/mesosgo-v1", "the mesos-go v1 benchmark executor, exiting the same way", nil},
	{"mesosgo-v0", "./bench/executors/mesosgo-v0", "the mesos-go v0 benchmark executor, exiting the same way", nil},
	{"churn", "./bench/floor/churn", "10,000 operations of 2,900 B of garbage (ours-v0 allocates ~2.9 KB per update)", nil},
	{"churn", "./bench/floor/churn", "10,000 operations of 300 B of garbage", []string{"-bytes", "300"}},
}

// outcome is one run of a program.
type outcome struct {
	took   time.Duration // fork/exec → first line
	minflt int64
	fields map[string]int64 // name=value fields of the line
}

func main() {
	n := flag.Int("n", 21, "runs of each program")
	static := flag.Bool("static", false, "build with CGO_ENABLED=0")
	flag.Parse()
	dir, err := os.MkdirTemp("", "bench-floor")
	check(err)
	defer os.RemoveAll(dir)
	for _, p := range programs {
		build := exec.Command("go", "build", "-o", filepath.Join(dir, p.name), p.pkg)
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if *static {
			build.Env = append(os.Environ(), "CGO_ENABLED=0")
		}
		check(build.Run())
	}
	cmd := "go run ./bench/cmd/floor " + strings.Join(os.Args[1:], " ")
	fmt.Printf("Produced by `%s` (%d runs of each; fork/exec → first output line: median (min)).\n\n", strings.TrimSpace(cmd), *n)
	fmt.Println("| program | what | exec → output | minor faults | VmRSS | RssAnon | RssFile | peak RSS growth |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	for _, p := range programs {
		var times []time.Duration
		var faults []int64
		var last map[string]int64
		for i := 0; i < *n; i++ {
			o, err := run(filepath.Join(dir, p.name), p.args)
			check(err)
			times, faults, last = append(times, o.took), append(faults, o.minflt), o.fields
		}
		sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
		sort.Slice(faults, func(i, j int) bool { return faults[i] < faults[j] })
		took, growth := fmt.Sprintf("%s (%s)", msf(times[(len(times)-1)/2]), msf(times[0])), "–"
		if s, ok := last["start_rss"]; ok { // churn: its time is its own pacing
			took, growth = "–", mb(last["hwm"]-s)
		}
		fmt.Printf("| %s | %s | %s | %d | %s | %s | %s | %s |\n", strings.TrimSpace(p.name+" "+strings.Join(p.args, " ")), p.what,
			took, faults[(len(faults)-1)/2], mb(last["rss"]), mb(last["anon"]), mb(last["file"]), growth)
	}
	pf := filepath.Join(dir, "pagefault")
	build := exec.Command("go", "build", "-o", pf, "./bench/floor/pagefault")
	build.Stderr = os.Stderr
	check(build.Run())
	var anon, file []int64
	for i := 0; i < 5; i++ {
		o, err := run(pf, nil)
		check(err)
		anon, file = append(anon, o.fields["anon_fault_ns"]), append(file, o.fields["file_fault_ns"])
	}
	sort.Slice(anon, func(i, j int) bool { return anon[i] < anon[j] })
	sort.Slice(file, func(i, j int) bool { return file[i] < file[j] })
	fmt.Printf("\nOne page fault (bench/floor/pagefault, median of 5): %.1f µs for a fresh anonymous page, %.1f µs for a\n"+
		"file page already in the page cache (with the 64 KB the kernel maps around it).\n", float64(anon[2])/1e3, float64(file[2])/1e3)
}

// run starts bin and returns the time from fork/exec to its first line of
// output, its minor faults and the name=value fields of that line (the
// executors print an error: none).
func run(bin string, args []string) (outcome, error) {
	c := exec.Command(bin, args...)
	c.Env = []string{"PATH=" + os.Getenv("PATH")}
	c.Dir = filepath.Dir(bin) // what a program writes (mesosgo-v0's glog files) goes with it
	out, err := c.StdoutPipe()
	if err != nil {
		return outcome{}, err
	}
	c.Stderr = c.Stdout
	t0 := time.Now() // before, not after, Start: the child may be done before Start returns
	if err := c.Start(); err != nil {
		return outcome{}, err
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	o := outcome{took: time.Since(t0), fields: map[string]int64{}}
	c.Wait()
	if ru, ok := c.ProcessState.SysUsage().(*syscall.Rusage); ok {
		o.minflt = ru.Minflt
	}
	for _, f := range strings.Fields(line) {
		if k, v, ok := strings.Cut(f, "="); ok {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				o.fields[k] = n
			}
		}
	}
	if line == "" {
		return o, fmt.Errorf("%s printed nothing", bin)
	}
	return o, nil
}

func msf(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

func mb(kb int64) string {
	if kb <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f MB", float64(kb)/1024)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
}
