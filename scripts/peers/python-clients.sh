#!/usr/bin/env bash
# Installs the real Python clients (boto3, the AWS CLI, DVC with its S3 remote, pyarrow,
# pandas, s3fs) at the versions pinned in python-clients.txt into a virtual environment in the
# peers cache, once, and prints the environment's path. The client tests and benchmarks run
# them against a real Plinth. An environment already in the cache is reused; a changed pin or
# another Python makes a new one. Nothing is installed system-wide. Packages come from PyPI.
#   PLINTH_PEERS_CACHE   cache root (default ~/.cache/plinth-peers)
#   PLINTH_PYTHON        the Python to build on (default python3; 3.11 or newer)
#   --if-present         print the path only if the environment is already built; exit 3 if not
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
requirements=$here/python-clients.txt
cache=${PLINTH_PEERS_CACHE:-$HOME/.cache/plinth-peers}
python=${PLINTH_PYTHON:-python3}
only_if_present=false
[[ ${1:-} == --if-present ]] && only_if_present=true

die() {
  echo "python-clients.sh: $*" >&2
  exit 1
}

command -v "$python" >/dev/null 2>&1 || die "$python is missing; install Python 3.11 or newer (Debian: apt-get install python3 python3-venv)"
version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' ||
  die "$python is Python $version; pandas $(grep -oP '^pandas==\K.*' "$requirements") needs 3.11 or newer (set PLINTH_PYTHON)"

# The environment's name: a hash of the Python version and the pinned lines, comments aside.
key=$({
  echo "python $version"
  grep -v -e '^#' -e '^[[:space:]]*$' "$requirements"
} | sha256sum | cut -c1-16)
root=$cache/python-clients-$key

if [[ -f $root/.complete ]]; then
  echo "$root"
  exit 0
fi
$only_if_present && exit 3

"$python" -c 'import ensurepip, venv' 2>/dev/null || die "$python has no venv module; install it (Debian: apt-get install python3-venv)"
mkdir -p "$cache"
# One build at a time per environment; a second caller waits and then finds it built.
exec 9>"$cache/.python-clients-$key.lock"
flock 9
if [[ ! -f $root/.complete ]]; then
  # A virtual environment cannot be moved once made, so it is built in place; the marker
  # written last tells a finished environment from one whose build was interrupted.
  rm -rf "$root"
  log=$(mktemp "${TMPDIR:-/tmp}/python-clients.XXXXXX")
  if ! { "$python" -m venv "$root" &&
    "$root/bin/python" -m pip install --disable-pip-version-check --no-input -r "$requirements"; } >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    rm -rf "$root"
    die "installing the pinned clients failed (log above)"
  fi
  rm -f "$log"
  for tool in python aws dvc; do
    [[ -x $root/bin/$tool ]] || die "$root/bin/$tool is missing after the install"
  done
  touch "$root/.complete"
fi
echo "$root"
