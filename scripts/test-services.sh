#!/usr/bin/env bash
# Start a throwaway PostgreSQL cluster and redis-server on loopback, run a command, stop them.
# Usage: scripts/test-services.sh COMMAND...
# (exports TEST_PG_URL, the owner; TEST_PG_APP_URL, the app's role; REDIS_URL to COMMAND)
set -uo pipefail
PG_PORT=${PG_PORT:-54329}
REDIS_PORT=${REDIS_PORT:-63790}
work=$(mktemp -d /tmp/echallan-services.XXXXXX)
chmod 755 "$work"
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
# postgres cannot enter a private working directory: run its tools from /.
as_pg() { if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }

stop_services() {
  as_pg "$pg_bin/pg_ctl" -D "$work/pg" -m fast stop >/dev/null 2>&1
  [ -f "$work/redis.pid" ] && kill "$(cat "$work/redis.pid")" 2>/dev/null
  rm -rf "$work"
}
trap stop_services EXIT

mkdir -p "$work/pg"
[ "$(id -u)" -eq 0 ] && chown postgres "$work/pg"
as_pg "$pg_bin/initdb" -D "$work/pg" -A trust -U postgres -E UTF8 >/dev/null || exit 1
as_pg "$pg_bin/pg_ctl" -D "$work/pg" -l "$work/pg/server.log" -w \
  -o "-p $PG_PORT -k $work/pg -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
  start >/dev/null || { cat "$work/pg/server.log"; exit 1; }
as_pg "$pg_bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres echallan_test || exit 1
# The app's own role: not a superuser, not the owner; migration 0009 grants it what it needs
# (INSERT and SELECT only on audit_entry). Tests migrate as the owner and connect as this role.
as_pg "$pg_bin/psql" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d echallan_test \
  -c "CREATE ROLE echallan_app LOGIN NOSUPERUSER" || exit 1
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
  --daemonize yes --pidfile "$work/redis.pid" --logfile "$work/redis.log" || exit 1

export TEST_PG_URL="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/echallan_test"
export TEST_PG_APP_URL="postgresql+psycopg://echallan_app@127.0.0.1:$PG_PORT/echallan_test"
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
"$@"
