#!/usr/bin/env bash
# A throw-away PostgreSQL + PostGIS server for the ledger tests.
#
#   bash scripts/pg-test.sh start   # prints: export HOTSPOTS_TEST_PG_URL=...
#   bash scripts/pg-test.sh stop
#
# It runs initdb + pg_ctl into $HOTSPOTS_PG_DIR (default /tmp/hotspots-pg-test)
# on 127.0.0.1:$HOTSPOTS_PG_PORT (default 55432), trust authentication on
# localhost only, and creates the database "hotspots" with the postgis
# extension. As root, the server runs as the postgres user (initdb refuses
# root). Needs Debian's postgresql and postgresql-15-postgis-3 packages.
#
# The tests' server runs with fsync=off and full_page_writes=off (fast, not
# crash-safe: a throw-away cluster). HOTSPOTS_PG_DURABLE=1 starts it with
# PostgreSQL's default durability settings instead, as a real ledger server
# runs: use it for benchmarks (benchmarks/bench_ledger.py prints the settings).
set -euo pipefail

PORT="${HOTSPOTS_PG_PORT:-55432}"
DIR="${HOTSPOTS_PG_DIR:-/tmp/hotspots-pg-test}"
DB=hotspots
BIN="${HOTSPOTS_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
if [ -z "$BIN" ] || [ ! -x "$BIN/pg_ctl" ]; then
  echo "pg-test: PostgreSQL binaries not found; install postgresql and postgresql-15-postgis-3." >&2
  exit 1
fi

as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

case "${1:-}" in
  start)
    if [ ! -f "$DIR/PG_VERSION" ]; then
      mkdir -p "$DIR"
      if [ "$(id -u)" = 0 ]; then chown postgres: "$DIR"; fi
      chmod 700 "$DIR"
      as_owner "$BIN/initdb" -D "$DIR" -U postgres --auth=trust -E UTF8 \
        --locale=C.UTF-8 >"$DIR.initdb.log" 2>&1 || {
        cat "$DIR.initdb.log" >&2
        exit 1
      }
    fi
    OPTS="-h 127.0.0.1 -p $PORT -k $DIR"
    if [ "${HOTSPOTS_PG_DURABLE:-0}" != 1 ]; then
      OPTS="$OPTS -c fsync=off -c full_page_writes=off"
    fi
    if ! as_owner "$BIN/pg_ctl" -D "$DIR" status >/dev/null 2>&1; then
      as_owner "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w -t 60 \
        -o "$OPTS" start >/dev/null
    fi
    if ! as_owner "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1; then
      as_owner "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres "$DB"
    fi
    as_owner "$BIN/psql" -q -h 127.0.0.1 -p "$PORT" -U postgres -d "$DB" \
      -c "CREATE EXTENSION IF NOT EXISTS postgis" >/dev/null
    echo "export HOTSPOTS_TEST_PG_URL=postgresql://postgres@127.0.0.1:$PORT/$DB"
    ;;
  stop)
    if [ -f "$DIR/PG_VERSION" ]; then
      as_owner "$BIN/pg_ctl" -D "$DIR" -m fast -w stop >/dev/null 2>&1 || true
      rm -rf "$DIR" "$DIR.initdb.log"
    fi
    ;;
  *)
    echo "usage: bash scripts/pg-test.sh start|stop" >&2
    exit 2
    ;;
esac
