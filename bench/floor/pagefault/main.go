// Command pagefault reports what one page fault costs on this machine: it
// touches 4,096 fresh anonymous pages, then one byte every 64 KB of its own
// binary mapped from the page cache (the kernel maps up to 64 KB around a
// file fault), and prints the mean time per fault. A process's start-up is
// mostly its page faults when they are expensive (a virtual machine with
// shadow or nested paging).
package main

import (
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/mesos-shim/executor/bench/floor"
)

func main() {
	const pages = 4096
	anon, err := syscall.Mmap(-1, 0, pages*4096, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		os.Exit(1)
	}
	t0 := time.Now()
	for off := 0; off < len(anon); off += 4096 {
		anon[off] = 1
	}
	anonPer := time.Since(t0) / pages

	exe, _ := os.Executable()
	f, err := os.Open(exe)
	if err != nil {
		os.Exit(1)
	}
	st, _ := f.Stat()
	file, err := syscall.Mmap(int(f.Fd()), 0, int(st.Size()), syscall.PROT_READ, syscall.MAP_PRIVATE)
	if err != nil {
		os.Exit(1)
	}
	var sum byte
	n := 0
	t0 = time.Now()
	for off := 0; off < len(file); off += 64 << 10 {
		sum += file[off]
		n++
	}
	filePer := time.Since(t0) / time.Duration(n)
	floor.Report(fmt.Sprintf("anon_fault_ns=%d file_fault_ns=%d sum=%d", anonPer.Nanoseconds(), filePer.Nanoseconds(), sum))
}
