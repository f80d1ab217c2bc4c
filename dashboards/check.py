#!/usr/bin/env python3
"""Checks tether's Grafana dashboards and prints every panel query with its variables substituted.

    python3 dashboards/check.py [--target NAME] [--var NAME=VALUE ...] [--no-promtool] [FILE ...]

Prints one JSON object per panel query on stdout:

    {"dashboard": "tether-target.json", "panel": "RTT percentiles", "refId": "A", "expr": "..."}

with $job, $instance, $target, $receiver -> .+ (every value, as the dashboards' "All"; --target
or --var change them), $__rate_interval -> 1m, $__range -> 1h, $__interval -> 15s. Problems go to
stderr and make the exit status 1:

- a file that is not JSON, or not a dashboard of the current schema;
- a panel without a unique id or a gridPos inside the 24-column grid, or overlapping another;
- a legacy panel type (graph, singlestat, ...);
- a query panel whose datasource, or a query whose datasource, is not
  {"type": "prometheus", "uid": "${datasource}"}; a query without refId or expr; duplicate refIds;
- a missing `datasource` variable (type datasource, query prometheus) or `job`/`target` variable;
- an expr without job=~"$job" (and, in tether-target.json, target=~"$target");
- a variable left after substitution;
- a metric name that README.md's "Metrics" table does not list;
- an expr promtool cannot parse (each is checked as a recording rule with `promtool check rules`,
  when promtool is on PATH).
"""

import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
README = os.path.join(HERE, "..", "README.md")
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
PANEL_TYPES = {"timeseries", "stat", "heatmap", "table", "state-timeline", "bargauge", "gauge", "text", "row"}
TARGET_DASHBOARDS = {"tether-target.json"}
VARIABLE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)(?::\w+)?\]\]")
# Series Prometheus itself writes, besides those tether exposes.
PROMETHEUS_SERIES = {"up", "ALERTS", "ALERTS_FOR_STATE", "scrape_duration_seconds", "scrape_samples_scraped",
                     "scrape_samples_post_metric_relabeling", "scrape_series_added"}
# PromQL words that look like metric names in an expression.
PROMQL_WORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool",
                "offset", "inf", "nan", "le", "Inf", "NaN"}


def readme_metrics():
    """Metric names from README.md's Metrics table: histograms get _bucket, _sum and _count."""
    try:
        text = open(README, encoding="utf-8").read()
    except OSError:
        return None
    section = text.split("### Metrics", 1)[-1].split("\n## ", 1)[0]
    names = set()
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        kind = cells[1] if len(cells) > 1 else ""
        for name in re.findall(r"`([a-zA-Z_:][a-zA-Z0-9_:]*)", cells[0]):
            names.add(name)
            if kind == "histogram":
                names.update({name + "_bucket", name + "_sum", name + "_count"})
    return names


def metric_names(expr):
    """Identifiers in an expr that are metric names: not functions, keywords, labels or strings."""
    stripped = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # drop string literals
    stripped = re.sub(r"\{[^}]*\}", "{}", stripped)  # drop label matchers
    stripped = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", stripped)
    stripped = re.sub(r"\[[^\]]*\]", "", stripped)  # drop range and subquery durations
    names = set()
    for match in re.finditer(r"[a-zA-Z_:][a-zA-Z0-9_:]*", stripped):
        word, rest = match.group(0), stripped[match.end():].lstrip()
        if rest.startswith("(") or word in PROMQL_WORDS:
            continue  # a function or aggregation, or a keyword
        if re.fullmatch(r"\d+[smhdwy]", word):
            continue
        names.add(word)
    return names


def substitute(expr, values):
    def one(match):
        name = match.group(1) or match.group(2) or match.group(3)
        return values.get(name, match.group(0))

    return VARIABLE.sub(one, expr)


def walk_panels(panels):
    for panel in panels:
        yield panel
        yield from walk_panels(panel.get("panels", []))


def check_dashboard(path, values, known_metrics, problems, queries):
    file = os.path.basename(path)

    def problem(message):
        problems.append(f"{file}: {message}")

    try:
        with open(path, encoding="utf-8") as f:
            board = json.load(f)
    except (OSError, ValueError) as error:
        problem(f"not valid JSON: {error}")
        return
    if not isinstance(board.get("schemaVersion"), int) or board["schemaVersion"] < 36:
        problem(f"schemaVersion {board.get('schemaVersion')!r}: want the current schema (39)")
    for key in ("uid", "title"):
        if not board.get(key):
            problem(f"no {key}")

    variables = {v.get("name"): v for v in board.get("templating", {}).get("list", [])}
    ds = variables.get("datasource")
    if not ds or ds.get("type") != "datasource" or ds.get("query") != "prometheus":
        problem("no `datasource` variable of type datasource with query prometheus")
    wanted = ["job"] + (["target"] if file in TARGET_DASHBOARDS else [])
    for name in wanted:
        if name not in variables:
            problem(f"no `{name}` variable")
    for name, variable in variables.items():
        if variable.get("type") == "query" and variable.get("datasource") != DATASOURCE:
            problem(f"variable {name}: datasource is not {json.dumps(DATASOURCE)}")

    ids = set()
    cells = {}
    for panel in walk_panels(board.get("panels", [])):
        title = panel.get("title", "?")
        where = f"panel {panel.get('id')!r} {title!r}"
        if panel.get("type") not in PANEL_TYPES:
            problem(f"{where}: panel type {panel.get('type')!r} (legacy or unknown)")
        if not isinstance(panel.get("id"), int):
            problem(f"{where}: no integer id")
        elif panel["id"] in ids:
            problem(f"{where}: duplicate id")
        ids.add(panel.get("id"))
        pos = panel.get("gridPos")
        if not isinstance(pos, dict) or not all(isinstance(pos.get(k), int) for k in "hwxy"):
            problem(f"{where}: no gridPos with h, w, x, y")
        elif pos["x"] < 0 or pos["w"] < 1 or pos["h"] < 1 or pos["x"] + pos["w"] > 24:
            problem(f"{where}: gridPos {pos} outside the 24-column grid")
        else:
            for x in range(pos["x"], pos["x"] + pos["w"]):
                for y in range(pos["y"], pos["y"] + pos["h"]):
                    if (x, y) in cells and panel.get("type") != "row":
                        problem(f"{where}: overlaps {cells[(x, y)]!r}")
                        break
                    cells[(x, y)] = title
                else:
                    continue
                break
        if panel.get("type") in ("row", "text"):
            continue
        if panel.get("datasource") != DATASOURCE:
            problem(f"{where}: datasource is not {json.dumps(DATASOURCE)}")
        if not panel.get("description"):
            problem(f"{where}: no description")
        targets = panel.get("targets") or []
        if not targets:
            problem(f"{where}: no targets")
        refs = set()
        for target in targets:
            ref, expr = target.get("refId"), target.get("expr")
            if not ref:
                problem(f"{where}: a target without refId")
            elif ref in refs:
                problem(f"{where}: duplicate refId {ref}")
            refs.add(ref)
            if not isinstance(expr, str) or not expr.strip():
                problem(f"{where} {ref}: no expr")
                continue
            if target.get("datasource") != DATASOURCE:
                problem(f"{where} {ref}: datasource is not {json.dumps(DATASOURCE)}")
            if 'job=~"$job"' not in expr:
                problem(f'{where} {ref}: expr not filtered by job=~"$job"')
            if file in TARGET_DASHBOARDS and 'target=~"$target"' not in expr:
                problem(f'{where} {ref}: expr not filtered by target=~"$target"')
            for name in re.findall(r"\$\{?(\w+)", expr):
                if not name.startswith("__") and name not in variables:
                    problem(f"{where} {ref}: ${name} is not a variable of the dashboard")
            substituted = substitute(expr, values)
            left = VARIABLE.search(substituted)
            if left:
                problem(f"{where} {ref}: {left.group(0)} left after substitution")
            if known_metrics is not None:
                for name in sorted(metric_names(substituted) - known_metrics - PROMETHEUS_SERIES):
                    problem(f"{where} {ref}: metric {name} is not in README.md's Metrics table")
            queries.append({"dashboard": file, "panel": title, "refId": ref, "expr": substituted})


def promtool_check(queries, problems):
    promtool = shutil.which("promtool")
    if not promtool:
        return
    rules = {"groups": [{"name": "dashboards", "rules": [
        {"record": f"dashboard:query_{i}", "expr": q["expr"]} for i, q in enumerate(queries)]}]}
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "queries.yml")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(rules, f)  # JSON is YAML
        result = subprocess.run([promtool, "check", "rules", path], capture_output=True, text=True)
    if result.returncode != 0:
        output = (result.stdout + result.stderr).replace(path, "queries")
        for match in re.finditer(r"group \"dashboards\", rule (\d+)", output):
            q = queries[int(match.group(1)) - 1]
            problems.append(f"{q['dashboard']}: panel {q['panel']!r} {q['refId']}: promtool cannot parse the expr")
        problems.append("promtool check rules: " + output.strip())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", help="dashboard files (default: dashboards/*.json)")
    parser.add_argument("--target", default=".+", help="value for $target (default .+, every target)")
    parser.add_argument("--var", action="append", default=[], metavar="NAME=VALUE", help="value for $NAME")
    parser.add_argument("--no-promtool", action="store_true", help="do not parse the exprs with promtool")
    args = parser.parse_args()

    values = {"job": ".+", "instance": ".+", "target": args.target, "receiver": ".+",
              "__rate_interval": "1m", "__range": "1h", "__interval": "15s", "__range_s": "3600"}
    for assignment in args.var:
        name, _, value = assignment.partition("=")
        values[name.lstrip("$")] = value
    files = args.files or sorted(glob.glob(os.path.join(HERE, "*.json")))
    if not files:
        print("check.py: no dashboards", file=sys.stderr)
        return 1

    problems, queries = [], []
    known_metrics = readme_metrics()
    for path in files:
        check_dashboard(path, values, known_metrics, problems, queries)
    if not args.no_promtool and queries:
        promtool_check(queries, problems)
    for query in queries:
        print(json.dumps(query))
    for line in problems:
        print(line, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
