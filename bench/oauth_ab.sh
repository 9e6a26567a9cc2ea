#!/usr/bin/env bash
# Before/after on issue 9's OAuth load figures, alternating release binaries so that
# all see the same machine in one sitting: for each binary, a fresh server (SQLite,
# outbox mail, rate limits off), bench/oauth_prep.py, then
#   1. POST /v1/oauth/token, grant fxa-credentials (a JWT signed and a row stored per answer),
#   2. POST /v1/verify of one JWT access token,
# each `wrk -t1 -c50` for `seconds`. Compare (1) with the RS256 capacity printed by
# `target/release/examples/rs256_capacity` (built with `cargo build --release -p foxden --examples`).
# Usage: bench/oauth_ab.sh [seconds] [rounds] BIN...   — needs wrk and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10} rounds=${2:-2}
shift 2
[ $# -ge 1 ] || { echo "usage: bench/oauth_ab.sh [seconds] [rounds] BIN..."; exit 2; }
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
pid=""
data=""
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; [ -n "$data" ] && rm -rf "$data"' EXIT
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
summary() { awk '/Requests\/sec/ {rps=$2} / 99%/ {p99=$2} /other than 200/ {bad=$NF}
  END {printf "%s req/s, p99 %s, non-200 %s", rps, p99, bad}'; }

measure() {
  local bin=$1 base="http://127.0.0.1:$port"
  data=$(mktemp -d)
  FOXDEN_RATE_LIMIT=off FOXDEN_LISTEN=127.0.0.1:$port FOXDEN_DATA_DIR=$data RUST_LOG=warn \
    "$bin" serve &
  pid=$!
  for _ in $(seq 50); do curl -sf "$base/__lbheartbeat__" >/dev/null && break; sleep 0.2; done
  local prep
  prep=$(cd bench && python3 oauth_prep.py "$base" "$data")
  export BEARER=$(field "$prep" bearer) TOKEN_BODY=$(field "$prep" token_body)
  export VERIFY_BODY=$(field "$prep" verify_body)
  echo "  token:  $(wrk -t1 -c50 -d"${secs}s" --latency -s bench/oauth_token.lua "$base" | summary)"
  echo "  verify: $(wrk -t1 -c50 -d"${secs}s" --latency -s bench/oauth_verify.lua "$base" | summary)"
  kill $pid; wait $pid 2>/dev/null || true
  pid=""
  rm -rf "$data"; data=""
}

for round in $(seq "$rounds"); do
  for bin in "$@"; do
    echo "round $round $bin — $(uptime | sed 's/.*load/load/')"
    measure "$bin"
  done
done
