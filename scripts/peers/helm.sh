#!/usr/bin/env bash
# Builds Helm (v3.22.0, Apache-2.0) once from the Go module proxy into the peers cache, and
# prints the path of the helm program. The Helm chart's tests (test/integration/helm-chart.test.ts)
# lint and render deploy/helm/plinth with it; no registry here ships helm, so it is built, with
# `go install` (about two minutes from an empty Go cache on two cores).
#   PLINTH_PEERS_CACHE   cache root (default ~/.cache/plinth-peers)
#   --if-present         print the path only if it is already built; exit 3 if not
set -euo pipefail

helm_version=3.22.0

die() {
  echo "helm.sh: $*" >&2
  exit 1
}

cache=${PLINTH_PEERS_CACHE:-$HOME/.cache/plinth-peers}
root=$cache/helm-$helm_version
bin=$root/bin
helm=$bin/helm

if [[ ${1:-} == --if-present ]]; then
  [[ -x $helm ]] || exit 3
  echo "$helm"
  exit 0
fi

if [[ ! -x $helm ]]; then
  go=$(command -v go || true)
  [[ -z $go && -x /usr/local/go/bin/go ]] && go=/usr/local/go/bin/go
  [[ -n $go ]] || die "go is missing: install Go 1.26 or newer (https://go.dev/dl), or put helm $helm_version at $helm"
  mkdir -p "$cache"
  # Built into a staging folder and renamed, so an interrupted build never looks finished.
  staging=$(mktemp -d "$cache/.helm-$helm_version.XXXXXX")
  trap 'rm -rf "$staging"' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  log=$staging/build.log
  # Modules come from the module proxy only (never straight from their repositories).
  proxy=${GOPROXY:-https://proxy.golang.org}
  proxy=${proxy%,direct}
  # Helm reads its version from this variable; `helm version` then says v3.22.0.
  version_flags="-X helm.sh/helm/v3/internal/version.version=v$helm_version"
  if ! env GOBIN="$staging/bin" GOFLAGS=-mod=mod GOPROXY="$proxy" CGO_ENABLED=0 \
    "$go" install -trimpath -ldflags "$version_flags" "helm.sh/helm/v3/cmd/helm@v$helm_version" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    die "building helm $helm_version failed (log above)"
  fi
  [[ -x $staging/bin/helm ]] || die "the build made no helm"
  rm -rf "$root"
  mkdir -p "$root"
  mv "$staging/bin" "$root/bin.partial"
  mv "$root/bin.partial" "$bin"
fi
echo "$helm"
