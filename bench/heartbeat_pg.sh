#!/usr/bin/env bash
# The issue-6 bench end to end: PostgreSQL (throwaway), 10,000 devices seeded, the real heartbeat
# endpoint under gunicorn, bench/heartbeat_load.py at 333/s, then the sweep over the same fleet.
#
#   bench/heartbeat_pg.sh [GUNICORN_ARGS...]      (default: -w 3 -k gthread --threads 4)
#   e.g. bench/heartbeat_pg.sh -w 4                (sync workers: a new connection per beat)
#
# Keep --threads at 4 or fewer: with the scheduler thread that is at most 5 sessions a worker,
# Flask-SQLAlchemy's default pool size; more threads open and close overflow connections to
# PostgreSQL all the time (a backend started per beat) and the postgres CPU figure misses them.
#
# Env: DEVICES (10000), DURATION (60), WORKERS (load threads, 32), PORT (8765), OUT (a folder
# for logs and JSON results, default /tmp/heartbeat-bench). Needs scripts/test-services.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${TEST_PG_URL:-}" ]; then
  exec scripts/test-services.sh "$0" "$@"
fi
DEVICES=${DEVICES:-10000}
DURATION=${DURATION:-60}
WORKERS=${WORKERS:-32}
PORT=${PORT:-8765}
OUT=${OUT:-/tmp/heartbeat-bench}
mkdir -p "$OUT"
[ $# -gt 0 ] || set -- -w 3 -k gthread --threads 4

export DATABASE_URL=$TEST_PG_URL ECHALLAN_INSTANCE=$OUT/instance SCHEDULER_ENABLED=${SCHEDULER_ENABLED:-1}
.venv/bin/echallan db upgrade >"$OUT/upgrade.log" 2>&1
.venv/bin/python bench/seed_devices.py --devices "$DEVICES" >"$OUT/seed.json"
KEY=$(.venv/bin/python -c "import json,sys; print(json.load(open(sys.argv[1]))['key'])" "$OUT/seed.json")
echo "seed: $(cat "$OUT/seed.json" | sed 's/"key": "[^"]*"/"key": "..."/')"

.venv/bin/gunicorn "$@" -b "127.0.0.1:$PORT" --log-level warning \
  "echallan:create_app()" >"$OUT/gunicorn.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null' EXIT
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break
  sleep 0.2
done
# A few requests so that every worker has imported everything before the clock starts.
for _ in $(seq 20); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null; done

# CPU seconds (user + system) of a set of processes, to report the CPU each beat costs.
cpu_ticks() { local t=0 p; for p in "$@"; do
  [ -r "/proc/$p/stat" ] && t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo $t; }
pg_port=${TEST_PG_URL##*:}; pg_port=${pg_port%%/*}
postmaster=$(pgrep -f "bin/postgres .*-p $pg_port( |$)" | head -n 1)
server_pids() { echo "$server" $(pgrep -P "$server"); }
db_pids() { echo "$postmaster" $(pgrep -P "$postmaster"); }
g0=$(cpu_ticks $(server_pids)); p0=$(cpu_ticks $(db_pids))

echo "gunicorn $*: heartbeat_load --devices $DEVICES --period 30 --duration $DURATION"
.venv/bin/python bench/heartbeat_load.py --url "http://127.0.0.1:$PORT" --key "$KEY" \
  --devices "$DEVICES" --period 30 --duration "$DURATION" --workers "$WORKERS" | tee "$OUT/load.txt"
g1=$(cpu_ticks $(server_pids)); p1=$(cpu_ticks $(db_pids))
beats=$(grep -oE '^[0-9]+ heartbeats' "$OUT/load.txt" | cut -d' ' -f1)
hz=$(getconf CLK_TCK)
per_beat() { awk -v t="$1" -v n="$beats" -v hz="$hz" 'BEGIN { printf "%.2f ms", t / hz * 1000 / n }'; }
echo "CPU per beat: gunicorn $(per_beat $((g1 - g0))), postgres $(per_beat $((p1 - p0)));" \
  "load average $(cut -d' ' -f1-3 /proc/loadavg)" \
  | tee -a "$OUT/load.txt"
curl -s "http://127.0.0.1:$PORT/metrics" | grep -E '^echallan_(heartbeats|devices_offline|alerts_open)' \
  | tee "$OUT/metrics.txt"
kill $server; wait $server 2>/dev/null || true
trap - EXIT

echo "sweep over the seeded fleet (real service, PostgreSQL):"
.venv/bin/python bench/sweep_devices_db.py --repeat 5 | tee "$OUT/sweep.json"
