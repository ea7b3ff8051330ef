# Every target here is what CI and developers run; see README.md.
GO        ?= go
PKGS      := ./...
FUZZTIME  ?= 20s
BENCHTIME ?= 1s

.PHONY: all test fmt-check vet race notls demo bench fuzz proto verify matrix soak

all: test

## test: formatting, vet and the whole suite under the race detector, then the build without TLS
## (what CI runs).
test: fmt-check vet race notls

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)

race:
	$(GO) test -race -count=1 -timeout 8m $(PKGS)

## notls: the mesosshim_notls build (crypto/tls left out, internal/tlsopt) vets clean, refuses SSL
## clearly and passes the suite (the tests that speak TLS skip themselves there; race already ran them).
notls:
	$(GO) vet -tags mesosshim_notls $(PKGS)
	$(GO) test -count=1 -timeout 8m -tags mesosshim_notls $(PKGS)

## demo: the example executor against the embedded simulated agent.
demo:
	@scripts/demo.sh

## bench: every benchmark, side by side with the peers where a peer exists; then the executor
## harness (bench/cmd/harness: our driver on both wires against mesos-go's v0 driver and v1 lib,
## as subprocesses of the simulated agent), which rewrites the table in BENCHMARKS.md.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) $(PKGS)
	$(GO) run ./bench/cmd/harness -runs 5 -idle 5s -o BENCHMARKS.md

## soak: 100 agent restarts per wire, each in the middle of a burst of 10,000 status updates, one
## executor living through all of them; every update must be acknowledged, none twice, in order per
## task (internal/soak; make test runs a short form). Writes the table RELIABILITY.md quotes.
soak:
	$(GO) run ./cmd/soak -cycles 100 -updates 10000 -tasks 16 -o $${TMPDIR:-/tmp}/soak.md

## fuzz: each fuzz target for $(FUZZTIME), then a table per target of executions, new inputs and
## crashers; FUZZPARALLEL=n workers per target, FUZZREPORT=file also writes the table there,
## FUZZTARGETS=regexp picks targets (see scripts/fuzz.sh). Fails if any target fails.
fuzz:
	@scripts/fuzz.sh $(FUZZTIME)

## proto: regenerate mesosproto (installs protoc and a pinned protoc-gen-gogo if missing).
proto:
	@scripts/proto.sh

## verify: regenerate and fail on any difference from what is committed.
verify: proto
	@git diff --exit-code -- mesosproto || { echo "mesosproto differs from 'make proto' output"; exit 1; }

## matrix: the compatibility matrix of the command executor (every agent × scenario × wire), printed and
## written to docs/compat-matrix.md; timings and failed cells' traces go to matrix.log; fails on any FAIL.
matrix:
	@$(GO) run ./cmd/matrix -o docs/compat-matrix.md -log $${TMPDIR:-/tmp}/matrix.log
