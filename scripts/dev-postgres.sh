#!/usr/bin/env bash
# Starts the throwaway PostgreSQL that the test suite runs against (the same one CI
# starts), or reuses it if it is already running, and prints the line to export:
#
#   eval "$(scripts/dev-postgres.sh)"   # sets PLINTH_TEST_POSTGRES_URL
#   npm test                            # now also runs the PostgreSQL tests
#   scripts/dev-postgres.sh stop        # stops it and deletes its data
#
# Its data lives in .plinth/dev-postgres (PLINTH_DEV_POSTGRES_DIR to change that).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dir=${PLINTH_DEV_POSTGRES_DIR:-$here/../.plinth/dev-postgres}

case ${1:-start} in
  start)
    url=$("$here/start-postgres.sh" "$dir" "${PLINTH_DEV_POSTGRES_PORT:-55432}")
    printf "export PLINTH_TEST_POSTGRES_URL='%s'\n" "$url"
    printf 'postgres: stop it with: scripts/dev-postgres.sh stop\n' >&2
    ;;
  stop)
    "$here/start-postgres.sh" --stop "$dir"
    printf 'postgres: stopped\n' >&2
    ;;
  *)
    sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
