#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server for the test suite: listening on 127.0.0.1 only,
# with its data, settings and log in one folder. Prints the connection URL (the value
# for PLINTH_TEST_POSTGRES_URL) on stdout; everything else goes to stderr.
#
#   scripts/start-postgres.sh DIR [PORT]   start a server in DIR, or reuse the one already
#                                          running there; PORT is the first port tried
#                                          (default 55432), the next free one is taken
#   scripts/start-postgres.sh --stop DIR   stop the server and delete DIR
#
# The server is tuned for speed, not durability (fsync off): never keep data in it.
# Run as root, the server runs as the `postgres` user (PostgreSQL refuses to run as root).
# PLINTH_PG_BINDIR picks the PostgreSQL binaries; by default the newest version under
# /usr/lib/postgresql/*/bin, else the initdb found on PATH.
# Used by .ci/run and scripts/dev-postgres.sh.
set -euo pipefail

readonly marker=.plinth-test-postgres
readonly test_user=plinth test_password=plinth test_database=plinth_test
readonly default_port=55432

say() { printf 'postgres: %s\n' "$*" >&2; }
die() {
  printf 'postgres: error: %s\n' "$*" >&2
  exit 1
}

usage() {
  sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

find_bindir() {
  if [[ -n ${PLINTH_PG_BINDIR:-} ]]; then
    [[ -x $PLINTH_PG_BINDIR/initdb ]] || die "PLINTH_PG_BINDIR=$PLINTH_PG_BINDIR has no initdb"
    printf '%s\n' "$PLINTH_PG_BINDIR"
    return
  fi
  local found
  found=$(for d in /usr/lib/postgresql/*/bin; do
    [[ -x $d/initdb ]] && printf '%s\n' "$d"
  done | sort -V | tail -n 1)
  if [[ -z $found ]] && command -v initdb >/dev/null 2>&1; then
    found=$(dirname "$(readlink -f "$(command -v initdb)")")
  fi
  [[ -n $found ]] || die "no PostgreSQL server found (initdb); install it, e.g. apt-get install postgresql"
  printf '%s\n' "$found"
}

# Runs a command as the user that owns the cluster: `postgres` when we are root, else us.
as_owner() {
  if ((EUID == 0)); then
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && "$@")
  fi
}

server_running() {
  [[ -f $1/data/postmaster.pid ]] && as_owner "$bindir/pg_ctl" -D "$1/data" status >/dev/null 2>&1
}

stop_server() {
  local dir=$1
  [[ -f $dir/data/postmaster.pid ]] || return 0
  as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 ||
    true
}

start() {
  local dir=$1 port=${2:-$default_port}
  [[ $port =~ ^[0-9]+$ ]] || die "port must be a number, got '$port'"
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)

  if [[ -f $dir/$marker && -s $dir/url ]] && server_running "$dir"; then
    say "reusing the server already running in $dir"
    cat "$dir/url"
    return
  fi
  if [[ ! -f $dir/$marker && -n $(ls -A "$dir") ]]; then
    die "$dir is not empty and was not made by this script; pass an empty or new folder"
  fi

  # Whatever is left from an earlier run is stale: start from scratch.
  stop_server "$dir"
  rm -rf "$dir/data" "$dir/url" "$dir/postgres.log" "$dir/initdb.log" "$dir/pwfile"
  touch "$dir/$marker"
  chmod 700 "$dir"
  if ((EUID == 0)); then
    id -u postgres >/dev/null 2>&1 || die "running as root needs a 'postgres' user to run the server as"
    chown postgres:postgres "$dir" "$dir/$marker"
    as_owner test -w "$dir" ||
      die "the postgres user cannot write to $dir (a parent folder is closed to it); use a folder under /tmp"
  fi

  # The superuser's password is random and forgotten once the test user exists.
  local superuser_password
  superuser_password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  (umask 077 && printf '%s\n' "$superuser_password" >"$dir/pwfile")
  ((EUID == 0)) && chown postgres:postgres "$dir/pwfile"
  if ! as_owner env LC_ALL=C "$bindir/initdb" -D "$dir/data" -U postgres --pwfile="$dir/pwfile" \
    --auth=scram-sha-256 --encoding=UTF8 --locale=C >"$dir/initdb.log" 2>&1; then
    tail -n 20 "$dir/initdb.log" >&2
    die "initdb failed (log above)"
  fi
  rm -f "$dir/pwfile"
  printf "\ninclude 'plinth.conf'\n" >>"$dir/data/postgresql.conf"

  local attempt started=
  for ((attempt = 0; attempt < 20; attempt++, port++)); do
    cat >"$dir/data/plinth.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = ''
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
log_min_messages = warning
EOF
    ((EUID == 0)) && chown postgres:postgres "$dir/data/plinth.conf"
    rm -f "$dir/postgres.log"
    if as_owner env LC_ALL=C "$bindir/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 start >/dev/null 2>&1; then
      started=1
      break
    fi
    # The port is taken: try the next one. (Probing a port by connecting to it is no
    # better: a connection to a free port can end up connected to itself and then hold
    # the port for a minute.)
    grep -q 'could not bind\|could not create any TCP/IP sockets' "$dir/postgres.log" 2>/dev/null || {
      tail -n 20 "$dir/postgres.log" >&2 || true
      die "the server did not start (log above)"
    }
  done
  [[ -n $started ]] || die "found no free port in 20 tries from ${2:-$default_port}"

  local psql=$bindir/psql
  [[ -x $psql ]] || psql=$(command -v psql) || die "psql not found"
  if ! PGPASSWORD=$superuser_password PGCONNECT_TIMEOUT=10 "$psql" -X -q -v ON_ERROR_STOP=1 \
    -h 127.0.0.1 -p "$port" -U postgres -d postgres \
    -c "CREATE ROLE $test_user LOGIN CREATEDB PASSWORD '$test_password'" \
    -c "CREATE DATABASE $test_database OWNER $test_user" >&2; then
    die "could not create the test user and database"
  fi

  local url="postgres://$test_user:$test_password@127.0.0.1:$port/$test_database"
  printf '%s\n' "$url" >"$dir/url"
  say "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') ready on 127.0.0.1:$port (data in $dir)"
  printf '%s\n' "$url"
}

stop() {
  local dir=$1
  [[ -e $dir ]] || return 0
  [[ -f $dir/$marker ]] || die "$dir was not made by this script; leaving it alone"
  stop_server "$dir"
  rm -rf "$dir"
}

case ${1:-} in
  --stop)
    [[ $# -eq 2 ]] || usage
    bindir=$(find_bindir)
    stop "$2"
    ;;
  -h | --help | '') usage ;;
  -*) usage ;;
  *)
    [[ $# -le 2 ]] || usage
    bindir=$(find_bindir)
    start "$@"
    ;;
esac
