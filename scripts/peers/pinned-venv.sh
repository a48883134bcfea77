#!/usr/bin/env bash
# Builds a virtual environment of pinned PyPI packages in the peers cache, once, and prints its
# path: what python-clients.sh and mlflow.sh share. The environment's name is NAME plus a hash
# of the Python version and the pinned lines of NAME.txt beside this script, so a changed pin or
# another Python makes a new one and an unchanged one is reused. Nothing is installed
# system-wide.
#   pinned-venv.sh NAME "TOOL..." [--if-present]
#     TOOL...        programs that must be in the environment's bin/ after the install
#     --if-present   print the path only if the environment is already built; exit 3 if not
#   PLINTH_PEERS_CACHE   cache root (default ~/.cache/plinth-peers)
#   PLINTH_PYTHON        the Python to build on (default python3; 3.11 or newer)
set -euo pipefail

name=$1
tools=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
requirements=$here/$name.txt
cache=${PLINTH_PEERS_CACHE:-$HOME/.cache/plinth-peers}
python=${PLINTH_PYTHON:-python3}
only_if_present=false
[[ ${3:-} == --if-present ]] && only_if_present=true

die() {
  echo "$name.sh: $*" >&2
  exit 1
}

[[ -f $requirements ]] || die "$requirements is missing"
command -v "$python" >/dev/null 2>&1 || die "$python is missing; install Python 3.11 or newer (Debian: apt-get install python3 python3-venv)"
version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' ||
  die "$python is Python $version; pandas $(grep -oP '^pandas==\K.*' "$requirements") needs 3.11 or newer (set PLINTH_PYTHON)"

# The environment's name: a hash of the Python version and the pinned lines, comments aside.
key=$({
  echo "python $version"
  grep -v -e '^#' -e '^[[:space:]]*$' "$requirements"
} | sha256sum | cut -c1-16)
root=$cache/$name-$key

if [[ -f $root/.complete ]]; then
  echo "$root"
  exit 0
fi
$only_if_present && exit 3

"$python" -c 'import ensurepip, venv' 2>/dev/null || die "$python has no venv module; install it (Debian: apt-get install python3-venv)"
mkdir -p "$cache"
# One build at a time per environment; a second caller waits and then finds it built.
exec 9>"$cache/.$name-$key.lock"
flock 9
if [[ ! -f $root/.complete ]]; then
  # A virtual environment cannot be moved once made, so it is built in place; the marker
  # written last tells a finished environment from one whose build was interrupted.
  rm -rf "$root"
  log=$(mktemp "${TMPDIR:-/tmp}/$name.XXXXXX")
  if ! { "$python" -m venv "$root" &&
    "$root/bin/python" -m pip install --disable-pip-version-check --no-input -r "$requirements"; } >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    rm -rf "$root"
    die "installing the pinned packages of $requirements failed (log above)"
  fi
  rm -f "$log"
  for tool in $tools; do
    [[ -x $root/bin/$tool ]] || die "$root/bin/$tool is missing after the install"
  done
  touch "$root/.complete"
fi
echo "$root"
