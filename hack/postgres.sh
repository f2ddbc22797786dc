#!/usr/bin/env bash
# A throwaway PostgreSQL for tests, benchmarks and the demo.
#
#   hack/postgres.sh start DIR   initialise DIR (once) and start a server on a free
#                                loopback port; prints its URL on stdout
#   hack/postgres.sh stop DIR    stop it (DIR is kept, so start brings the same data back)
#   hack/postgres.sh url DIR     print the URL of a cluster started earlier
#   hack/postgres.sh run CMD...  start a cluster in a temp dir, export TEST_DATABASE_URL,
#                                run CMD, stop and remove the cluster; a TEST_DATABASE_URL
#                                that is already set is used as it is
#
# By default the cluster trades durability for speed (fsync, synchronous_commit and
# full_page_writes off). PG_DURABLE=1 starts it with PostgreSQL's durable defaults instead
# (fsync, synchronous_commit and full_page_writes on, and initdb syncs its files), for
# tests that kill the server and check that every committed write survives; pass it on
# every start of that cluster.
#
# Uses the Debian PostgreSQL 15 binaries (PG_BIN overrides the folder). When the caller is
# root the server runs as the `postgres` user, as initdb refuses to run as root. Only
# loopback connections are accepted, with trust authentication.
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

die() { echo "postgres.sh: $*" >&2; exit 1; }

need_binaries() {
  [ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/pg_ctl" ] && return
  die "PostgreSQL server binaries not found in $PG_BIN; install them with 'apt-get install postgresql' (Debian's PostgreSQL 15) or set PG_BIN or TEST_DATABASE_URL"
}

# as_owner runs a command as the user that owns the cluster.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

cmd_start() {
  local dir=$1
  need_binaries
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$dir"
    # initdb and the server must be able to reach DIR through every parent folder.
    local p=$dir
    while [ "$p" != / ]; do p=$(dirname "$p"); chmod o+x "$p" 2>/dev/null || true; done
  fi
  local nosync=--no-sync durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  if [ "${PG_DURABLE:-}" = 1 ]; then
    nosync="" durability="-c fsync=on -c synchronous_commit=on -c full_page_writes=on"
  fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    echo "postgres.sh: initdb $dir/data" >&2
    as_owner "$PG_BIN/initdb" -D "$dir/data" -U postgres -A trust $nosync -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  fi
  local port=""
  [ -f "$dir/port" ] && port=$(cat "$dir/port")
  local try
  for try in 1 2 3 4 5 6 7 8 9 10; do
    [ -n "$port" ] || port=$((20000 + RANDOM % 40000))
    # Without PG_DURABLE: a throwaway cluster needs no durability across crashes, and
    # tests restart it often.
    if as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 $durability -c max_connections=${PG_MAX_CONNECTIONS:-500}" >/dev/null 2>&1; then
      echo "$port" >"$dir/port"
      cmd_url "$dir"
      return
    fi
    grep -q "could not bind\|Address already in use" "$dir/server.log" 2>/dev/null || { tail -20 "$dir/server.log" >&2; die "server did not start (log: $dir/server.log)"; }
    port=""
  done
  die "no free port found after 10 tries"
}

cmd_stop() {
  local dir=$1
  [ -f "$dir/data/postmaster.pid" ] || return 0
  as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null
}

cmd_url() {
  local dir=$1
  [ -f "$dir/port" ] || die "no cluster started in $dir"
  echo "postgres://postgres@127.0.0.1:$(cat "$dir/port")/postgres?sslmode=disable"
}

cmd_run() {
  if [ -n "${TEST_DATABASE_URL:-}" ]; then
    exec "$@"
  fi
  run_dir=$(mktemp -d /tmp/interviewapi-pg.XXXXXX)
  trap 'cmd_stop "$run_dir" || true; rm -rf "$run_dir"' EXIT
  TEST_DATABASE_URL=$(cmd_start "$run_dir")
  export TEST_DATABASE_URL
  echo "postgres.sh: throwaway PostgreSQL at $TEST_DATABASE_URL" >&2
  "$@"
}

case "${1:-}" in
  start) [ $# -eq 2 ] || die "usage: $0 start DIR"; cmd_start "$2" ;;
  stop) [ $# -eq 2 ] || die "usage: $0 stop DIR"; cmd_stop "$2" ;;
  url) [ $# -eq 2 ] || die "usage: $0 url DIR"; cmd_url "$2" ;;
  run) shift; [ $# -ge 1 ] || die "usage: $0 run CMD..."; cmd_run "$@" ;;
  *) die "usage: $0 start DIR | stop DIR | url DIR | run CMD..." ;;
esac
