#!/usr/bin/env bash
# Builds a Kubernetes control plane with simulated nodes once from the Go module proxy into the
# peers cache, and prints the folder that holds the programs: kube-apiserver,
# kube-controller-manager, kube-scheduler and kubectl (Kubernetes v1.36.1), etcd (v3.7.3), and
# kwok and kwokctl (v0.8.0), all Apache-2.0. scripts/start-kubernetes.sh runs a cluster from them
# for the Kubernetes executor's tests; no registry ships these programs, so they are built.
#
# `go install` refuses k8s.io/kubernetes (its go.mod replaces its staging modules), so a wrapper
# module (kubernetes.go.mod beside this script) repeats those replace lines and names the four
# commands as tools; etcd's server gets a wrapper module of its own made here (`go get -tool`);
# kwok installs as it is. About 5 minutes from an empty Go cache on two cores.
#   PLINTH_PEERS_CACHE   cache root (default ~/.cache/plinth-peers)
#   --if-present         print the folder only if it is already built; exit 3 if not
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# The Kubernetes version is the one the wrapper module pins.
kube_version=$(awk '$1 == "k8s.io/kubernetes" { sub(/^v/, "", $2); print $2 }' "$here/kubernetes.go.mod")
etcd_version=3.7.3
kwok_version=0.8.0
programs=(kube-apiserver kube-controller-manager kube-scheduler kubectl etcd kwok kwokctl)

die() {
  echo "kubernetes.sh: $*" >&2
  exit 1
}

[[ -n $kube_version ]] || die "no k8s.io/kubernetes version in $here/kubernetes.go.mod"
cache=${PLINTH_PEERS_CACHE:-$HOME/.cache/plinth-peers}
root=$cache/kubernetes-$kube_version-etcd-$etcd_version-kwok-$kwok_version
bin=$root/bin

built() {
  local program
  for program in "${programs[@]}"; do
    [[ -x $bin/$program ]] || return 1
  done
}

if [[ ${1:-} == --if-present ]]; then
  built || exit 3
  echo "$bin"
  exit 0
fi

if ! built; then
  go=$(command -v go || true)
  [[ -z $go && -x /usr/local/go/bin/go ]] && go=/usr/local/go/bin/go
  [[ -n $go ]] || die "go is missing: install Go 1.26 or newer (https://go.dev/dl), or put the programs (${programs[*]}) in $bin"
  mkdir -p "$cache"
  # Built into a staging folder and renamed, so an interrupted build never looks finished.
  staging=$(mktemp -d "$cache/.kubernetes-$kube_version.XXXXXX")
  trap 'rm -rf "$staging"' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  log=$staging/build.log
  mkdir -p "$staging/bin" "$staging/kube" "$staging/etcd"
  build() {
    echo "+ $*" >>"$log"
    "$@" >>"$log" 2>&1 || {
      tail -n 40 "$log" >&2
      die "building failed at \`$*\` (log above)"
    }
  }
  # The wrapper has no code of its own: -mod=mod fills its go.sum, go build makes the commands.
  cp "$here/kubernetes.go.mod" "$staging/kube/go.mod"
  chmod u+w "$staging/kube/go.mod"
  version_flags="-X k8s.io/component-base/version.gitVersion=v$kube_version"
  version_flags+=" -X k8s.io/component-base/version.gitMajor=${kube_version%%.*}"
  minor=${kube_version#*.}
  version_flags+=" -X k8s.io/component-base/version.gitMinor=${minor%%.*}"
  (
    cd "$staging/kube"
    build "$go" build -mod=mod -trimpath -ldflags "$version_flags" -o "$staging/bin/" \
      k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
      k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl
  )
  (
    cd "$staging/etcd"
    build "$go" mod init etcdwrap
    build "$go" get -tool "go.etcd.io/etcd/server/v3@v$etcd_version"
    build "$go" build -trimpath -o "$staging/bin/etcd" go.etcd.io/etcd/server/v3
  )
  build env GOBIN="$staging/bin" "$go" install -trimpath \
    "sigs.k8s.io/kwok/cmd/kwok@v$kwok_version" "sigs.k8s.io/kwok/cmd/kwokctl@v$kwok_version"
  for program in "${programs[@]}"; do
    [[ -x $staging/bin/$program ]] || die "the build made no $program"
  done
  rm -rf "$root"
  mkdir -p "$root"
  mv "$staging/bin" "$root/bin.partial"
  mv "$root/bin.partial" "$bin"
fi
echo "$bin"
