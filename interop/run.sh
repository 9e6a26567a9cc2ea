#!/usr/bin/env bash
# Interop harness: run PyFxA (0.8.2 = Hawk, 0.9.0 = Bearer, 0.7.9 = BrowserID assertions)
# against a foxden binary.
#
# Usage: interop/run.sh [path/to/foxden]     (default: target/release/foxden)
#
# Environment knobs (all optional):
#   PYFXA_VERSIONS="0.8.2 0.9.0 0.7.9"  which PyFxA versions to run (each needs
#                                  requirements-<v>.txt; see tests_for for the files each runs)
#   INTEROP_CACHE=<dir>            where the venvs live (default: this directory)
#   PYTHON=python3                 interpreter used to create the venvs
#   PYTEST_ARGS="-k lifecycle"     extra pytest arguments
#   KEEP_WORK=1                    keep the temp dir (data, mail, logs) even on success
#   INTEROP_NO_SMTP=1              don't start the sink; read foxden's <data>/outbox instead
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
BIN="${1:-$ROOT/target/release/foxden}"
PYTHON="${PYTHON:-python3}"
CACHE="${INTEROP_CACHE:-$HERE}"
read -r -a VERSIONS <<<"${PYFXA_VERSIONS:-0.8.2 0.9.0 0.7.9}"
read -r -a EXTRA_PYTEST <<<"${PYTEST_ARGS:-}"

if [[ ! -x "$BIN" ]]; then
    echo "run.sh: foxden binary not found or not executable: $BIN" >&2
    exit 2
fi
BIN="$(realpath "$BIN")"

log() { printf '==> %s\n' "$*"; }

# --- venvs (reused; rebuilt when the requirements file changes) ----------------
venv_for() {
    local ver="$1"
    local dir="$CACHE/.venv-${ver//./}"
    local req="$HERE/requirements-$ver.txt"
    [[ -f "$req" ]] || { echo "run.sh: missing $req" >&2; return 1; }
    if [[ ! -x "$dir/bin/python" ]] || ! cmp -s "$req" "$dir/.requirements.txt"; then
        log "creating venv $dir for PyFxA $ver" >&2
        rm -rf "$dir"
        "$PYTHON" -m venv "$dir" >&2
        "$dir/bin/python" -m pip install -q --disable-pip-version-check -r "$req" >&2
        cp "$req" "$dir/.requirements.txt"
    fi
    printf '%s\n' "$dir"
}

declare -A VENV
for ver in "${VERSIONS[@]}"; do
    VENV[$ver]="$(venv_for "$ver")"
done
HELPER_PY="${VENV[${VERSIONS[0]}]}/bin/python"   # has aiosmtpd and requests

# --- temp workspace and cleanup -------------------------------------------------
WORK="$(mktemp -d "${TMPDIR:-/tmp}/foxden-interop.XXXXXX")"
DATA="$WORK/data"
MAIL="$WORK/mail"
mkdir -p "$DATA" "$MAIL"
SINK_PID=""
FOXDEN_PID=""
STATUS=1

stop_pid() {
    local pid="$1" name="$2"
    [[ -n "$pid" ]] || return 0
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            echo "run.sh: $name ($pid) ignored SIGTERM, sending SIGKILL" >&2
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_pid "$FOXDEN_PID" foxden
    stop_pid "$SINK_PID" smtp_sink
    if [[ "$STATUS" -ne 0 || "$rc" -ne 0 ]]; then
        if [[ -s "$WORK/foxden.log" ]]; then
            echo "---- last 60 lines of $WORK/foxden.log ----" >&2
            tail -n 60 "$WORK/foxden.log" | sed 's/\x1b\[[0-9;]*m//g' >&2 || true
        fi
        echo "run.sh: kept $WORK (data, mail, logs) for inspection" >&2
    elif [[ -n "${KEEP_WORK:-}" ]]; then
        echo "run.sh: kept $WORK"
    else
        rm -rf "$WORK"
    fi
    [[ "$rc" -ne 0 ]] && exit "$rc"
    exit "$STATUS"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- ports -----------------------------------------------------------------------
read -r HTTP_PORT SMTP_PORT < <("$HELPER_PY" -c '
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])
for s in socks:
    s.close()
')

# --- SMTP sink ---------------------------------------------------------------------
if [[ -z "${INTEROP_NO_SMTP:-}" ]]; then
    log "starting SMTP sink on 127.0.0.1:$SMTP_PORT (mail dir $MAIL)"
    "$HELPER_PY" "$HERE/smtp_sink.py" --port "$SMTP_PORT" --ready-file "$WORK/sink.ready" "$MAIL" \
        >"$WORK/sink.log" 2>&1 &
    SINK_PID=$!
    for _ in $(seq 100); do
        [[ -f "$WORK/sink.ready" ]] && break
        kill -0 "$SINK_PID" 2>/dev/null || break
        sleep 0.1
    done
    if [[ ! -f "$WORK/sink.ready" ]]; then
        echo "run.sh: SMTP sink did not come up:" >&2
        cat "$WORK/sink.log" >&2
        exit 1
    fi
    SMTP_ENV=("FOXDEN_SMTP_URL=smtp://127.0.0.1:$SMTP_PORT")
else
    MAIL="$DATA/outbox"
    SMTP_ENV=()
fi

# --- an OAuth client for test_interop_oauth.py, registered as an operator does ----------
CLIENT_OUT="$(
    cd "$WORK"
    env -u FOXDEN_DATABASE_URL -u FOXDEN_CONFIG FOXDEN_DATA_DIR="$DATA" \
        "$BIN" client add --name "Interop RP" --redirect-uri https://rp.example/cb --trusted
)"
OAUTH_CLIENT_ID="$(sed -n 's/^client_id: *//p' <<<"$CLIENT_OUT")"
OAUTH_CLIENT_SECRET="$(sed -n 's/^client_secret: *//p' <<<"$CLIENT_OUT")"
if [[ -z "$OAUTH_CLIENT_ID" || -z "$OAUTH_CLIENT_SECRET" ]]; then
    echo "run.sh: foxden client add printed no client_id/client_secret:" >&2
    echo "$CLIENT_OUT" >&2
    exit 1
fi
log "registered OAuth client $OAUTH_CLIENT_ID"

# --- foxden ----------------------------------------------------------------------------
log "starting $BIN serve on 127.0.0.1:$HTTP_PORT (data dir $DATA)"
(
    cd "$WORK"   # so no stray foxden.toml is picked up
    exec env -u FOXDEN_DATABASE_URL -u FOXDEN_SMTP_URL -u FOXDEN_CONFIG \
        FOXDEN_LISTEN="127.0.0.1:$HTTP_PORT" \
        FOXDEN_PUBLIC_URL="http://127.0.0.1:$HTTP_PORT" \
        FOXDEN_DATA_DIR="$DATA" \
        FOXDEN_SIGNIN_CONFIRM_FORCE_EMAIL='^confirm-[0-9a-f]+@example\.com$' \
        FOXDEN_TRUSTED_PROXIES=127.0.0.1 \
        ${SMTP_ENV[@]+"${SMTP_ENV[@]}"} \
        RUST_BACKTRACE=1 \
        "$BIN" serve
) >"$WORK/foxden.log" 2>&1 &
FOXDEN_PID=$!

HEARTBEAT=""
deadline=$((SECONDS + 30))
while ((SECONDS < deadline)); do
    if ! kill -0 "$FOXDEN_PID" 2>/dev/null; then
        echo "run.sh: foxden exited during startup" >&2
        exit 1
    fi
    for path in /__lbheartbeat__ /v1/__lbheartbeat__; do
        code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$HTTP_PORT$path" || true)"
        if [[ "$code" == "200" ]]; then
            HEARTBEAT="$path"
            break 2
        fi
    done
    sleep 0.2
done
if [[ -z "$HEARTBEAT" ]]; then
    echo "run.sh: foxden did not answer 200 on /__lbheartbeat__ within 30 s" >&2
    exit 1
fi
log "foxden is up ($HEARTBEAT answered 200)"

# --- pytest per PyFxA version -------------------------------------------------------
# The test files for a PyFxA version: 0.7.* is the last with Session.get_identity_assertion,
# so it runs only the BrowserID assertion tests; 0.8+ (Hawk, then Bearer) runs the rest.
tests_for() {
    case "$1" in
        0.7.*) printf '%s\n' "$HERE/test_interop_assertion.py" ;;
        *) printf '%s\n' "$HERE/test_interop.py" "$HERE/test_interop_oauth.py" \
            "$HERE/test_interop_devices.py" ;;
    esac
}

STATUS=0
SUMMARY=()
for ver in "${VERSIONS[@]}"; do
    mapfile -t TESTS < <(tests_for "$ver")
    log "pytest with PyFxA $ver: ${TESTS[*]##*/}"
    if (
        cd "$HERE"
        FOXDEN_URL="http://127.0.0.1:$HTTP_PORT/v1" FOXDEN_MAIL_DIR="$MAIL" \
            FOXDEN_OAUTH_CLIENT_ID="$OAUTH_CLIENT_ID" FOXDEN_OAUTH_CLIENT_SECRET="$OAUTH_CLIENT_SECRET" \
            "${VENV[$ver]}/bin/python" -m pytest "${TESTS[@]}" \
            -p no:cacheprovider -v -rfEs --tb=short \
            --junitxml="$WORK/junit-$ver.xml" \
            ${EXTRA_PYTEST[@]+"${EXTRA_PYTEST[@]}"}
    ); then
        SUMMARY+=("PyFxA $ver: passed")
    else
        SUMMARY+=("PyFxA $ver: FAILED")
        STATUS=1
    fi
done

echo
for line in "${SUMMARY[@]}"; do log "$line"; done
if ! kill -0 "$FOXDEN_PID" 2>/dev/null; then
    echo "run.sh: foxden died during the tests" >&2
    STATUS=1
fi
exit "$STATUS"
