#!/usr/bin/env bash
# Starts a throw-away PostgreSQL cluster in a temporary directory for the
# test suite and prints the environment to use it:
#   eval "$(scripts/test-postgres.sh start)"   # then: go test ./...
#   scripts/test-postgres.sh stop
# Needs the Debian postgresql package (initdb, pg_ctl). Runs the server as the
# postgres user when started as root.
set -euo pipefail
port=${SANBAO_PG_PORT:-55432}
state=${TMPDIR:-/tmp}/sanbao-test-pg-$port
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bin" ] || { echo "no PostgreSQL server found (apt-get install postgresql)" >&2; exit 1; }
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }

case "${1:-}" in
start)
  if [ -f "$state/data/postmaster.pid" ] && as_pg "'$bin/pg_ctl' -D '$state/data' status" >/dev/null 2>&1; then
    :
  else
    rm -rf "$state"; mkdir -p "$state"
    [ "$(id -u)" = 0 ] && chown postgres: "$state"
    as_pg "'$bin/initdb' -D '$state/data' -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >'$state/initdb.log' 2>&1"
    as_pg "'$bin/pg_ctl' -D '$state/data' -l '$state/server.log' -w -t 60 \
      -o \"-p $port -k '$state' -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c shared_buffers=512MB\" start" >/dev/null
  fi
  echo "export SANBAO_TEST_POSTGRES='postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable'"
  ;;
stop)
  [ -d "$state/data" ] && as_pg "'$bin/pg_ctl' -D '$state/data' -m fast -w stop" >/dev/null 2>&1 || true
  rm -rf "$state"
  ;;
*) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
