// Command matrix runs an executor through the compatibility matrix of
// package compat/matrix (every agent generation × scenario × wire),
// prints it as Markdown and exits with status 1 if any cell failed.
//
//	matrix [-executor bin/my-executor] [-profiles 0.20,1.12] [-scenarios kill,shutdown]
//	       [-modes auto,v1] [-parallel 4] [-o docs/compat-matrix.md] [-log matrix.log] [-- args]
//
// Without -executor it builds examples/command-executor to a temporary
// directory and runs that (it must then run inside this module). -o also
// writes the table to a file; -log writes each cell's time, and the
// report and agent trace of every failed cell, to another (timings stay
// out of the table, which is deterministic). Arguments after the flags
// are passed to the executor.
//
// `make matrix` runs it against the command executor and writes
// docs/compat-matrix.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/mesos-shim/executor/compat/agentsim"
	"github.com/mesos-shim/executor/compat/matrix"
)

type options struct {
	executor string
	args     []string
	matrix   matrix.Options
	out      string
	log      string
}

func main() {
	opts, err := parseFlags(flag.CommandLine, os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "matrix:", err)
		os.Exit(2)
	}
	os.Exit(run(context.Background(), opts, os.Stdout, os.Stderr))
}

func parseFlags(fs *flag.FlagSet, args []string) (options, error) {
	var opts options
	fs.StringVar(&opts.executor, "executor", "", "executor binary (default: build examples/command-executor)")
	profiles := fs.String("profiles", "", "comma-separated agent profiles (default: all)")
	scenarios := fs.String("scenarios", "", "comma-separated scenarios (default: all)")
	modes := fs.String("modes", "", "comma-separated modes: auto, v0, v1 (default: all)")
	fs.IntVar(&opts.matrix.Parallel, "parallel", matrix.DefaultParallel, "cells run at once")
	fs.DurationVar(&opts.matrix.CellTimeout, "cell-timeout", matrix.DefaultCellTimeout, "bound on each cell")
	fs.StringVar(&opts.out, "o", "", "also write the Markdown table to this file")
	fs.StringVar(&opts.log, "log", "", "write timings and failed cells' traces to this file")
	if err := fs.Parse(args); err != nil {
		return opts, err
	}
	opts.args = fs.Args()
	for _, name := range split(*profiles) {
		p, err := agentsim.ProfileByName(name)
		if err != nil {
			return opts, err
		}
		opts.matrix.Profiles = append(opts.matrix.Profiles, p)
	}
	opts.matrix.Scenarios = split(*scenarios)
	for _, m := range split(*modes) {
		opts.matrix.Modes = append(opts.matrix.Modes, matrix.Mode(m))
	}
	return opts, nil
}

func split(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	var out []string
	for _, f := range strings.Split(s, ",") {
		out = append(out, strings.TrimSpace(f))
	}
	return out
}

// run builds the executor if needed, runs the matrix and prints it; it
// returns the exit status.
func run(ctx context.Context, opts options, stdout, stderr io.Writer) int {
	if opts.executor == "" {
		dir, err := os.MkdirTemp("", "matrix-")
		if err != nil {
			fmt.Fprintln(stderr, "matrix:", err)
			return 2
		}
		defer os.RemoveAll(dir)
		if opts.matrix.Executor, err = matrix.BuildCommandExecutor(ctx, dir); err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
	} else {
		opts.matrix.Executor = matrix.Binary(opts.executor, opts.args...)
	}
	res, err := matrix.Run(ctx, opts.matrix)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	md := res.Markdown()
	fmt.Fprint(stdout, md)
	if opts.out != "" {
		if err := os.WriteFile(opts.out, []byte(md), 0o644); err != nil {
			fmt.Fprintln(stderr, "matrix:", err)
			return 2
		}
	}
	if opts.log != "" {
		if err := os.WriteFile(opts.log, []byte(logText(res)), 0o644); err != nil {
			fmt.Fprintln(stderr, "matrix:", err)
			return 2
		}
	}
	fmt.Fprintf(stderr, "matrix: %d cells (%d PASS, %d FAIL, %d N/A) in %v\n",
		len(res.Cells), res.Count(matrix.Pass), res.Count(matrix.Fail), res.Count(matrix.NA), res.Elapsed.Round(time.Millisecond))
	if failed := res.Failed(); len(failed) > 0 {
		for _, c := range failed {
			fmt.Fprintf(stderr, "FAIL %s: %s\n", c.Name(), c.Reason)
		}
		return 1
	}
	return 0
}

// logText is what the table leaves out: each cell's time, and the checks
// and trace of each failed cell.
func logText(res matrix.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "matrix of %s: %d cells in %v\n\n", res.Executor, len(res.Cells), res.Elapsed)
	for _, c := range res.Cells {
		if c.Verdict != matrix.NA {
			fmt.Fprintf(&b, "%-48s %-4s %8.1fms\n", c.Name(), c.Verdict, float64(c.Elapsed.Microseconds())/1000)
		}
	}
	for _, c := range res.Failed() {
		fmt.Fprintf(&b, "\n%s\n\nagent trace:\n%s", c.Report(), c.Trace)
	}
	return b.String()
}
