#!/usr/bin/env bash
# Installs uv (MIT or Apache-2.0), the Python package installer Plinth builds job environments
# with, from PyPI into the peers cache, once, and prints the path of the uv program. The
# environment tests run it (PLINTH_UV); a Plinth server can use the same program
# (environments.uv). A copy already in the cache is reused; nothing is installed system-wide.
# uv is a single static program: it is installed with pip into a throwaway virtual
# environment, and only the program itself is kept.
#   PLINTH_PEERS_CACHE   cache root (default ~/.cache/plinth-peers)
#   PLINTH_PYTHON        the Python whose pip installs it (default python3)
#   --if-present         print the path only if uv is already installed; exit 3 if not
set -euo pipefail

version=0.13.8
cache=${PLINTH_PEERS_CACHE:-$HOME/.cache/plinth-peers}
python=${PLINTH_PYTHON:-python3}
root=$cache/uv-$version
bin=$root/bin/uv

die() {
  echo "uv.sh: $*" >&2
  exit 1
}

[[ ${1:-} == --if-present && ! -x $bin ]] && exit 3
if [[ ! -x $bin ]]; then
  command -v "$python" >/dev/null 2>&1 || die "$python is missing; install Python 3 (Debian: apt-get install python3 python3-venv)"
  "$python" -c 'import ensurepip, venv' 2>/dev/null || die "$python has no venv module; install it (Debian: apt-get install python3-venv)"
  mkdir -p "$cache"
  # Installed into a temporary folder and renamed, so an interrupted install never looks finished.
  staging=$(mktemp -d "$cache/.uv-$version.XXXXXX")
  trap 'rm -rf "$staging"' EXIT
  log=$staging/install.log
  if ! { "$python" -m venv "$staging/venv" &&
    "$staging/venv/bin/python" -m pip install --disable-pip-version-check --no-input --only-binary :all: "uv==$version"; } >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    die "pip install uv==$version failed (log above)"
  fi
  mkdir -p "$staging/root/bin"
  cp "$staging/venv/bin/uv" "$staging/root/bin/uv"
  [[ -x $staging/venv/bin/uvx ]] && cp "$staging/venv/bin/uvx" "$staging/root/bin/uvx"
  "$staging/root/bin/uv" --version >/dev/null || die "the installed uv does not run"
  rm -rf "$root"
  mv "$staging/root" "$root"
fi
echo "$bin"
