#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests (and for trying PostgreSQL locally).
#
#   eval "$(scripts/pg_ephemeral.sh start)"   # prints export lines:
#       MINUTES_TEST_PG_URL=postgresql+psycopg://postgres@127.0.0.1:PORT/postgres
#       MINUTES_PG_EPHEMERAL_DIR=/tmp/minutes-pg.XXXX   (what `stop` removes)
#   scripts/pg_ephemeral.sh stop [DIR]         # stops the server and deletes its folder
#
# The cluster lives in a new temporary folder (initdb, trust authentication on
# 127.0.0.1 only, fsync off: it is thrown away), on a free port. initdb refuses
# to run as root, so as root the server runs as the `postgres` user (or
# `nobody`). The server binaries are looked up on PATH, then in
# /usr/lib/postgresql/*/bin (Debian's package). Progress goes to stderr; only
# the export lines go to stdout.
set -euo pipefail

log() { printf '[pg_ephemeral] %s\n' "$*" >&2; }

find_bin() {
  local name=$1 d
  if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return; fi
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/$name" ]; then echo "$d/$name"; return; fi
  done
  log "PostgreSQL server binary '$name' not found (apt-get install postgresql)"
  exit 1
}

run_as() {  # run_as USER CMD... (USER empty: as ourselves)
  local user=$1; shift
  if [ -z "$user" ]; then "$@"; return; fi
  if command -v runuser >/dev/null 2>&1; then runuser -u "$user" -- "$@"
  else su -s /bin/sh "$user" -c "$(printf '%q ' "$@")"
  fi
}

server_user() {
  if [ "$(id -u)" != 0 ]; then echo ""; return; fi
  if id postgres >/dev/null 2>&1; then echo postgres; return; fi
  echo nobody
}

free_port() {
  local py
  py=$(command -v python3 || command -v python)
  "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
  local initdb pg_ctl user dir port
  initdb=$(find_bin initdb)
  pg_ctl=$(find_bin pg_ctl)
  user=$(server_user)
  dir=$(mktemp -d "${TMPDIR:-/tmp}/minutes-pg.XXXXXX")
  chmod 755 "$dir"
  mkdir -p "$dir/data" "$dir/sock"
  if [ -n "$user" ]; then chown -R "$user" "$dir"; fi
  log "initdb in $dir (as ${user:-$(id -un)})"
  if ! run_as "$user" "$initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
        >"$dir/initdb.log" 2>&1; then
    if ! run_as "$user" "$initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C \
          >"$dir/initdb.log" 2>&1; then
      cat "$dir/initdb.log" >&2
      rm -rf "$dir"
      exit 1
    fi
  fi
  local tries=0
  while :; do
    port=$(free_port)
    if run_as "$user" "$pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
         -o "-p $port -k $dir/sock -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c shared_buffers=64MB" \
         start >/dev/null 2>&1; then
      break
    fi
    tries=$((tries + 1))
    if [ $tries -ge 3 ]; then
      tail -n 30 "$dir/server.log" >&2 || true
      rm -rf "$dir"
      log "the server did not start"
      exit 1
    fi
  done
  echo "$user" > "$dir/user"
  log "PostgreSQL on 127.0.0.1:$port"
  echo "export MINUTES_TEST_PG_URL=postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
  echo "export MINUTES_PG_EPHEMERAL_DIR=$dir"
}

stop() {
  local dir=${1:-${MINUTES_PG_EPHEMERAL_DIR:-}}
  if [ -z "$dir" ] || [ ! -d "$dir/data" ]; then log "nothing to stop"; return 0; fi
  local user pg_ctl
  user=$(cat "$dir/user" 2>/dev/null || true)
  pg_ctl=$(find_bin pg_ctl)
  run_as "$user" "$pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
  rm -rf "$dir"
  log "stopped and removed $dir"
}

case "${1:-}" in
  start) start ;;
  stop) shift; stop "${1:-}" ;;
  *) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
