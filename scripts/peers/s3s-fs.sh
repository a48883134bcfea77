#!/usr/bin/env bash
# Builds s3s-fs (Apache-2.0, a small S3-compatible server over a folder) once from crates.io
# into the peers cache and prints the binary's path. Tests of Plinth's S3 backend start it on
# loopback. A build already in the cache is reused; nothing is installed system-wide.
#   PLINTH_PEERS_CACHE   cache root (default ~/.cache/plinth-peers)
set -euo pipefail

version=0.14.1 # needs Rust 1.92; 0.17 needs a newer one still
cache=${PLINTH_PEERS_CACHE:-$HOME/.cache/plinth-peers}
root=$cache/s3s-fs-$version
bin=$root/bin/s3s-fs

if [[ ! -x $bin ]]; then
  cargo=$(command -v cargo || true)
  [[ -z $cargo && -x $HOME/.cargo/bin/cargo ]] && cargo=$HOME/.cargo/bin/cargo
  if [[ -z $cargo ]]; then
    echo "s3s-fs.sh: cargo is missing: install Rust 1.92 or newer (https://rustup.rs; Debian's own is too old), or put an s3s-fs $version binary at $bin" >&2
    exit 1
  fi
  mkdir -p "$cache"
  log=$(mktemp "${TMPDIR:-/tmp}/s3s-fs-build.XXXXXX")
  # Built into a temporary root and renamed, so an interrupted build never looks finished.
  staging=$(mktemp -d "$cache/.s3s-fs-$version.XXXXXX")
  if ! "$cargo" install s3s-fs@"$version" --locked --features binary --root "$staging" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    rm -rf "$staging"
    echo "s3s-fs.sh: cargo install s3s-fs@$version failed (log above)" >&2
    exit 1
  fi
  rm -rf "$root"
  mv "$staging" "$root"
  rm -f "$log"
fi
echo "$bin"
