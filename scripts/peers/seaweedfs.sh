#!/usr/bin/env bash
# Builds SeaweedFS's `weed` (Apache-2.0; an S3-compatible server) once from the Go module
# proxy into the peers cache and prints the binary's path. Benchmarks compare Plinth's /s3
# endpoint with it on the same machine; the tests do not need it (CI does not build it).
# `go install` refuses SeaweedFS (its go.mod has a replace directive), so a small wrapper
# module (seaweedfs.go.mod beside this script) repeats that replace line and builds the tool.
# About 1 minute of downloads and 8 minutes of build on two cores.
#   PLINTH_PEERS_CACHE   cache root (default ~/.cache/plinth-peers)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# The version the wrapper module pins (github.com/seaweedfs/seaweedfs's pseudo-version).
version=$(awk '$1 == "github.com/seaweedfs/seaweedfs" { sub(/^v/, "", $2); print $2 }' "$here/seaweedfs.go.mod")
[[ -n $version ]] || { echo "seaweedfs.sh: no seaweedfs version in $here/seaweedfs.go.mod" >&2; exit 1; }
cache=${PLINTH_PEERS_CACHE:-$HOME/.cache/plinth-peers}
root=$cache/seaweedfs-$version
bin=$root/weed

if [[ ! -x $bin ]]; then
  go=$(command -v go || true)
  [[ -z $go && -x /usr/local/go/bin/go ]] && go=/usr/local/go/bin/go
  if [[ -z $go ]]; then
    echo "seaweedfs.sh: go is missing: install Go (the version in seaweedfs.go.mod or newer), or put a weed binary at $bin" >&2
    exit 1
  fi
  mkdir -p "$cache"
  work=$(mktemp -d "$cache/.seaweedfs-$version.XXXXXX")
  log=$work.log
  cp "$here/seaweedfs.go.mod" "$work/go.mod"
  chmod u+w "$work/go.mod"
  # The wrapper has no code of its own: `go mod download` fills go.sum, `go build` the tool.
  if ! (cd "$work" && GOFLAGS=-mod=mod "$go" build -o weed github.com/seaweedfs/seaweedfs/weed) >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    rm -rf "$work" "$log"
    echo "seaweedfs.sh: building weed failed (log above)" >&2
    exit 1
  fi
  mkdir -p "$root"
  mv "$work/weed" "$root/weed.partial"
  mv "$root/weed.partial" "$bin"
  rm -rf "$work" "$log"
fi
echo "$bin"
