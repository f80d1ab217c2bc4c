#!/usr/bin/env bash
# bench/agent-10k.sh — `tether run` with 10,000 tcp:// targets on loopback: time to connect,
# answered heartbeats, RSS per target, CPU per heartbeat against blackbox_exporter's CPU per
# TCP probe, and the latency of GET /metrics. All in one run, printed as one table.
#
# What is measured (in this order, so that no two measured processes compete for the CPUs)
#   0. Responders: BENCH_ECHO_PROCS `tether echo` processes (default 2; one process may hold
#      ~19,000 connections under the 20,000 fd hard limit). The listeners are spread over
#      127.0.0.2-127.0.0.5 with BENCH_PORTS_PER_IP ports (port 0) per address, so no
#      (source, destination) pair runs short of ephemeral ports. The first echo process also
#      listens on 127.0.0.1:0 for blackbox_exporter. Every listener must answer PING.
#   1. Baseline RSS: `tether run` with no targets; if the agent does not stay up with an
#      empty target list, with 1 target (the table says which). VmRSS once it has stopped
#      moving (< 64 KiB over 3 s, with the target answering). Then it is stopped.
#   2. blackbox_exporter (Debian's prometheus-blackbox-exporter), module tcp_ping: tcp prober,
#      preferred_ip_protocol ip4, query_response send "PING" (blackbox appends "\n"),
#      expect ^PONG$, against the first echo process on 127.0.0.1. bench/agent10k.py
#      probe-load drives GET /probe?module=tcp_ping&target=127.0.0.1:PORT open-loop at
#      BENCH_BB_RATE/s (default 500) over BENCH_BB_CONNS keep-alive connections: a 2 s
#      warm-up, then BENCH_BB_SECONDS (default 20) measured. Every measured probe must succeed
#      (probe_success 1). CPU = utime+stime of blackbox_exporter from /proc/PID/stat between
#      the first measured request and the last answer. The driver's own CPU is not counted.
#      blackbox_exporter is then stopped.
#   3. `tether run` with BENCH_TARGETS (default 10,000) targets, interval BENCH_INTERVAL
#      (default 1s), global.max_concurrent_connects BENCH_MAX_CONNECTS (default 512, raised
#      from the default 64 for this benchmark). /metrics is polled once a second until every
#      target has tether_target_up 1 and tether_connection_state{state="connected"} 1; goal:
#      within BENCH_CONNECT_SECONDS (30) of the spawn.
#   4. BENCH_SETTLE_SECONDS (5) later, a steady-state window of BENCH_WINDOW_SECONDS (20):
#      /metrics before and after (sums of answered/missed/late over all targets), CPU of the
#      agent (utime+stime) over the window, VmRSS every second. Goals: no heartbeat missed
#      since the start, answered/s >= 0.99 x targets/interval; RSS per target
#      (rss_end_of_window - rss_baseline) / targets_added <= 8192 B; tether CPU-s per 1000
#      heartbeats <= 0.2 x blackbox CPU-s per 1000 probes.
#   5. BENCH_METRICS_GETS (20) sequential `curl` GETs of /metrics, 0.2 s apart; goal: median
#      time_total <= 250 ms (the max is printed too).
#
# Pass/fail: exits 1 (and says FAIL) if any goal fails, 0 if all pass. An error (build, a
#   process that does not start, a failed blackbox probe, bad output) exits 2.
#
# Usage: bench/agent-10k.sh
# Environment (all optional):
#   TETHER_BIN           use this tether binary instead of building one
#                        (default: swift build -c release --product tether)
#   BLACKBOX_BIN         blackbox_exporter binary (default: prometheus-blackbox-exporter)
#   BENCH_TARGETS        targets (default 10000)
#   BENCH_INTERVAL       heartbeat interval, a tether duration (default 1s)
#   BENCH_MAX_CONNECTS   global.max_concurrent_connects (default 512)
#   BENCH_ECHO_PROCS     tether echo processes (default 2)
#   BENCH_PORTS_PER_IP   echo listeners per address 127.0.0.2-5 (default 2)
#   BENCH_CONNECT_SECONDS, BENCH_SETTLE_SECONDS, BENCH_WINDOW_SECONDS   (30, 5, 20)
#   BENCH_BB_RATE, BENCH_BB_SECONDS, BENCH_BB_CONNS                     (500, 20, 32)
#   BENCH_METRICS_GETS   number of timed GETs of /metrics (default 20)
#   BENCH_KEEP=1         keep the work directory (configs, logs, JSON) under bench/out/
set -euo pipefail

BENCH_NAME=agent-10k
# shellcheck source=bench/lib10k.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib10k.sh"

TARGETS="${BENCH_TARGETS:-10000}"
INTERVAL="${BENCH_INTERVAL:-1s}"
MAX_CONNECTS="${BENCH_MAX_CONNECTS:-512}"
ECHO_PROCS="${BENCH_ECHO_PROCS:-2}"
PORTS_PER_IP="${BENCH_PORTS_PER_IP:-2}"
CONNECT_SECONDS="${BENCH_CONNECT_SECONDS:-30}"
SETTLE_SECONDS="${BENCH_SETTLE_SECONDS:-5}"
WINDOW_SECONDS="${BENCH_WINDOW_SECONDS:-20}"
BB_RATE="${BENCH_BB_RATE:-500}"
BB_SECONDS="${BENCH_BB_SECONDS:-20}"
BB_CONNS="${BENCH_BB_CONNS:-32}"
METRICS_GETS="${BENCH_METRICS_GETS:-20}"
BLACKBOX="${BLACKBOX_BIN:-prometheus-blackbox-exporter}"

for v in TARGETS MAX_CONNECTS ECHO_PROCS PORTS_PER_IP CONNECT_SECONDS SETTLE_SECONDS \
    WINDOW_SECONDS BB_RATE BB_SECONDS BB_CONNS METRICS_GETS; do
    if ! [[ "${!v}" =~ ^[0-9]+$ ]] || [[ "${!v}" -lt 1 ]]; then
        echo "agent-10k: BENCH_$v must be a positive integer (got '${!v}')" >&2
        exit 2
    fi
done
if ! [[ "$INTERVAL" =~ ^([0-9]+)(ms|s)$ ]]; then
    echo "agent-10k: BENCH_INTERVAL must be like 1s or 500ms (got '$INTERVAL')" >&2
    exit 2
fi
if [[ "${BASH_REMATCH[2]}" == "s" ]]; then
    INTERVAL_SECONDS="${BASH_REMATCH[1]}"
else
    INTERVAL_SECONDS="$(python3 -c "print(${BASH_REMATCH[1]} / 1000)")"
fi
for tool in python3 curl "$BLACKBOX"; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "agent-10k: $tool not found (blackbox: apt-get install -y prometheus-blackbox-exporter)" >&2
        exit 2
    fi
done

# --- build ------------------------------------------------------------------------------
build_tether
setup_work

# --- 0. responders ----------------------------------------------------------------------
start_echo "$ECHO_PROCS" "$PORTS_PER_IP" 1
BB_TARGET="${ALL_ADDRS[0]}"
TARGET_ADDRS=("${ALL_ADDRS[@]:1}")
echo "   ${#TARGET_ADDRS[@]} listeners for the agent: ${TARGET_ADDRS[*]}" >&2
echo "   blackbox target: $BB_TARGET" >&2

# start_agent CONFIG NAME: start `tether run`, set AGENT_PID and AGENT_URL.
start_agent() {
    local config="$1" name="$2"
    "$TETHER" run --config "$config" >"$WORK/$name.out" 2>"$WORK/$name.err" &
    AGENT_PID=$!
    PIDS+=("$AGENT_PID")
}

# --- 1. baseline ------------------------------------------------------------------------
BASELINE_TARGETS=0
BASELINE_NOTE="empty target list"
port="$(helper free-port 127.0.0.1)"
helper gen-config --out "$WORK/base0.yml" --listen "127.0.0.1:$port" --targets 0 \
    --interval "$INTERVAL" --max-connects "$MAX_CONNECTS" "${TARGET_ADDRS[@]}"
echo "== baseline: tether run with an empty target list" >&2
start_agent "$WORK/base0.yml" base0
BASE_URL="http://127.0.0.1:$port"
started=1
if ! wait_http "$BASE_URL/-/healthy" "$AGENT_PID" "tether run (baseline)"; then
    started=0
else
    # It must stay up: check that it still runs 2 s later.
    sleep 2
    kill -0 "$AGENT_PID" 2>/dev/null || started=0
fi
if ((started == 0)); then
    wait "$AGENT_PID" 2>/dev/null && rc=0 || rc=$?
    echo "   tether run exited (status $rc) with an empty target list; last log line:" >&2
    tail -n 1 "$WORK/base0.err" | cut -c1-200 >&2
    echo "== baseline: tether run with 1 target instead" >&2
    BASELINE_TARGETS=1
    BASELINE_NOTE="1 target: tether run exits at once with an empty target list (status $rc)"
    port="$(helper free-port 127.0.0.1)"
    helper gen-config --out "$WORK/base1.yml" --listen "127.0.0.1:$port" --targets 1 \
        --interval "$INTERVAL" --max-connects "$MAX_CONNECTS" "${TARGET_ADDRS[@]}"
    start_agent "$WORK/base1.yml" base1
    BASE_URL="http://127.0.0.1:$port"
    if ! wait_http "$BASE_URL/-/healthy" "$AGENT_PID" "tether run (baseline)"; then
        echo "agent-10k: tether run (1 target) exited:" >&2
        tail -n 5 "$WORK/base1.err" >&2
        exit 2
    fi
    helper wait-up --url "$BASE_URL/metrics" --want 1 --timeout 10 --pid "$AGENT_PID" \
        --poll 0.2 >"$WORK/base_wait.json"
    if ! python3 -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["reached"] else 1)' \
        "$WORK/base_wait.json"; then
        echo "agent-10k: the baseline target did not come up within 10 s" >&2
        exit 2
    fi
fi
helper rss-settle --pid "$AGENT_PID" --max 15 >"$WORK/baseline.json"
stop_pid "$AGENT_PID"

# --- 2. blackbox_exporter ---------------------------------------------------------------
cat >"$WORK/blackbox.yml" <<'EOF'
modules:
  tcp_ping:
    prober: tcp
    timeout: 5s
    tcp:
      preferred_ip_protocol: ip4
      query_response:
        - send: "PING"
        - expect: "^PONG$"
EOF
bb_port="$(helper free-port 127.0.0.1)"
echo "== blackbox_exporter on 127.0.0.1:$bb_port: $BB_RATE probes/s for $BB_SECONDS s" >&2
"$BLACKBOX" --config.file="$WORK/blackbox.yml" --web.listen-address="127.0.0.1:$bb_port" \
    >"$WORK/blackbox.out" 2>"$WORK/blackbox.err" &
BB_PID=$!
PIDS+=("$BB_PID")
if ! wait_http "http://127.0.0.1:$bb_port/-/healthy" "$BB_PID" "blackbox_exporter"; then
    echo "agent-10k: blackbox_exporter exited:" >&2
    tail -n 5 "$WORK/blackbox.err" >&2
    exit 2
fi
helper probe-load --url "http://127.0.0.1:$bb_port/probe?module=tcp_ping&target=$BB_TARGET" \
    --pid "$BB_PID" --rate "$BB_RATE" --duration "$BB_SECONDS" --conns "$BB_CONNS" --warmup 2 \
    >"$WORK/blackbox.json"
if ! python3 - "$WORK/blackbox.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
bad = b["requested"] - b["ok"]
print(f"   {b['ok']}/{b['requested']} probes ok, {b['achieved_rate']:.1f}/s, "
      f"{b['cpu_seconds']:.2f} CPU-s", file=sys.stderr)
if bad:
    print(f"agent-10k: {bad} blackbox probes failed; first: {b['first_fail']}", file=sys.stderr)
    sys.exit(1)
PY
then
    exit 2
fi
stop_pid "$BB_PID"

# --- 3. the agent with all targets ------------------------------------------------------
port="$(helper free-port 127.0.0.1)"
AGENT_URL="http://127.0.0.1:$port"
helper gen-config --out "$WORK/agent.yml" --listen "127.0.0.1:$port" --targets "$TARGETS" \
    --interval "$INTERVAL" --max-connects "$MAX_CONNECTS" "${TARGET_ADDRS[@]}"
echo "== tether run: $TARGETS targets, interval $INTERVAL, max_concurrent_connects $MAX_CONNECTS" >&2
SPAWN_TIME="$(date +%s.%N)"
start_agent "$WORK/agent.yml" agent
helper wait-up --url "$AGENT_URL/metrics" --want "$TARGETS" --timeout "$CONNECT_SECONDS" \
    --pid "$AGENT_PID" --poll 1 --spawn-time "$SPAWN_TIME" >"$WORK/wait.json"

# --- 4. steady state --------------------------------------------------------------------
echo "== settling $SETTLE_SECONDS s, then a $WINDOW_SECONDS s steady-state window" >&2
sleep "$SETTLE_SECONDS"
kill -0 "$AGENT_PID" 2>/dev/null || { echo "agent-10k: tether run died" >&2; exit 2; }
helper window --url "$AGENT_URL/metrics" --pid "$AGENT_PID" --seconds "$WINDOW_SECONDS" \
    --other-pids "$(IFS=,; echo "${ECHO_PIDS[*]}")" >"$WORK/window.json"

# --- 5. GET /metrics --------------------------------------------------------------------
echo "== $METRICS_GETS timed GETs of /metrics" >&2
helper metrics-get --url "$AGENT_URL/metrics" --count "$METRICS_GETS" --pause 0.2 \
    --pid "$AGENT_PID" >"$WORK/metrics_get.json"
stop_pid "$AGENT_PID" 15

# --- report -----------------------------------------------------------------------------
cat >"$WORK/meta.json" <<EOF
{"targets": $TARGETS, "interval": "$INTERVAL", "interval_seconds": $INTERVAL_SECONDS,
 "max_connects": $MAX_CONNECTS, "echo_procs": $ECHO_PROCS, "echo_listeners": ${#TARGET_ADDRS[@]},
 "echo_ips": "${ECHO_IPS[0]}-${ECHO_IPS[-1]}", "baseline_targets": $BASELINE_TARGETS,
 "baseline_note": "$BASELINE_NOTE", "bb_rate": $BB_RATE, "bb_target": "$BB_TARGET",
 "goals": {"connect_seconds": $CONNECT_SECONDS, "min_rate_ratio": 0.99,
           "rss_per_target_bytes": 8192, "cpu_ratio": 0.2, "metrics_seconds": 0.25}}
EOF
helper report "$WORK"
