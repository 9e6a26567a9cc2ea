#!/usr/bin/env bash
# Load benchmarks against the release binary on this machine (SQLite, outbox mail).
# Usage: [FOXDEN_BIN=…] [FOXDEN_BENCH_POSTGRES_URL=postgres://…] bench/load.sh [seconds]
# — needs wrk (apt-get install wrk) and python3. With FOXDEN_BENCH_POSTGRES_URL set, the
# session/status run is repeated against a second server on that PostgreSQL database.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-15}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
# FOXDEN_BIN=path runs another build (e.g. the commit before a change) with this harness.
cargo build --release -p foxden --bins --examples -q
bin=${FOXDEN_BIN:-${CARGO_TARGET_DIR:-target}/release/foxden}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
data=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$data"' EXIT
# Rate limits off: this measures the server and scrypt, not customs (ADR 0007).
FOXDEN_RATE_LIMIT=off FOXDEN_LISTEN=127.0.0.1:$port FOXDEN_DATA_DIR=$data RUST_LOG=warn "$bin" serve &
pid=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/__lbheartbeat__" >/dev/null && break; sleep 0.2; done
rss() { grep -E "^$1:" /proc/$pid/status | awk '{print $2/1024 " MiB"}'; }
echo "idle RSS after start: $(rss VmRSS)"
prep=$(python3 bench/prep.py "http://127.0.0.1:$port")
export HAWK=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["session_status_hawk"])' "$prep")
export LOGIN_BODY=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["login_body"])' "$prep")
echo "== scrypt capacity (all cores busy)"
${CARGO_TARGET_DIR:-target}/release/examples/scrypt_capacity 10
echo "== GET /v1/session/status, Hawk, 50 connections, ${secs}s"
wrk -t1 -c50 -d"${secs}s" --latency -s bench/session_status.lua "http://127.0.0.1:$port"
echo "RSS after session/status load: $(rss VmRSS)"
echo "== POST /v1/account/login, 16 clients honouring Retry-After, $((secs * 2))s"
python3 bench/login_load.py "http://127.0.0.1:$port" "$LOGIN_BODY" 16 $((secs * 2))
echo "== POST /v1/account/login, 16 connections resending at once (wrk, no back-off), $((secs * 2))s"
wrk -t1 -c16 -d"$((secs * 2))s" --latency -s bench/login_flood.lua "http://127.0.0.1:$port"
echo "peak RSS (VmHWM): $(rss VmHWM)"
sleep 2
echo "idle RSS after load: $(rss VmRSS)"
# --- OAuth: verifying JWT access tokens, and issuing them (RS256 signing bound) ---
# Targets: /v1/verify >= 20,000 req/s with p99 <= 5 ms at 50 connections; the token
# endpoint >= 80 % of the RS256 capacity printed first (both cores busy).
oauth=$(python3 bench/oauth_prep.py "http://127.0.0.1:$port" "$data")
export VERIFY_BODY=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["verify_body"])' "$oauth")
export TOKEN_BODY=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["token_body"])' "$oauth")
export BEARER=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["bearer"])' "$oauth")
echo "== RS256 capacity (all cores busy)"
${CARGO_TARGET_DIR:-target}/release/examples/rs256_capacity 10
echo "== POST /v1/verify of a JWT access token, 50 connections, ${secs}s"
wrk -t1 -c50 -d"${secs}s" --latency -s bench/oauth_verify.lua "http://127.0.0.1:$port"
echo "== POST /v1/oauth/token (fxa-credentials, JWT issued), 50 connections, ${secs}s"
wrk -t1 -c50 -d"${secs}s" --latency -s bench/oauth_token.lua "http://127.0.0.1:$port"
echo "peak RSS after the OAuth runs (VmHWM): $(rss VmHWM)"
if [ -n "${FOXDEN_BENCH_POSTGRES_URL:-}" ]; then
  kill $pid; wait $pid 2>/dev/null || true
  FOXDEN_DATABASE_URL=$FOXDEN_BENCH_POSTGRES_URL FOXDEN_RATE_LIMIT=off FOXDEN_LISTEN=127.0.0.1:$port \
    FOXDEN_DATA_DIR=$data RUST_LOG=warn "$bin" serve &
  pid=$!
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/__lbheartbeat__" >/dev/null && break; sleep 0.2; done
  prep=$(python3 bench/prep.py "http://127.0.0.1:$port")
  export HAWK=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["session_status_hawk"])' "$prep")
  echo "== PostgreSQL: GET /v1/session/status, Hawk, 50 connections, ${secs}s"
  wrk -t1 -c50 -d"${secs}s" --latency -s bench/session_status.lua "http://127.0.0.1:$port"
fi
