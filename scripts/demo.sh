#!/usr/bin/env bash
# make demo: the example command executor against the simulated agent
# (cmd/agentsim, scenario "demo"). Prints the timeline and a verdict line;
# exits non-zero on any misbehaviour.
set -euo pipefail
cd "$(dirname "$0")/.."
go build -o bin/command-executor ./examples/command-executor
go build -o bin/agentsim ./cmd/agentsim
exec bin/agentsim -executor bin/command-executor -scenario demo "$@"
