#!/usr/bin/env bash
# Runs every fuzz target in the module for a bounded time each, then prints a
# table: package, target, committed seeds, executions, new interesting
# inputs, crashers and the result of each run.
#
# Usage: scripts/fuzz.sh [duration]        (default $FUZZTIME, else 20s)
#   FUZZPARALLEL=N   fuzz workers per target (go test -parallel; default GOMAXPROCS)
#   FUZZREPORT=path  also write the table (Markdown) to path
#   FUZZTARGETS=re   only targets whose name matches the extended regexp re
#   FUZZLOGS=dir     keep each target's go test output in dir (default: a temporary directory)
#
# A target that fails (a crasher, or a seed that no longer passes) makes the
# script exit 1, after the table; the crasher's input is where go test says
# ("Failing input written to testdata/fuzz/<Target>/<hash>"), which is where
# go test replays it from as a regression test once committed.
# The seed corpora are rebuilt with: FUZZSEED=write go test -run '^TestFuzzSeeds$' ./...
set -uo pipefail
fuzztime=${1:-${FUZZTIME:-20s}}
parallel=${FUZZPARALLEL:-}
report=${FUZZREPORT:-}
only=${FUZZTARGETS:-}
invoked=$(pwd)
cd "$(dirname "$0")/.."
root=$(pwd)
logs=${FUZZLOGS:-$(mktemp -d "${TMPDIR:-/tmp}/fuzz.XXXXXX")}
mkdir -p "$logs"

module=$(go list -m)
rows=()
status=0
raced=
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)

# deadline_race says whether the run logged in $1 failed only because of a
# race in Go's fuzz coordinator at the end of -fuzztime (Go 1.26 and older:
# internal/fuzz's stop can read the -fuzztime context as expired before the
# workers' context derived from it is cancelled, and then reports "context
# deadline exceeded" as the target's failure): that line and nothing else,
# no failing input written, no seed failing.
deadline_race() {
  grep -q '^    context deadline exceeded$' "$1" &&
    ! grep -q -e 'Failing input written to' -e 'failure while testing seed corpus entry' \
      -e '^panic: ' -e '_test.go:[0-9]*:' "$1"
}

# last_field prints the number after "$2: " in the last line of $1 holding it.
last_field() { grep -o "$2: [0-9]*" "$1" | tail -n 1 | grep -o '[0-9]*$' || true; }

for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  targets=$(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u || true)
  for t in $targets; do
    if [ -n "$only" ] && ! [[ $t =~ $only ]]; then
      continue
    fi
    short=${pkg#"$module"/}
    [ "$pkg" = "$module" ] && short=.
    log="$logs/${short//\//_}.$t.log"
    seeds=0
    [ -d "$dir/testdata/fuzz/$t" ] && seeds=$(find "$dir/testdata/fuzz/$t" -maxdepth 1 -type f | wc -l)
    echo "== $short $t ($fuzztime${parallel:+, $parallel workers}, $seeds committed seeds)"
    args=(-run '^$' -fuzz "^${t}\$" -fuzztime "$fuzztime")
    [ -n "$parallel" ] && args+=(-parallel "$parallel")
    if go test "${args[@]}" "$pkg" >"$log" 2>&1; then
      result=PASS
    elif deadline_race "$log"; then
      result='PASS (deadline race¹)'
      raced=1
    else
      result=FAIL
      status=1
    fi
    grep '^fuzz: elapsed: .*, execs: ' "$log" | tail -n 1
    grep -v '^fuzz: elapsed: ' "$log" | tail -n 20
    execs=$(last_field "$log" execs)
    interesting=$(last_field "$log" 'new interesting')
    crashers=$(grep -c -e 'Failing input written to' -e 'failure while testing seed corpus entry' "$log" || true)
    rows+=("| \`$short\` | $t | $seeds | ${execs:--} | ${interesting:--} | $crashers | $result |")
  done
done

{
  echo "Fuzzing: \`scripts/fuzz.sh $fuzztime\`${parallel:+ with FUZZPARALLEL=$parallel}, started $started on $(nproc) cores, $(go version | cut -d' ' -f3)."
  echo
  echo "| package | target | seeds | executions | new interesting | crashers | result |"
  echo "|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  if [ -n "$raced" ]; then
    echo
    echo "¹ The run ran its whole time and then ended with \"context deadline exceeded\" and nothing else:"
    echo "no input failed and none was written. That is Go's fuzz coordinator, not the target: at the end"
    echo "of -fuzztime it can see its deadline pass before the workers' context has been cancelled, and"
    echo "report the deadline as a failure (internal/fuzz, stop in CoordinateFuzzing)."
  fi
} >"$logs/table.md"

echo
cat "$logs/table.md"
echo
echo "go test output of each target: $logs"
if [ -n "$report" ]; then
  case $report in /*) ;; *) report="$invoked/$report" ;; esac
  cp "$logs/table.md" "$report"
  echo "table written to $report"
fi
exit $status
