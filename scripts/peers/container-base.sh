#!/usr/bin/env bash
# Makes the root filesystem of a small Debian 12 (bookworm) with debootstrap, once, into the
# peers cache as a tar file, and prints its path. The container tests import it into podman
# (`podman import FILE NAME`): no registry is reachable from the test machines, and an image
# from a local root filesystem is what they run. A tar already in the cache is reused.
#   PLINTH_PEERS_CACHE   cache root (default ~/.cache/plinth-peers)
#   PLINTH_DEBIAN_MIRROR the Debian mirror debootstrap reads (default: the one apt uses)
#   --if-present         print the path only if the tar is already made; exit 3 if not
set -euo pipefail

suite=bookworm
variant=minbase
# Bump when what goes into the root filesystem changes.
format=1
cache=${PLINTH_PEERS_CACHE:-$HOME/.cache/plinth-peers}
tar=$cache/debian-$suite-$variant-$format.tar

die() {
  echo "container-base.sh: $*" >&2
  exit 1
}

[[ ${1:-} == --if-present && ! -f $tar ]] && exit 3
if [[ ! -f $tar ]]; then
  command -v debootstrap >/dev/null 2>&1 || die "debootstrap is missing (Debian: apt-get install debootstrap)"
  [[ $(id -u) == 0 ]] || die "debootstrap needs root"
  mirror=${PLINTH_DEBIAN_MIRROR:-}
  if [[ -z $mirror ]]; then
    # The Debian mirror apt already reaches (deb822 sources, then sources.list).
    mirror=$({ grep -hoE '^URIs: *\S+' /etc/apt/sources.list.d/*.sources 2>/dev/null || true; grep -hoE '^deb +\S+' /etc/apt/sources.list 2>/dev/null || true; } |
      awk '{print $2}' | grep -E '/debian/?$' | head -n 1 || true)
    [[ -n $mirror ]] || mirror=http://deb.debian.org/debian
  fi
  mkdir -p "$cache"
  staging=$(mktemp -d "$cache/.debian-$suite.XXXXXX")
  trap 'rm -rf "$staging"' EXIT
  if ! debootstrap --variant="$variant" "$suite" "$staging/root" "$mirror" >"$staging/debootstrap.log" 2>&1; then
    tail -n 40 "$staging/debootstrap.log" >&2
    die "debootstrap $suite from $mirror failed (log above)"
  fi
  tar -C "$staging/root" -cf "$staging/base.tar" .
  mv "$staging/base.tar" "$tar"
fi
echo "$tar"
