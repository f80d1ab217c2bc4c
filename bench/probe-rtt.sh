#!/usr/bin/env bash
# bench/probe-rtt.sh — TCP heartbeat RTT of `tether probe` versus a minimal C
# ping-pong client, both against the same `tether echo` responder.
#
# What is measured
#   One `tether echo --listen 127.0.0.1:0` process (release build) is started
#   and serves every measurement. Then, for ROUNDS rounds, interleaved:
#     1. bench/pingpong.c (cc -O2): one TCP connection with TCP_NODELAY,
#        COUNT x { clock_gettime(MONOTONIC); write "PING\n"; blocking read()
#        until the line "PONG\n"; clock_gettime } with pings INTERVAL apart.
#        This is the floor: the loopback + kernel + responder cost, with the
#        least possible client overhead.
#     2. tether probe tcp://127.0.0.1:PORT --count COUNT --interval INTERVAL
#        --timeout 1s --json: the same bytes ("PING\n" -> "PONG\n"), the same
#        pacing, one connection; its RTTs are the ones tether itself measures
#        and reports (.summary.rtt_seconds in its JSON).
#   Each side's p50/p90 is taken per round; the table shows the median over
#   rounds for each side. The ratio is median(probe p50) / median(C p50),
#   i.e. how much latency tether's own client path (SwiftNIO event loop,
#   framing, matching, timestamping) adds on top of the raw round trip.
#   Connection setup is not part of either number; every heartbeat counts
#   (no warm-up is discarded on either side).
#
# Fairness: both clients run the same way — unpinned by default; with
#   BENCH_CLIENT_CPUS=LIST both run under `taskset -c LIST`. The responder can
#   be pinned separately with BENCH_ECHO_CPUS=LIST. Both clients use the same
#   responder process, the same interval and the same count.
#
# Pass/fail: exits 1 (and says FAIL) if the ratio is above BENCH_MAX_RATIO
#   (default 1.5); exits 0 otherwise. Any error (build, echo did not start,
#   a lost heartbeat, a client failure, bad output) exits 2.
#
# Usage: bench/probe-rtt.sh
# Environment (all optional):
#   TETHER_BIN         use this tether binary instead of building one
#                      (default: swift build -c release --product tether)
#   CC                 C compiler (default: cc)
#   BENCH_ROUNDS       rounds (default 3)
#   BENCH_COUNT        heartbeats per run (default 2000)
#   BENCH_INTERVAL_US  interval between heartbeats in µs (default 1000)
#   BENCH_MAX_RATIO    pass threshold for probe_p50 / c_p50 (default 1.5)
#   BENCH_CLIENT_CPUS  pin both clients with taskset -c (default: unpinned)
#   BENCH_ECHO_CPUS    pin the echo responder with taskset -c (default: unpinned)
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$BENCH_DIR/.." && pwd)"
OUT_DIR="$BENCH_DIR/out"

ROUNDS="${BENCH_ROUNDS:-3}"
COUNT="${BENCH_COUNT:-2000}"
INTERVAL_US="${BENCH_INTERVAL_US:-1000}"
MAX_RATIO="${BENCH_MAX_RATIO:-1.5}"
CC="${CC:-cc}"

for v in ROUNDS COUNT INTERVAL_US; do
    if ! [[ "${!v}" =~ ^[0-9]+$ ]] || [[ "${!v}" -lt 1 ]]; then
        echo "probe-rtt: BENCH_$v must be a positive integer (got '${!v}')" >&2
        exit 2
    fi
done

# Same interval for both clients; tether takes Prometheus-style durations.
if (( INTERVAL_US % 1000 == 0 )); then
    PROBE_INTERVAL="$(( INTERVAL_US / 1000 ))ms"
else
    PROBE_INTERVAL="${INTERVAL_US}us"
fi

CLIENT_PIN=()
if [[ -n "${BENCH_CLIENT_CPUS:-}" ]]; then
    CLIENT_PIN=(taskset -c "$BENCH_CLIENT_CPUS")
fi
ECHO_PIN=()
if [[ -n "${BENCH_ECHO_CPUS:-}" ]]; then
    ECHO_PIN=(taskset -c "$BENCH_ECHO_CPUS")
fi

mkdir -p "$OUT_DIR"

# --- build ------------------------------------------------------------------
if [[ -n "${TETHER_BIN:-}" ]]; then
    TETHER="$TETHER_BIN"
else
    echo "== building tether (release)" >&2
    if ! (cd "$REPO_ROOT" && swift build -c release --product tether >&2); then
        echo "probe-rtt: swift build -c release --product tether failed" >&2
        exit 2
    fi
    TETHER="$(cd "$REPO_ROOT" && swift build -c release --show-bin-path)/tether"
fi
if [[ ! -x "$TETHER" ]]; then
    echo "probe-rtt: tether binary not found or not executable: $TETHER" >&2
    exit 2
fi

echo "== compiling bench/pingpong.c" >&2
PINGPONG="$OUT_DIR/pingpong"
if ! "$CC" -O2 -Wall -Wextra -o "$PINGPONG" "$BENCH_DIR/pingpong.c"; then
    echo "probe-rtt: compiling bench/pingpong.c failed" >&2
    exit 2
fi

# --- responder --------------------------------------------------------------
WORK="$(mktemp -d "$OUT_DIR/run.XXXXXX")"
ECHO_PID=""
cleanup() {
    if [[ -n "$ECHO_PID" ]] && kill -0 "$ECHO_PID" 2>/dev/null; then
        kill -TERM "$ECHO_PID" 2>/dev/null || true
        # give it a moment to exit on SIGTERM, then insist
        for _ in $(seq 1 50); do
            kill -0 "$ECHO_PID" 2>/dev/null || break
            sleep 0.02
        done
        kill -KILL "$ECHO_PID" 2>/dev/null || true
        wait "$ECHO_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "== starting tether echo" >&2
: >"$WORK/echo.out"
"${ECHO_PIN[@]}" "$TETHER" echo --listen 127.0.0.1:0 >"$WORK/echo.out" 2>"$WORK/echo.err" &
ECHO_PID=$!

# Wait for the "listening" line (poll the file; bail out if echo died or
# after 10 s).
PORT=""
deadline=$(( SECONDS + 10 ))
while [[ -z "$PORT" ]]; do
    if ! kill -0 "$ECHO_PID" 2>/dev/null; then
        echo "probe-rtt: tether echo exited before listening:" >&2
        cat "$WORK/echo.err" >&2 || true
        exit 2
    fi
    if (( SECONDS >= deadline )); then
        echo "probe-rtt: tether echo did not report a listening address within 10 s" >&2
        exit 2
    fi
    # `read` only succeeds once a complete (newline-terminated) line is there.
    if IFS= read -r line <"$WORK/echo.out"; then
        if [[ "$line" =~ ^tether\ echo\ listening\ on\ 127\.0\.0\.1:([0-9]+)$ ]]; then
            PORT="${BASH_REMATCH[1]}"
        else
            echo "probe-rtt: unexpected first line from tether echo: $line" >&2
            exit 2
        fi
    else
        sleep 0.01
    fi
done

# Ready = it answers a real PING. Poll (up to 5 s) with a 1-ping C client.
deadline=$(( SECONDS + 5 ))
until "$PINGPONG" 127.0.0.1 "$PORT" 1 0 >/dev/null 2>&1; do
    if (( SECONDS >= deadline )) || ! kill -0 "$ECHO_PID" 2>/dev/null; then
        echo "probe-rtt: tether echo on 127.0.0.1:$PORT never answered PING with PONG" >&2
        exit 2
    fi
    sleep 0.01
done
echo "== tether echo ready on 127.0.0.1:$PORT (pid $ECHO_PID)" >&2

# --- measure ----------------------------------------------------------------
pin_desc="unpinned"
[[ ${#CLIENT_PIN[@]} -gt 0 ]] && pin_desc="taskset -c $BENCH_CLIENT_CPUS"
echo "== $ROUNDS rounds x $COUNT heartbeats every $PROBE_INTERVAL per client ($pin_desc)" >&2

for round in $(seq 1 "$ROUNDS"); do
    echo "   round $round/$ROUNDS: C pingpong" >&2
    if ! "${CLIENT_PIN[@]}" "$PINGPONG" 127.0.0.1 "$PORT" "$COUNT" "$INTERVAL_US" \
        >"$WORK/c.$round.json"; then
        echo "probe-rtt: C pingpong failed in round $round" >&2
        exit 2
    fi

    echo "   round $round/$ROUNDS: tether probe" >&2
    rc=0
    "${CLIENT_PIN[@]}" "$TETHER" probe "tcp://127.0.0.1:$PORT" \
        --count "$COUNT" --interval "$PROBE_INTERVAL" --timeout 1s --json \
        >"$WORK/probe.$round.json" 2>"$WORK/probe.$round.err" || rc=$?
    if [[ $rc -ne 0 ]]; then
        echo "probe-rtt: tether probe exited $rc in round $round" >&2
        cat "$WORK/probe.$round.err" >&2 || true
        head -c 2000 "$WORK/probe.$round.json" >&2 || true
        exit 2
    fi
done

# --- report -----------------------------------------------------------------
python3 - "$WORK" "$ROUNDS" "$COUNT" "$MAX_RATIO" "$PORT" "$PROBE_INTERVAL" "$pin_desc" <<'PY'
import json, statistics, sys

def fail(msg):  # data errors exit 2; 1 is reserved for "ratio too high"
    print(msg, file=sys.stderr)
    sys.exit(2)

work, rounds, count, max_ratio, port, interval, pin = sys.argv[1:8]
rounds, count, max_ratio = int(rounds), int(count), float(max_ratio)

c_rows, p_rows = [], []
for r in range(1, rounds + 1):
    with open(f"{work}/c.{r}.json") as f:
        c = json.load(f)
    if c.get("count") != count:
        fail(f"probe-rtt: C client round {r}: count {c.get('count')} != {count}")
    c_rows.append((c["p50_us"], c["p90_us"], c["p99_us"]))

    with open(f"{work}/probe.{r}.json") as f:
        p = json.load(f)
    s = p["summary"]
    if s["sent"] != count or s["answered"] != count:
        fail(f"probe-rtt: tether probe round {r}: sent {s['sent']}, "
                 f"answered {s['answered']}, expected {count} each")
    rtt = s["rtt_seconds"]
    p_rows.append((rtt["p50"] * 1e6, rtt["p90"] * 1e6, rtt["p99"] * 1e6))

def med(rows, i):
    return statistics.median(row[i] for row in rows)

c50, c90, c99 = med(c_rows, 0), med(c_rows, 1), med(c_rows, 2)
p50, p90, p99 = med(p_rows, 0), med(p_rows, 1), med(p_rows, 2)
ratio = p50 / c50

print(f"tether probe vs C ping-pong, TCP on 127.0.0.1:{port} (tether echo), "
      f"{rounds} rounds x {count} heartbeats every {interval}, clients {pin}")
print()
print("per round (µs)          p50       p90       p99")
for r in range(rounds):
    print(f"  {r+1:>2} C pingpong  {c_rows[r][0]:>9.1f} {c_rows[r][1]:>9.1f} {c_rows[r][2]:>9.1f}")
    print(f"  {r+1:>2} tether probe{p_rows[r][0]:>9.1f} {p_rows[r][1]:>9.1f} {p_rows[r][2]:>9.1f}")
print()
print(f"median over rounds (µs)   p50       p90       p99")
print(f"  C pingpong           {c50:>9.1f} {c90:>9.1f} {c99:>9.1f}")
print(f"  tether probe         {p50:>9.1f} {p90:>9.1f} {p99:>9.1f}")
print()
print(f"ratio probe_p50 / c_p50 = {ratio:.2f}  (limit {max_ratio:.2f})")
if ratio > max_ratio:
    print(f"FAIL: tether probe p50 is {ratio:.3f}x the C client's p50 (limit {max_ratio:.2f})")
    sys.exit(1)
print("PASS")
PY
