# bench/lib10k.sh — shared by bench/agent-10k.sh and bench/rules-10k.sh (sourced, not run).
#
# Before sourcing, set BENCH_NAME (the prefix of error messages) and have `set -euo pipefail`.
# Provides:
#   build_tether                  sets TETHER: $TETHER_BIN, or `swift build -c release --product tether`
#   setup_work                    makes WORK (a fresh directory under bench/out) and installs the
#                                 EXIT/INT/TERM traps that stop every process in PIDS
#   helper ARGS...                runs bench/agent10k.py ARGS in the background and waits for it
#   stop_pid PID [SECONDS]        SIGTERM, wait up to SECONDS (default 10), then SIGKILL
#   wait_lines FILE N PID WHAT    until FILE has N lines (10 s; PID must live)
#   wait_http URL PID WHAT        until URL answers 200 (15 s; returns 1 if PID exits)
#   start_echo NPROCS PORTS_PER_IP WITH_LOCAL
#                                 NPROCS `tether echo` processes listening on 127.0.0.2-127.0.0.5
#                                 (PORTS_PER_IP ports each); with WITH_LOCAL=1 the first one also
#                                 listens on 127.0.0.1:0 first. Sets ECHO_PIDS and ALL_ADDRS (every
#                                 listener, in order); checks that each one answers PING.

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$BENCH_DIR/.." && pwd)"
OUT_DIR="$BENCH_DIR/out"
HELPER_PY="$BENCH_DIR/agent10k.py"
ECHO_IPS=(127.0.0.2 127.0.0.3 127.0.0.4 127.0.0.5)
PIDS=()      # every process the script started
HELPER_PID=""

build_tether() {
    if [[ -n "${TETHER_BIN:-}" ]]; then
        TETHER="$TETHER_BIN"
    else
        echo "== building tether (release)" >&2
        if ! (cd "$REPO_ROOT" && swift build -c release --product tether >&2); then
            echo "$BENCH_NAME: swift build -c release --product tether failed" >&2
            exit 2
        fi
        TETHER="$(cd "$REPO_ROOT" && swift build -c release --show-bin-path)/tether"
    fi
    if [[ ! -x "$TETHER" ]]; then
        echo "$BENCH_NAME: tether binary not found or not executable: $TETHER" >&2
        exit 2
    fi
}

# helper ARGS...: run bench/agent10k.py ARGS in the background and wait for it, so that a
# SIGINT/SIGTERM to this script is handled at once (bash defers traps while a foreground
# child runs) and the helper is stopped by cleanup too.
helper() {
    python3 "$HELPER_PY" "$@" &
    HELPER_PID=$!
    local rc=0
    wait "$HELPER_PID" || rc=$?
    HELPER_PID=""
    return "$rc"
}

# stop_pid PID [SECONDS]: SIGTERM, wait up to SECONDS (default 10) polling, then SIGKILL.
stop_pid() {
    local pid="$1" limit="${2:-10}" i
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < limit * 50; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.02
        done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local pid
    trap - EXIT INT TERM
    if [[ -n "$HELPER_PID" ]]; then
        stop_pid "$HELPER_PID" 2
    fi
    for pid in "${PIDS[@]}"; do
        stop_pid "$pid" 5
    done
    if [[ "${BENCH_KEEP:-0}" == 1 ]]; then
        echo "== kept $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}

setup_work() {
    mkdir -p "$OUT_DIR"
    WORK="$(mktemp -d "$OUT_DIR/$BENCH_NAME.XXXXXX")"
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

# wait_lines FILE N PID WHAT: poll until FILE has N complete lines (10 s, PID must live).
wait_lines() {
    local file="$1" want="$2" pid="$3" what="$4" deadline=$((SECONDS + 10))
    while (($(wc -l <"$file") < want)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "$BENCH_NAME: $what exited before it was ready:" >&2
            cat "${file%.out}.err" >&2 || true
            exit 2
        fi
        if ((SECONDS >= deadline)); then
            echo "$BENCH_NAME: $what not ready within 10 s" >&2
            exit 2
        fi
        sleep 0.05
    done
}

# wait_http URL PID WHAT: poll until URL answers 200 (15 s, PID must live).
wait_http() {
    local url="$1" pid="$2" what="$3" deadline=$((SECONDS + 15))
    until [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" || true)" == 200 ]]; do
        if ! kill -0 "$pid" 2>/dev/null; then
            return 1
        fi
        if ((SECONDS >= deadline)); then
            echo "$BENCH_NAME: $what did not answer $url within 15 s" >&2
            exit 2
        fi
        sleep 0.1
    done
}

start_echo() {
    local nprocs="$1" ports_per_ip="$2" with_local="$3" p i k nlisten pid args outs=()
    echo "== starting $nprocs tether echo processes" >&2
    ECHO_PIDS=()
    for ((p = 0; p < nprocs; p++)); do
        args=()
        nlisten=0
        if ((p == 0 && with_local == 1)); then
            args+=(--listen 127.0.0.1:0)   # blackbox_exporter's target: the first listener
            nlisten=1
        fi
        for ((i = p; i < ${#ECHO_IPS[@]}; i += nprocs)); do
            for ((k = 0; k < ports_per_ip; k++)); do
                args+=(--listen "${ECHO_IPS[$i]}:0")
                nlisten=$((nlisten + 1))
            done
        done
        if ((nlisten == (p == 0 ? with_local : 0))); then
            echo "$BENCH_NAME: BENCH_ECHO_PROCS=$nprocs is more than the ${#ECHO_IPS[@]} addresses" >&2
            exit 2
        fi
        "$TETHER" echo "${args[@]}" >"$WORK/echo$p.out" 2>"$WORK/echo$p.err" &
        pid=$!
        PIDS+=("$pid")
        ECHO_PIDS+=("$pid")
        wait_lines "$WORK/echo$p.out" "$nlisten" "$pid" "tether echo #$p"
        outs+=("$WORK/echo$p.out")
    done
    read -r -a ALL_ADDRS <<<"$(helper echo-addrs "${outs[@]}")"
    helper ping "${ALL_ADDRS[@]}"
}
