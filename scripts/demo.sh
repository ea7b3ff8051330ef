#!/usr/bin/env bash
# make demo: the example command executor against the simulated agent
# (cmd/agentsim, scenario "demo"), told the same story twice on a Mesos 1.12
# agent: once as the driver negotiates it (the v1 HTTP API), once with the
# legacy libprocess wire forced (MESOS_SHIM_PROTOCOL=v0). Each run prints its
# timeline, the wire and why it was chosen, and a verdict line; the script
# exits non-zero if either run misbehaved. Extra arguments go to both runs
# (e.g. -profile 0.20).
set -euo pipefail
cd "$(dirname "$0")/.."
go build -o bin/command-executor ./examples/command-executor
go build -o bin/agentsim ./cmd/agentsim
status=0
for protocol in auto v0; do
  echo "=================== MESOS_SHIM_PROTOCOL=$protocol ==================="
  out=$(mktemp)
  bin/agentsim -executor bin/command-executor -scenario demo -protocol "$protocol" "$@" | tee "$out" || status=1
  grep -h "driver: speaking\|falling back" "$out" | sed 's/^.*driver: /negotiated: /' | head -2 || true
  rm -f "$out"
  echo
done
if [ "$status" -eq 0 ]; then echo "demo: PASS on both wires"; else echo "demo: FAIL"; fi
exit "$status"
