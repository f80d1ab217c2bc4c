#!/usr/bin/env python3
"""Writes the 100 rules of bench/rules-10k.sh: one Prometheus rule file, 8 groups.

Usage: bench/rules100.py OUT.yml

The rules are what an operator would write over tether's per-target metrics: alerts on
availability, missed heartbeats, RTT quantiles, reconnects and backoff; fleet aggregations by the
targets' team/region/env labels (bench/agent10k.py gen-config --target-labels); topk/bottomk;
regex matchers; absent(); recording rules that alerting rules then read. Every selector names its
metric, so tether samples only the families listed here. The longest range is 10m.

The same file is loaded by tether and, as a reference, by Prometheus scraping a tether: the
expressions avoid matching on labels that only one of them has (Prometheus adds job and
instance), so both select and aggregate the same series.
"""
import sys

UP = "tether_target_up"
STATE = "tether_connection_state"
BUCKET = "tether_heartbeat_rtt_seconds_bucket"
RTT_SUM = "tether_heartbeat_rtt_seconds_sum"
RTT_COUNT = "tether_heartbeat_rtt_seconds_count"
LAST_RTT = "tether_heartbeat_last_rtt_seconds"
SENT = "tether_heartbeats_sent_total"
ANSWERED = "tether_heartbeats_answered_total"
MISSED = "tether_heartbeats_missed_total"
LATE = "tether_heartbeats_late_total"
UNMATCHED = "tether_heartbeat_answers_unmatched_total"
CONSECUTIVE = "tether_heartbeats_consecutive_missed"
LAST_ANSWER = "tether_last_answer_timestamp_seconds"
CONNECTS = "tether_connects_total"
DISCONNECTS = "tether_disconnects_total"
ESTABLISHED = "tether_connection_established_timestamp_seconds"
BACKOFF = "tether_reconnect_backoff_seconds"
FAILURES = "tether_connect_failures_consecutive"


def alert(name, expr, for_=None, severity="warning", summary=None):
    r = {"alert": name, "expr": expr}
    if for_:
        r["for"] = for_
    r["labels"] = {"severity": severity}
    r["annotations"] = {"summary": summary or f"{name} on {{{{ $labels.target }}}}"}
    return r


def record(name, expr):
    return {"record": name, "expr": expr}


GROUPS = [
    ("availability", [
        alert("TargetDown", f"{UP} == 0", "1m"),
        alert("TargetDownCritical", f"{UP} == 0", "5m", "critical"),
        alert("TargetFlapping", f"changes({UP}[10m]) > 4"),
        alert("TargetNotConnected", f'{STATE}{{state="connected"}} == 0', "2m"),
        alert("TargetInBackoff", f'{STATE}{{state="backoff"}} == 1', "1m"),
        alert("TargetStuckConnecting", f'{STATE}{{state="connecting"}} == 1', "1m"),
        alert("TargetDownProd", f'{UP}{{env="prod"}} == 0', "30s", "critical"),
        alert("TargetMostlyDown", f"avg_over_time({UP}[5m]) < 0.5"),
        alert("TargetUnstable", f"min_over_time({UP}[5m]) == 0 and {UP} == 1", "2m"),
        alert("TargetNeverUp", f"max_over_time({UP}[10m]) == 0", "5m", "critical"),
    ]),
    ("heartbeats", [
        alert("HeartbeatsMissing", f"rate({MISSED}[1m]) > 0"),
        alert("HeartbeatMissRatioHigh", f"rate({MISSED}[5m]) / rate({SENT}[5m]) > 0.05", "2m"),
        alert("HeartbeatsConsecutiveMissed", f"{CONSECUTIVE} >= 3"),
        alert("HeartbeatsConsecutiveMissedMany", f"max_over_time({CONSECUTIVE}[5m]) >= 10", None, "critical"),
        alert("HeartbeatAnswersLate", f"increase({LATE}[5m]) > 0"),
        alert("HeartbeatAnswersUnmatched", f"increase({UNMATCHED}[10m]) > 10"),
        alert("HeartbeatNoAnswer", f"time() - {LAST_ANSWER} > 60 and {UP} == 1"),
        alert("HeartbeatsStalled", f"increase({SENT}[2m]) == 0 and {UP} == 1", "1m"),
        alert("HeartbeatRateDropped", f"irate({ANSWERED}[1m]) < 0.5 * rate({ANSWERED}[5m])", "2m"),
        alert("HeartbeatCountersReset", f"resets({SENT}[10m]) > 0", None, "info"),
        alert("HeartbeatAnswerDeficit", f"delta({SENT}[5m]) - delta({ANSWERED}[5m]) > 5"),
        record("target:tether_heartbeats_missed:rate5m", f"rate({MISSED}[5m])"),
        record("target:tether_heartbeats_sent:rate5m", f"rate({SENT}[5m])"),
    ]),
    ("latency", [
        record("target:tether_heartbeat_rtt_seconds:p99_5m",
               f"histogram_quantile(0.99, sum by (target, le) (rate({BUCKET}[5m])))"),
        record("target:tether_heartbeat_rtt_seconds:p90_5m",
               f"histogram_quantile(0.9, sum by (target, le) (rate({BUCKET}[5m])))"),
        record("target:tether_heartbeat_rtt_seconds:p50_5m",
               f"histogram_quantile(0.5, sum by (target, le) (rate({BUCKET}[5m])))"),
        record("target:tether_heartbeat_rtt_seconds:avg_5m",
               f"rate({RTT_SUM}[5m]) / rate({RTT_COUNT}[5m])"),
        record("team:tether_heartbeat_rtt_seconds:p99_5m",
               f"histogram_quantile(0.99, sum by (team, le) (rate({BUCKET}[5m])))"),
        record("region:tether_heartbeat_rtt_seconds:p99_5m",
               f"histogram_quantile(0.99, sum by (region, le) (rate({BUCKET}[5m])))"),
        alert("HeartbeatRTTHigh", "target:tether_heartbeat_rtt_seconds:p99_5m > 0.1", "5m"),
        alert("HeartbeatRTTMedianHigh", "target:tether_heartbeat_rtt_seconds:p50_5m > 0.025", "10m"),
        alert("HeartbeatRTTInline",
              f"histogram_quantile(0.99, sum by (target, le) (rate({BUCKET}[5m]))) > 0.1", "5m"),
        alert("HeartbeatRTTAverageHigh", "target:tether_heartbeat_rtt_seconds:avg_5m > 0.05"),
        alert("HeartbeatLastRTTHigh", f"{LAST_RTT} > 0.25", "1m"),
        alert("HeartbeatRTTSpike", f"max_over_time({LAST_RTT}[5m]) > 1"),
        alert("HeartbeatRTTRising",
              f"avg_over_time({LAST_RTT}[1m]) > 3 * avg_over_time({LAST_RTT}[5m] offset 5m) "
              f"and avg_over_time({LAST_RTT}[1m]) > 0.01", "2m"),
        alert("HeartbeatRTTTeamHigh", "team:tether_heartbeat_rtt_seconds:p99_5m > 0.1", "5m",
              summary="p99 RTT of team {{ $labels.team }} is high"),
        alert("HeartbeatRTTRegionHigh", "region:tether_heartbeat_rtt_seconds:p99_5m > 0.1", "5m",
              summary="p99 RTT of region {{ $labels.region }} is high"),
        alert("HeartbeatRTTQuantileOverTime", f"quantile_over_time(0.9, {LAST_RTT}[5m]) > 0.1"),
    ]),
    ("connections", [
        alert("TargetReconnecting", f"changes({CONNECTS}[5m]) > 3"),
        alert("TargetConnectFailures", f'increase({CONNECTS}{{result!="success"}}[5m]) > 0'),
        alert("TargetConnectTimeouts", f'increase({CONNECTS}{{result=~"timeout|refused"}}[10m]) > 2'),
        alert("TargetDisconnects", f"increase({DISCONNECTS}[5m]) > 2"),
        alert("TargetDisconnectedMissed", f'increase({DISCONNECTS}{{reason="missed_heartbeats"}}[10m]) > 0'),
        alert("TargetBackoffLong", f"{BACKOFF} > 10", "1m"),
        alert("TargetBackoffClamped", f"clamp({BACKOFF}, 0, 30) >= 30"),
        alert("TargetConnectFailuresConsecutive", f"{FAILURES} > 5", None, "critical"),
        alert("TargetRecentlyReconnected",
              f"{ESTABLISHED} > 0 and time() - {ESTABLISHED} < 60 and changes({ESTABLISHED}[10m]) > 0"),
        alert("TargetConnectionAge", f"abs(delta({ESTABLISHED}[5m])) > 0", None, "info"),
        alert("TargetDisconnectsByTeam",
              f"increase({DISCONNECTS}[5m]) * on (target) group_left (team) ({UP} == 0) > 0",
              summary="{{ $labels.target }} of {{ $labels.team }} disconnects while down"),
        record("target:tether_connects:increase5m", f"sum by (target, result) (increase({CONNECTS}[5m]))"),
        record("target:tether_disconnects:increase5m", f"sum by (target) (increase({DISCONNECTS}[5m]))"),
        alert("TargetChurn", "target:tether_disconnects:increase5m > 3"),
    ]),
    ("fleet", [
        record("tether:targets_up:count", f"count({UP} == 1)"),
        record("tether:targets:count", f"count({UP})"),
        record("tether:targets_up:ratio", f"sum({UP}) / count({UP})"),
        record("team:targets_down:count", f"count by (team) ({UP} == 0)"),
        record("team:targets:count", f"count by (team) ({UP})"),
        record("region:targets_up:ratio", f"avg by (region) ({UP})"),
        record("region:heartbeats_sent:rate5m", f"sum by (region) (rate({SENT}[5m]))"),
        record("region:heartbeats_missed:rate5m", f"sum by (region) (rate({MISSED}[5m]))"),
        record("team:heartbeat_rtt_seconds:avg_5m", "avg by (team) (target:tether_heartbeat_rtt_seconds:avg_5m)"),
        record("region:heartbeat_rtt_seconds:max_5m", "max by (region) (target:tether_heartbeat_rtt_seconds:p99_5m)"),
        record("region:heartbeat_rtt_seconds:q99", "quantile by (region) (0.99, target:tether_heartbeat_rtt_seconds:avg_5m)"),
        record("connection_state:targets:count", f"sum by (state) ({STATE})"),
        alert("FleetDegraded", "tether:targets_up:ratio < 0.95", "2m", "critical",
              summary="only {{ $value | humanizePercentage }} of targets are up"),
        alert("TeamTargetsDown", "team:targets_down:count / on (team) team:targets:count > 0.1", "5m",
              summary="{{ $labels.team }}: {{ $value | humanizePercentage }} of targets down"),
        alert("RegionDegraded", "region:targets_up:ratio < 0.9", "5m", "critical",
              summary="{{ $labels.region }} is degraded"),
        alert("RegionMissingHeartbeats",
              "region:heartbeats_missed:rate5m / region:heartbeats_sent:rate5m > 0.01", "5m"),
        alert("SlowestTargets", "topk(10, target:tether_heartbeat_rtt_seconds:p99_5m) > 0.05", None, "info"),
        alert("SlowestTargetPerRegion",
              "topk by (region) (1, target:tether_heartbeat_rtt_seconds:avg_5m) > 0.05", None, "info"),
        alert("MostMissedTargets", "topk(20, target:tether_heartbeats_missed:rate5m) > 0.1"),
        alert("FleetBackoff", f'sum({STATE}{{state="backoff"}}) > 100', "2m", "critical",
              summary="{{ $value }} targets in backoff"),
        alert("FleetLatencyOutlier",
              "target:tether_heartbeat_rtt_seconds:avg_5m > on (team) group_left () "
              "(3 * team:heartbeat_rtt_seconds:avg_5m) and target:tether_heartbeat_rtt_seconds:avg_5m > 0.01"),
        alert("FleetHeartbeatsFlat",
              f"sum without (target, team, region, env) (rate({SENT}[5m])) < 0.5 * "
              f"sum without (target, team, region, env) (rate({SENT}[5m] offset 5m))", "5m"),
    ]),
    ("selection", [
        alert("CanaryTargetDown", f'{UP}{{target=~"t0000[0-9]"}} == 0', None, "critical"),
        alert("TargetsNotTeam0Down", f'{UP}{{team!~"team-0[0-4]"}} == 0', "5m"),
        alert("EuropeMissing", f'rate({MISSED}{{region=~"eu-.*"}}[5m]) > 0'),
        alert("NotEuropeDown", f'{UP}{{region!~"eu-.*",env="prod"}} == 0', "1m"),
        alert("StagingFlapping", f'changes({UP}{{env!="prod"}}[10m]) > 2'),
        alert("CanaryAbsent", f'absent({UP}{{target="canary"}})', None, "info",
              summary="the canary target is not configured"),
        alert("FirstTargetAbsent", f'absent({UP}{{target="t00000"}})', None, "critical"),
        alert("TeamZeroAbsent", f'absent({SENT}{{team="team-00"}})'),
        alert("RegexHeavyDown",
              f'{UP}{{target=~"t.*[13579]",team=~"team-(0|1)[0-9]",region!~"ap-.*"}} == 0', "2m"),
        alert("AsiaConnectFailures",
              f'sum by (region) (increase({CONNECTS}{{region="ap-south",result!="success"}}[10m])) > 5'),
        alert("UsEastSlow",
              f'histogram_quantile(0.9, sum by (le) (rate({BUCKET}{{region="us-east"}}[5m]))) > 0.1', "5m"),
    ]),
    ("slo", [
        record("target:heartbeat_success:ratio_5m", f"rate({ANSWERED}[5m]) / rate({SENT}[5m])"),
        record("target:heartbeat_success:ratio_1m", f"rate({ANSWERED}[1m]) / rate({SENT}[1m])"),
        record("target:heartbeat_success:ratio_10m", f"increase({ANSWERED}[10m]) / increase({SENT}[10m])"),
        record("team:heartbeat_success:ratio_5m",
               f"sum by (team) (rate({ANSWERED}[5m])) / sum by (team) (rate({SENT}[5m]))"),
        alert("HeartbeatSLOFastBurn",
              "(1 - target:heartbeat_success:ratio_1m) > 14.4 * 0.001 and "
              "(1 - target:heartbeat_success:ratio_5m) > 14.4 * 0.001", "1m", "critical"),
        alert("HeartbeatSLOSlowBurn",
              "(1 - target:heartbeat_success:ratio_5m) > 6 * 0.001 and "
              "(1 - target:heartbeat_success:ratio_10m) > 6 * 0.001", "5m"),
        alert("TeamSLOBurn", "(1 - team:heartbeat_success:ratio_5m) > 0.01", "5m",
              summary="{{ $labels.team }} burns its heartbeat SLO"),
        alert("HeartbeatSLOUnknown", "absent(target:heartbeat_success:ratio_5m)", "10m", "info"),
    ]),
    ("agent", [
        alert("TetherConfigReloadFailed", "tether_config_last_reload_successful == 0", None, "critical"),
        alert("TetherMemoryHigh", "process_resident_memory_bytes > 2e9", "5m"),
        alert("TetherCPUHigh", "rate(process_cpu_seconds_total[5m]) > 1.5", "5m"),
        alert("TetherFileDescriptorsHigh", "process_open_fds / process_max_fds > 0.8", "5m", "critical"),
        alert("TetherTargetsMismatch", f"tether_targets != on () count({UP})", "5m"),
        alert("TetherBuildInfoAbsent", "absent(tether_build_info)"),
    ]),
]


def quote(s):
    return "'" + s.replace("'", "''") + "'"


def render():
    out = ["# generated by bench/rules100.py for bench/rules-10k.sh", "groups:"]
    for name, rules in GROUPS:
        out.append(f"  - name: {name}")
        out.append("    rules:")
        for r in rules:
            key = "alert" if "alert" in r else "record"
            out.append(f"      - {key}: {r[key]}")
            out.append(f"        expr: {quote(r['expr'])}")
            if "for" in r:
                out.append(f"        for: {r['for']}")
            for section in ("labels", "annotations"):
                if section in r:
                    out.append(f"        {section}:")
                    for k, v in r[section].items():
                        out.append(f"          {k}: {quote(v)}")
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: bench/rules100.py OUT.yml")
    count = sum(len(rules) for _, rules in GROUPS)
    if count != 100:
        sys.exit(f"rules100: {count} rules, not 100")
    with open(sys.argv[1], "w") as f:
        f.write(render())


if __name__ == "__main__":
    main()
