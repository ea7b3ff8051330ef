// Command hello reports its memory and exits: the Go runtime's floor.
package main

import "github.com/mesos-shim/executor/bench/floor"

func main() { floor.Report("") }
