#!/usr/bin/env bash
# Issue 10's device benchmarks against a release binary (SQLite, outbox mail, rate limits off):
# 1. POST /v1/account/devices/invoke_command (Send Tab) from device A to device B, 50 connections
#    — targets p99 <= 5 ms and >= 10,000 req/s — first with devices that have no push callback,
#    then (the target's case) with push delivery on: both devices' callbacks point at the
#    loopback receiver (in its fast mode, PUSH_RECEIVER_FAST=1), so each command queues a push
#    that the worker delivers while the load runs; the pushes delivered are counted after it;
# 2. GET /v1/account/devices of an account with N (50) devices, 50 connections — >= 10,000 req/s;
# 3. push fan-out: a password change on an account with N devices whose push callbacks point at
#    a loopback HTTPS receiver (interop/push_receiver.py); the time from the change's answer until
#    every device has its push — target <= 2 s. Runs only with a binary that pushes on password
#    change (FOXDEN_PUSH_BIN, default the binary under test) and a Python with
#    interop/requirements-push.txt (FOXDEN_TEST_PUSH_PYTHON, default interop/.venv-push/bin/python,
#    which scripts/test creates).
# A reference GET /v1/session/status run shows how busy the machine is; `uptime` precedes each run.
# Usage: [FOXDEN_BIN=…] bench/devices.sh [seconds] [devices]   — needs wrk and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-15} n=${2:-50}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
if [ -z "${FOXDEN_BIN:-}" ]; then cargo build --release -p foxden --bins -q; fi
bin=${FOXDEN_BIN:-${CARGO_TARGET_DIR:-target}/release/foxden}
push_bin=${FOXDEN_PUSH_BIN:-$bin}
push_py=${FOXDEN_TEST_PUSH_PYTHON:-interop/.venv-push/bin/python}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
pid="" rpid=""
root=$(mktemp -d)
data=$root
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; [ -n "$rpid" ] && kill $rpid 2>/dev/null; rm -rf "$root"' EXIT
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
# start BINARY [ENV=VALUE …]: a fresh server on $port with its data in $data.
start() {
  local b=$1; shift
  env "$@" FOXDEN_RATE_LIMIT=off FOXDEN_LISTEN=127.0.0.1:$port FOXDEN_DATA_DIR=$data RUST_LOG=warn "$b" serve &
  pid=$!
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/__lbheartbeat__" >/dev/null && break; sleep 0.2; done
}
stop() { kill $pid; wait $pid 2>/dev/null || true; pid=""; }
base="http://127.0.0.1:$port"

start "$bin"
export HAWK=$(field "$(python3 bench/prep.py "$base")" session_status_hawk)
echo "== reference: GET /v1/session/status, Hawk, 50 connections, ${secs}s — $(uptime)"
wrk -t1 -c50 -d"${secs}s" --latency -s bench/session_status.lua "$base"

prep=$(cd bench && python3 devices_prep.py "$base" "$data" "$n")
export BEARER=$(field "$prep" bearer)
echo "== GET /v1/account/devices, $n devices, 50 connections, ${secs}s — $(uptime)"
wrk -t1 -c50 -d"${secs}s" --latency -s bench/devices_list.lua "$base"

prep=$(cd bench && python3 devices_prep.py "$base" "$data" 2)
export BEARER=$(field "$prep" bearer) INVOKE_BODY=$(field "$prep" invoke_body)
echo "== POST /v1/account/devices/invoke_command (open-uri), 50 connections, ${secs}s — $(uptime)"
wrk -t1 -c50 -d"${secs}s" --latency -s bench/devices_invoke.lua "$base"
stop

if [ ! -x "$push_bin" ]; then
  echo "== push runs skipped: no binary that pushes at $push_bin"
elif [ ! -x "$push_py" ]; then
  echo "== push runs skipped: no Python with interop/requirements-push.txt at $push_py"
else
  # receiver DIR [ENV=VALUE …]: a loopback push service writing DIR; sets $rport.
  receiver() {
    local dir=$1; shift
    mkdir -p "$dir"
    env "$@" "$push_py" interop/push_receiver.py "$dir" &
    rpid=$!
    for _ in $(seq 100); do [ -f "$dir/ready.json" ] && break; sleep 0.1; done
    rport=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["port"])' "$dir/ready.json")
  }
  push_env() { echo FOXDEN_PUSH_CA_FILE="$1/ca.pem" FOXDEN_PUSH_ALLOWED_SERVERS="^https://127\\.0\\.0\\.1:$rport/"; }

  # A data folder of its own: the pushes still queued after the run must not reach
  # the fan-out run's server (another receiver).
  data=$root/push-on
  mkdir -p "$data"
  fdir=$data/receiver-fast
  receiver "$fdir" PUSH_RECEIVER_FAST=1
  start "$push_bin" $(push_env "$fdir")
  prep=$(cd bench && python3 devices_prep.py "$base" "$data" 2 "$fdir")
  export BEARER=$(field "$prep" bearer) INVOKE_BODY=$(field "$prep" invoke_body)
  sleep 1
  before=$(wc -l < "$fdir/records.jsonl")
  echo "== POST /v1/account/devices/invoke_command (open-uri), push delivery on, 50 connections, ${secs}s — $(uptime)"
  wrk -t1 -c50 -d"${secs}s" --latency -s bench/devices_invoke.lua "$base"
  sleep 2
  echo "pushes delivered during the run and 2 s after: $(( $(wc -l < "$fdir/records.jsonl") - before ))"
  stop
  kill $rpid; wait $rpid 2>/dev/null || true; rpid=""

  data=$root/fan-out
  mkdir -p "$data"
  rdir=$data/receiver
  receiver "$rdir"
  start "$push_bin" $(push_env "$rdir")
  echo "== push fan-out: password change, $n devices — $(uptime)"
  (cd bench && python3 devices_push.py "$base" "$data" "$rdir" "$n")
  stop
fi
