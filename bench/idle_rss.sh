#!/usr/bin/env bash
# Idle RSS of a release binary: starts `foxden serve` on an empty data folder, waits for
# the first /__lbheartbeat__, sleeps 1 s and prints VmRSS, RssAnon and RssFile.
# Usage: bench/idle_rss.sh <binary> [starts]   (default 3 starts)
set -euo pipefail
bin=$1
for _ in $(seq "${2:-3}"); do
    data=$(mktemp -d)
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    FOXDEN_DATA_DIR=$data FOXDEN_LISTEN=127.0.0.1:$port RUST_LOG=warn "$bin" serve &
    pid=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/__lbheartbeat__" >/dev/null && break; sleep 0.1; done
    sleep 1
    grep -E '^(VmRSS|RssAnon|RssFile):' "/proc/$pid/status" | awk '{printf "%s %.1f MiB  ", $1, $2/1024} END {print ""}'
    kill "$pid"; wait "$pid" 2>/dev/null || true
    rm -rf "$data"
done
