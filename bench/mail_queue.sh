#!/usr/bin/env bash
# The mail queue under a slow mail server: 100 sign-ups against the release binary
# with an SMTP sink answering each message at once, then 1 s late. Requests never
# wait on SMTP (ADR 0016), so both runs should take the same time.
# Usage: [FOXDEN_BIN=…] bench/mail_queue.sh [sign-ups] [concurrency]   — needs python3 (venv).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100}
c=${2:-8}
cargo build --release -p foxden --bins -q
bin=${FOXDEN_BIN:-${CARGO_TARGET_DIR:-target}/release/foxden}
venv=${FOXDEN_BENCH_VENV:-/var/tmp/foxden-bench-venv}
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c 'import aiosmtpd' 2>/dev/null || "$venv/bin/pip" install -q aiosmtpd==1.4.6
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
run() {
  local delay=$1 work port pid sink
  work=$(mktemp -d)
  "$venv/bin/python" interop/smtp_sink.py --delay-ms "$delay" "$work/mail" >/dev/null &
  sink=$!
  for _ in $(seq 50); do [ -f "$work/mail/.sink-ready" ] && break; sleep 0.2; done
  port=$(free_port)
  FOXDEN_RATE_LIMIT=off FOXDEN_LISTEN=127.0.0.1:$port FOXDEN_DATA_DIR=$work/data RUST_LOG=warn \
    FOXDEN_SMTP_URL="smtp://$(cat "$work/mail/.sink-ready")" "$bin" serve &
  pid=$!
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/__lbheartbeat__" >/dev/null && break; sleep 0.2; done
  echo "== SMTP answering after ${delay} ms"
  python3 bench/signups.py "http://127.0.0.1:$port" "$n" "$c"
  local start=$SECONDS
  while [ "$(find "$work/mail" -name '*.eml' | wc -l)" -lt "$n" ] && [ $((SECONDS - start)) -lt 600 ]; do sleep 1; done
  echo "   all $(find "$work/mail" -name '*.eml' | wc -l) mails delivered $((SECONDS - start)) s after the last response"
  kill "$pid" "$sink"; wait "$pid" "$sink" 2>/dev/null || true
  rm -rf "$work"
}
run 0
run 1000
