#!/usr/bin/env bash
# Before/after on the token hot path: Hawk GET /v1/session/status at 50 connections,
# alternating two release binaries, on SQLite and (with FOXDEN_BENCH_POSTGRES_URL set)
# on PostgreSQL, `rounds` times each, so both see the same machine in one sitting.
# Usage: [FOXDEN_BENCH_POSTGRES_URL=postgres://…] bench/session_status_ab.sh BEFORE AFTER [seconds] [rounds]
# — needs wrk and python3 (as bench/load.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
before=$1 after=$2 secs=${3:-10} rounds=${4:-2}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
pid=""
data=""
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$data"' EXIT

# One measurement: the binary, the database URL (empty = SQLite); prints req/s and p99.
measure() {
  local bin=$1 url=$2
  data=$(mktemp -d)
  if [ -n "$url" ]; then
    # A fresh schema per run, so that no run sees another's rows.
    local schema="bench_$$_$RANDOM"
    psql -q "$url" -c "CREATE SCHEMA $schema" >/dev/null
    url="$url?options=-csearch_path%3D$schema"
  fi
  FOXDEN_DATABASE_URL=${url:-sqlite:$data/foxden.db} FOXDEN_RATE_LIMIT=off \
    FOXDEN_LISTEN=127.0.0.1:$port FOXDEN_DATA_DIR=$data RUST_LOG=warn "$bin" serve &
  pid=$!
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/__lbheartbeat__" >/dev/null && break; sleep 0.2; done
  local prep
  prep=$(python3 bench/prep.py "http://127.0.0.1:$port")
  export HAWK=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["session_status_hawk"])' "$prep")
  wrk -t1 -c50 -d"${secs}s" --latency -s bench/session_status.lua "http://127.0.0.1:$port" |
    awk '/Requests\/sec/ {rps=$2} / 99%/ {p99=$2} END {printf "%s req/s, p99 %s\n", rps, p99}'
  kill $pid; wait $pid 2>/dev/null || true
  pid=""
  rm -rf "$data"
  if [ -n "${schema:-}" ]; then psql -q "${FOXDEN_BENCH_POSTGRES_URL}" -c "DROP SCHEMA $schema CASCADE" >/dev/null 2>&1; fi
}

for round in $(seq "$rounds"); do
  for which in before after; do
    bin=${!which}
    echo "round $round $which sqlite: $(measure "$bin" "")"
    if [ -n "${FOXDEN_BENCH_POSTGRES_URL:-}" ]; then
      echo "round $round $which postgres: $(measure "$bin" "$FOXDEN_BENCH_POSTGRES_URL")"
    fi
  done
done
