#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests and benchmarks: a fresh data directory under /tmp, a free
# port on 127.0.0.1, trust authentication on localhost only, durability off (fsync) for speed.
#   scripts/pg.sh start   starts one (if not running) and prints its JDBC URL on stdout
#   scripts/pg.sh url     prints the JDBC URL of the running one
#   scripts/pg.sh env     prints "export DATABASE_URL=...; export VISION_SEARCH_TEST_DATABASE_URL=..." for eval
#   scripts/pg.sh stop    stops it and deletes its data directory
#   scripts/pg.sh psql    opens psql on it (extra arguments go to psql)
# The cluster's location is kept in target/pg-cluster, so each checkout has its own.
# Run as root, the server runs as the user postgres. Never use this for data you want to keep.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
STATE="$PWD/target/pg-cluster"
DB=vision_search_test
log() { echo "pg.sh: $*" >&2; }

pg_bin() {
  if [ -n "${PG_BINDIR:-}" ]; then echo "$PG_BINDIR"; return; fi
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do echo "$d"; return; done
  dirname "$(command -v initdb || command -v pg_ctl || echo /usr/bin/initdb)"
}
BIN="$(pg_bin)"
if [ ! -x "$BIN/initdb" ]; then
  log "PostgreSQL server binaries not found (looked in $BIN); install PostgreSQL (apt-get install postgresql) or set PG_BINDIR"
  exit 1
fi

as_owner() { # runs a command as the cluster's owner
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  local p
  for p in $(seq 54330 54999); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  log "no free port in 54330-54999"; exit 1
}

read_state() { [ -f "$STATE" ] && . "$STATE"; }

running() {
  read_state || return 1
  [ -n "${PGDATA_DIR:-}" ] && [ -d "$PGDATA_DIR" ] && as_owner "$BIN/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1
}

url() { echo "jdbc:postgresql://127.0.0.1:$PGPORT_NUM/$DB?user=postgres"; }

start() {
  if running; then url; return; fi
  local dir port
  dir="$(mktemp -d /tmp/vision-search-pg.XXXXXX)"
  chmod 755 "$dir"
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir"; fi
  port="$(free_port)"
  log "initdb into $dir"
  as_owner "$BIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
  cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 256MB
maintenance_work_mem = 1GB
max_connections = 50
CONF
  # Only local connections, all trusted: this cluster is for tests.
  printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' >"$dir/data/pg_hba.conf"
  mkdir -p "$(dirname "$STATE")"
  local attempt
  for attempt in 1 2 3; do
    printf 'PGDATA_DIR=%q\nPGPORT_NUM=%q\nPGSOCK_DIR=%q\n' "$dir/data" "$port" "$dir" >"$STATE"
    log "starting PostgreSQL on 127.0.0.1:$port"
    if as_owner "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "-p $port" -w -t 60 start >/dev/null; then
      break
    fi
    if [ "$attempt" -lt 3 ] && grep -q "could not bind\|already in use" "$dir/server.log"; then
      port="$(free_port)"; continue # another cluster took the port meanwhile
    fi
    log "the server did not start; its log:"; cat "$dir/server.log" >&2; rm -f "$STATE"; exit 1
  done
  as_owner "$BIN/psql" -X -q -h "$dir" -p "$port" -U postgres -d postgres -c "CREATE DATABASE $DB" >/dev/null
  read_state
  url
}

stop() {
  if ! read_state; then log "no cluster recorded in $STATE"; return 0; fi
  if [ -d "${PGDATA_DIR:-}" ]; then
    as_owner "$BIN/pg_ctl" -D "$PGDATA_DIR" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$(dirname "$PGDATA_DIR")"
    log "stopped and removed $(dirname "$PGDATA_DIR")"
  fi
  rm -f "$STATE"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) if running; then url; else log "no cluster running; scripts/pg.sh start"; exit 1; fi ;;
  env) if running; then u="$(url)"; echo "export DATABASE_URL='$u'; export VISION_SEARCH_TEST_DATABASE_URL='$u'";
       else log "no cluster running; scripts/pg.sh start"; exit 1; fi ;;
  psql) shift; running || { log "no cluster running"; exit 1; }
        exec "$BIN/psql" -X -h 127.0.0.1 -p "$PGPORT_NUM" -U postgres -d "$DB" "$@" ;;
  *) echo "usage: scripts/pg.sh start|stop|url|env|psql" >&2; exit 2 ;;
esac
