#!/usr/bin/env bash
# Regenerates mesosproto/*.pb.go from mesosproto/*.proto (called by `make proto`).
#
# Tools, installed only when missing:
#   protoc           Debian's protobuf-compiler package (apt-get; we run as root)
#   protoc-gen-gogo  github.com/gogo/protobuf v1.3.2, built into ./bin (gitignored)
# The imported .proto files (gogo.proto, mesos-go's mesos.proto) come from the
# module versions pinned in go.mod, so the output depends only on the protoc
# version, the pinned plugin and go.mod: running this twice gives
# byte-identical files, and `make verify` checks that against git.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

gogo_version=v1.3.2
want_protoc="libprotoc 3.21.12" # Debian bookworm; the version the committed files were made with

log() { echo "proto.sh: $*" >&2; }

ensure_protoc() {
  command -v protoc >/dev/null 2>&1 && return
  log "installing protoc (apt-get install protobuf-compiler)"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y protobuf-compiler >/dev/null; then
    apt-get update >/dev/null
    apt-get install -y protobuf-compiler >/dev/null
  fi
}

# plugin_ok reports whether bin/protoc-gen-gogo exists and was built from the
# pinned gogo/protobuf version.
plugin_ok() {
  [ -x "$root/bin/protoc-gen-gogo" ] &&
    go version -m "$root/bin/protoc-gen-gogo" 2>/dev/null |
      grep -q "github.com/gogo/protobuf[[:space:]]*$gogo_version"
}

ensure_plugin() {
  plugin_ok && return
  log "installing protoc-gen-gogo@$gogo_version into ./bin"
  GOBIN="$root/bin" go install "github.com/gogo/protobuf/protoc-gen-gogo@$gogo_version"
}

ensure_protoc
ensure_plugin
if [ "$(protoc --version)" != "$want_protoc" ]; then
  log "warning: $(protoc --version) found, committed files were made with $want_protoc"
fi

go mod download github.com/gogo/protobuf github.com/mesos/mesos-go
gogo_dir=$(go list -m -f '{{.Dir}}' github.com/gogo/protobuf)
mesos_dir=$(go list -m -f '{{.Dir}}' github.com/mesos/mesos-go)

# protoc finds imports by their import path, github.com/<owner>/<repo>/...,
# so give it a small tree of links named that way. Module cache paths carry
# an @version suffix, which is why the module dirs cannot be used directly.
inc=$(mktemp -d)
trap 'rm -rf "$inc"' EXIT
mkdir -p "$inc/github.com/gogo" "$inc/github.com/mesos"
ln -s "$gogo_dir" "$inc/github.com/gogo/protobuf"
ln -s "$mesos_dir" "$inc/github.com/mesos/mesos-go"

maps="Mgithub.com/gogo/protobuf/gogoproto/gogo.proto=github.com/gogo/protobuf/gogoproto"
maps+=",Mgithub.com/mesos/mesos-go/api/v1/lib/mesos.proto=github.com/mesos/mesos-go/api/v1/lib"
maps+=",Mgoogle/protobuf/descriptor.proto=github.com/gogo/protobuf/protoc-gen-gogo/descriptor"

rm -f mesosproto/*.pb.go
PATH="$root/bin:$PATH" protoc \
  -I "$root" -I "$inc" -I "$gogo_dir/protobuf" \
  --gogo_out="paths=source_relative,$maps:$root" \
  mesosproto/*.proto
if [ -n "$(gofmt -l mesosproto/*.pb.go)" ]; then
  log "generated code is not gofmt-clean"
  exit 1
fi
log "generated" mesosproto/*.pb.go
