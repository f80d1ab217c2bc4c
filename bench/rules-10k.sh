#!/usr/bin/env bash
# bench/rules-10k.sh — 100 alerting and recording rules evaluated by `tether run` over 10,000
# targets' series: how long each evaluation round takes against the evaluation interval, and
# what the rules cost in CPU and memory next to the same agent without rules. One run, one table.
#
# What is measured
#   0. Responders and configs as bench/agent-10k.sh makes them (bench/lib10k.sh,
#      bench/agent10k.py gen-config): BENCH_ECHO_PROCS `tether echo` processes on
#      127.0.0.2-127.0.0.5, BENCH_TARGETS tcp:// targets with team/region/env labels; the last
#      BENCH_DEAD of them point at a closed port, so that some alerts fire.
#      bench/rules100.py writes the 100 rules (8 groups).
#   1. Two `tether run` side by side on the same targets, started together: one with
#      rule_files (the 100 rules) and global.evaluation_interval BENCH_EVAL_INTERVAL (15s), one
#      without rules. Heartbeats every BENCH_INTERVAL (5s: rule cost depends on the number of
#      series, not on the heartbeat rate, and two agents at 1s would take most of this 2-CPU
#      machine). With BENCH_PROMETHEUS=1, Prometheus also scrapes the agent without rules every
#      evaluation interval and evaluates the same rule file, as a reference. Off by default: at
#      10,000 targets (400,000 series a scrape) it takes a whole CPU and 3 GB here, and starves
#      the agent being measured.
#   2. From the start, /api/v1/rules of the rules agent (and of Prometheus) is polled every 3 s;
#      each evaluation round's group durations (evaluationTime) and per-rule durations are kept.
#   3. BENCH_WARMUP_SECONDS (300) after the agents started, so that 5m ranges are full, a
#      window of BENCH_WINDOW_SECONDS (120): CPU (utime+stime) and VmRSS of both agents; GET
#      /metrics of the rules agent once per evaluation interval, reading every group's
#      tether_rule_group_last_duration_seconds (the agent without rules gets the same GETs from
#      this script, or from Prometheus with BENCH_PROMETHEUS=1).
#   4. The table: sum of the groups' durations per round (median and max; all rounds after the
#      first, and the rounds in the window), its ratio to the interval, CPU and RSS with rules vs
#      without, the slowest rules, and Prometheus' figures.
#
# Pass/fail: exits 1 (FAIL) if the window's median round is above BENCH_MAX_RATIO (0.2) x the
#   evaluation interval, 0 if not; 2 on an error (build, a process that does not start).
#
# Usage: bench/rules-10k.sh
# Environment (all optional):
#   TETHER_BIN             use this tether binary instead of building one
#   BENCH_PROMETHEUS=1     run Prometheus as a reference (default 0); PROMETHEUS_BIN (prometheus)
#   BENCH_TARGETS          targets (default 10000), BENCH_DEAD of them down (default 10)
#   BENCH_INTERVAL         heartbeat interval (default 5s)
#   BENCH_EVAL_INTERVAL    global.evaluation_interval, whole seconds (default 15s)
#   BENCH_MAX_CONNECTS     global.max_concurrent_connects (default 512)
#   BENCH_ECHO_PROCS, BENCH_PORTS_PER_IP                  (2, 2)
#   BENCH_WARMUP_SECONDS, BENCH_WINDOW_SECONDS            (300, 120)
#   BENCH_MAX_RATIO        goal for median round / interval (default 0.2)
#   BENCH_KEEP=1           keep the work directory (configs, logs, JSON) under bench/out/
set -euo pipefail

BENCH_NAME=rules-10k
# shellcheck source=bench/lib10k.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib10k.sh"
RULES_PY="$BENCH_DIR/rules10k.py"

TARGETS="${BENCH_TARGETS:-10000}"
DEAD="${BENCH_DEAD:-10}"
INTERVAL="${BENCH_INTERVAL:-5s}"
EVAL_INTERVAL="${BENCH_EVAL_INTERVAL:-15s}"
MAX_CONNECTS="${BENCH_MAX_CONNECTS:-512}"
ECHO_PROCS="${BENCH_ECHO_PROCS:-2}"
PORTS_PER_IP="${BENCH_PORTS_PER_IP:-2}"
WARMUP_SECONDS="${BENCH_WARMUP_SECONDS:-300}"
WINDOW_SECONDS="${BENCH_WINDOW_SECONDS:-120}"
MAX_RATIO="${BENCH_MAX_RATIO:-0.2}"
USE_PROMETHEUS="${BENCH_PROMETHEUS:-0}"
PROMETHEUS="${PROMETHEUS_BIN:-prometheus}"

for v in TARGETS MAX_CONNECTS ECHO_PROCS PORTS_PER_IP WARMUP_SECONDS WINDOW_SECONDS; do
    if ! [[ "${!v}" =~ ^[0-9]+$ ]] || [[ "${!v}" -lt 1 ]]; then
        echo "rules-10k: BENCH_$v must be a positive integer (got '${!v}')" >&2
        exit 2
    fi
done
if ! [[ "$DEAD" =~ ^[0-9]+$ ]] || ((DEAD >= TARGETS)); then
    echo "rules-10k: BENCH_DEAD must be a number below BENCH_TARGETS (got '$DEAD')" >&2
    exit 2
fi
if ! [[ "$INTERVAL" =~ ^[0-9]+(ms|s)$ ]]; then
    echo "rules-10k: BENCH_INTERVAL must be like 5s or 500ms (got '$INTERVAL')" >&2
    exit 2
fi
if ! [[ "$EVAL_INTERVAL" =~ ^([0-9]+)s$ ]] || ((BASH_REMATCH[1] < 1)); then
    echo "rules-10k: BENCH_EVAL_INTERVAL must be whole seconds like 15s (got '$EVAL_INTERVAL')" >&2
    exit 2
fi
EVAL_SECONDS="${BASH_REMATCH[1]}"
tools=(python3 curl)
if [[ "$USE_PROMETHEUS" == 1 ]]; then tools+=("$PROMETHEUS"); fi
for tool in "${tools[@]}"; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "rules-10k: $tool not found (Prometheus: apt-get install -y prometheus)" >&2
        exit 2
    fi
done

# --- 0. build, responders, configs ------------------------------------------------------
build_tether
setup_work
start_echo "$ECHO_PROCS" "$PORTS_PER_IP" 0
echo "   ${#ALL_ADDRS[@]} listeners: ${ALL_ADDRS[*]}" >&2

python3 "$BENCH_DIR/rules100.py" "$WORK/rules100.yml"
dead_addr="127.0.0.1:$(helper free-port 127.0.0.1)"   # bound and closed again: refuses
rules_port="$(helper free-port 127.0.0.1)"
base_port="$(helper free-port 127.0.0.1)"
RULES_URL="http://127.0.0.1:$rules_port"
BASE_URL="http://127.0.0.1:$base_port"
common=(--targets "$TARGETS" --interval "$INTERVAL" --max-connects "$MAX_CONNECTS" "${ALL_ADDRS[@]}"
    --target-labels --dead "$DEAD" --dead-addr "$dead_addr" --evaluation-interval "$EVAL_INTERVAL")
helper gen-config --out "$WORK/rules.yml" --listen "127.0.0.1:$rules_port" "${common[@]}" \
    --rule-files rules100.yml --state-dir "$WORK/state"
helper gen-config --out "$WORK/base.yml" --listen "127.0.0.1:$base_port" "${common[@]}"
if ! "$TETHER" check config "$WORK/rules.yml" >&2; then
    echo "rules-10k: tether check config rejected the generated config" >&2
    exit 2
fi

# --- 1. the two agents (and Prometheus) -------------------------------------------------
echo "== two tether run with $TARGETS targets ($DEAD down), heartbeats every $INTERVAL:" \
    "one with 100 rules every $EVAL_INTERVAL, one without" >&2
START_TIME="$(date +%s.%N)"
"$TETHER" run --config "$WORK/rules.yml" >"$WORK/rules.out" 2>"$WORK/rules.err" &
RULES_PID=$!
PIDS+=("$RULES_PID")
"$TETHER" run --config "$WORK/base.yml" >"$WORK/base.out" 2>"$WORK/base.err" &
BASE_PID=$!
PIDS+=("$BASE_PID")
for name in rules base; do
    pid_var="${name^^}_PID"
    url_var="${name^^}_URL"
    if ! wait_http "${!url_var}/-/healthy" "${!pid_var}" "tether run ($name)"; then
        echo "rules-10k: tether run ($name) exited:" >&2
        tail -n 5 "$WORK/$name.err" >&2
        exit 2
    fi
done

PROM_PID=0
PROM_URL=""
if [[ "$USE_PROMETHEUS" == 1 ]]; then
    prom_port="$(helper free-port 127.0.0.1)"
    PROM_URL="http://127.0.0.1:$prom_port"
    python3 "$RULES_PY" prometheus-config --out "$WORK/prometheus.yml" --scrape "127.0.0.1:$base_port" \
        --interval "$EVAL_INTERVAL" --rules "$WORK/rules100.yml"
    echo "== Prometheus on $PROM_URL: scrapes the agent without rules, same rule file" >&2
    "$PROMETHEUS" --config.file="$WORK/prometheus.yml" --web.listen-address="127.0.0.1:$prom_port" \
        --storage.tsdb.path="$WORK/prometheus-data" --storage.tsdb.retention.time=1h \
        --log.level=warn >"$WORK/prometheus.out" 2>"$WORK/prometheus.err" &
    PROM_PID=$!
    PIDS+=("$PROM_PID")
    if ! wait_http "$PROM_URL/-/ready" "$PROM_PID" "prometheus"; then
        echo "rules-10k: prometheus exited:" >&2
        tail -n 5 "$WORK/prometheus.err" >&2
        exit 2
    fi
fi

# --- 2. every evaluation round, from the start ------------------------------------------
POLL_SECONDS=$((WARMUP_SECONDS + WINDOW_SECONDS + 30))
python3 "$RULES_PY" poll-rules --url "$RULES_URL/api/v1/rules" --pid "$RULES_PID" \
    --seconds "$POLL_SECONDS" >"$WORK/rounds.jsonl" 2>"$WORK/poll.err" &
PIDS+=("$!")
if [[ "$USE_PROMETHEUS" == 1 ]]; then
    python3 "$RULES_PY" poll-rules --url "$PROM_URL/api/v1/rules" --pid "$PROM_PID" \
        --seconds "$POLL_SECONDS" >"$WORK/prom_rounds.jsonl" 2>"$WORK/prom_poll.err" &
    PIDS+=("$!")
fi

helper wait-up --url "$BASE_URL/metrics" --want "$((TARGETS - DEAD))" --timeout 60 \
    --pid "$BASE_PID" --poll 2 --spawn-time "$START_TIME" >"$WORK/wait_base.json"
helper wait-up --url "$RULES_URL/metrics" --want "$((TARGETS - DEAD))" --timeout 60 \
    --pid "$RULES_PID" --poll 2 --spawn-time "$START_TIME" >"$WORK/wait_rules.json"
for name in base rules; do
    if ! python3 -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["reached"] else 1)' \
        "$WORK/wait_$name.json"; then
        echo "rules-10k: the $name agent's targets did not all come up within 60 s" >&2
        exit 2
    fi
done

# --- 3. warm-up, then the window --------------------------------------------------------
elapsed="$(python3 -c "import time; print(int(time.time() - $START_TIME))")"
while ((elapsed < WARMUP_SECONDS)); do
    rounds=$(wc -l <"$WORK/rounds.jsonl")
    last="$(python3 "$RULES_PY" last-round "$WORK/rounds.jsonl")"
    echo "   warm-up: ${elapsed}/${WARMUP_SECONDS} s, $rounds rounds, last round $last" >&2
    sleep "$(((WARMUP_SECONDS - elapsed) < 30 ? (WARMUP_SECONDS - elapsed) : 30))"
    kill -0 "$RULES_PID" 2>/dev/null || { echo "rules-10k: the rules agent died" >&2; exit 2; }
    kill -0 "$BASE_PID" 2>/dev/null || { echo "rules-10k: the agent without rules died" >&2; exit 2; }
    elapsed="$(python3 -c "import time; print(int(time.time() - $START_TIME))")"
done

echo "== window: $WINDOW_SECONDS s" >&2
WINDOW_START="$(date +%s.%N)"
window_args=(--rules-pid "$RULES_PID" --base-pid "$BASE_PID" --rules-url "$RULES_URL"
    --base-url "$BASE_URL" --seconds "$WINDOW_SECONDS" --every "$EVAL_SECONDS"
    --echo-pids "$(IFS=,; echo "${ECHO_PIDS[*]}")" --rules "$WORK/rules100.yml")
if [[ "$USE_PROMETHEUS" == 1 ]]; then
    window_args+=(--prom-pid "$PROM_PID" --prom-url "$PROM_URL")
else
    window_args+=(--scrape-base)
fi
python3 "$RULES_PY" window "${window_args[@]}" >"$WORK/window.json" &
HELPER_PID=$!
wait "$HELPER_PID"
HELPER_PID=""
WINDOW_END="$(date +%s.%N)"
sleep 3   # the poller's last round

# --- 4. report --------------------------------------------------------------------------
cat >"$WORK/meta.json" <<EOF
{"targets": $TARGETS, "dead": $DEAD, "interval": "$INTERVAL", "eval_interval": "$EVAL_INTERVAL",
 "eval_interval_seconds": $EVAL_SECONDS, "rules": 100, "warmup_seconds": $WARMUP_SECONDS,
 "window_start": $WINDOW_START, "window_end": $WINDOW_END, "max_ratio": $MAX_RATIO}
EOF
# The agent with rules may finish a round before it sees SIGTERM: give it time to stop.
stop_pid "$RULES_PID" 60
python3 "$RULES_PY" report "$WORK"
