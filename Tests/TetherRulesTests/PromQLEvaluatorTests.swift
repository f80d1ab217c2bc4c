import Testing

@testable import TetherRules

/// The evaluator's Prometheus 2.42 semantics that the conformance suite (promtool side by side)
/// covers less directly: lookback edges, staleness, Go's float functions, the series store.
@Suite struct PromQLEvaluatorTests {
    private static let minute: Int64 = 60_000

    private func evaluate(_ text: String, at time: Int64, _ storage: MemorySeriesStorage) throws -> [VectorSample] {
        try PromQLEvaluator(storage: storage).evaluate(try PromQLParser.parse(text), at: time).samples
    }

    private func series(_ name: String, _ labels: [String: String] = [:]) -> Labels {
        var result = Labels(labels)
        result.set(Labels.metricName, name)
        return result
    }

    @Test func lookbackIsClosedAtFiveMinutes() throws {
        let storage = MemorySeriesStorage()
        storage.append(series("up"), timestamp: 0, value: 1)
        #expect(try evaluate("up", at: 5 * Self.minute, storage).map(\.value) == [1])
        #expect(try evaluate("up", at: 5 * Self.minute + 1, storage).isEmpty)
    }

    @Test func aStalenessMarkerEndsTheSeriesAtOnce() throws {
        let storage = MemorySeriesStorage()
        storage.append(series("up"), timestamp: 0, value: 1)
        storage.append(series("up"), timestamp: Self.minute, value: StaleMarker.value)
        #expect(try evaluate("up", at: Self.minute - 1, storage).map(\.value) == [1])
        #expect(try evaluate("up", at: Self.minute, storage).isEmpty)
        // In a range, the marker is left out, not counted as a sample.
        #expect(try evaluate("count_over_time(up[2m])", at: Self.minute, storage).map(\.value) == [1])
        #expect(try evaluate("absent(up)", at: Self.minute, storage).map(\.value) == [1])
    }

    @Test func rangesAreClosedAtBothEnds() throws {
        let storage = MemorySeriesStorage()
        for minute in 0...5 { storage.append(series("x"), timestamp: Int64(minute) * Self.minute, value: 1) }
        #expect(try evaluate("count_over_time(x[5m])", at: 5 * Self.minute, storage).map(\.value) == [6])
        #expect(try evaluate("count_over_time(x[5m] offset 1m)", at: 5 * Self.minute, storage).map(\.value) == [5])
    }

    @Test func goFloatFunctionsAgreeWithGo() {
        // Values printed by Prometheus 2.42 (Go on amd64) for the same arguments.
        #expect(GoMath.atan2(7, 1) == 1.4288992721907325)
        #expect(GoMath.atan2(1, -7) == 2.999695598985629)
        #expect(GoMath.atan2(0, -1) == .pi)
        #expect(GoMath.pow(2, 10) == 1024)
        #expect(GoMath.pow(-2, 3) == -8)
        #expect(GoMath.pow(-8, 0.5).isNaN)
        #expect(GoMath.pow(0, -1) == .infinity)
    }

    @Test func expandingNotation() throws {
        let values = try SeriesNotation.values("1+2x3 _ stale -1-1x2 _x2 5x1 1e-3")
        let expected: [Double?] = [1, 3, 5, 7, nil, StaleMarker.value, -1, -2, -3, nil, nil, 5, 5, 0.001]
        #expect(values.count == expected.count)
        for (value, want) in zip(values, expected) {
            if let want, StaleMarker.isStale(want) {
                #expect(value.map(StaleMarker.isStale) == true)
            } else {
                #expect(value == want)
            }
        }
        #expect(throws: PromQLEvaluationError.self) { try SeriesNotation.values("1 two 3") }
    }

    @Test func oldSamplesAndEmptySeriesAreForgotten() throws {
        let storage = MemorySeriesStorage()
        storage.append(series("a"), timestamp: 0, value: 1)
        storage.append(series("a"), timestamp: Self.minute, value: 2)
        storage.append(series("b"), timestamp: 0, value: 1)
        storage.removeSamples(before: Self.minute)
        #expect(storage.series(named: "a").map(\.timestamps) == [[Self.minute]])
        #expect(storage.series(named: "b").isEmpty)
        // A series forgotten and seen again starts afresh.
        storage.append(series("b"), timestamp: 2 * Self.minute, value: 3)
        #expect(try evaluate("b", at: 2 * Self.minute, storage).map(\.value) == [3])
    }

    @Test func aReferenceFindsItsSeriesUntilTheSeriesMoves() throws {
        let storage = MemorySeriesStorage()
        let b = storage.reference(for: series("x", ["i": "b"]))
        storage.append(b, timestamp: 0, value: 1)
        #expect(storage.labels(at: b) == series("x", ["i": "b"]))
        // "a" sorts before "b": reading the series sorts them, and "b" moves.
        storage.append(series("x", ["i": "a"]), timestamp: 0, value: 2)
        #expect(try evaluate("x", at: 0, storage).map(\.value) == [2, 1])
        #expect(storage.labels(at: b) == series("x", ["i": "a"]))
        let moved = storage.reference(for: series("x", ["i": "b"]))
        storage.append(moved, timestamp: Self.minute, value: 3)
        #expect(try evaluate("x{i=\"b\"}", at: Self.minute, storage).map(\.value) == [3])
    }

    @Test func eachNameKeepsTheHistoryItsRetentionSays() throws {
        let retention = SeriesRetention(byName: ["long": 10 * Self.minute], other: Self.minute)
        let storage = MemorySeriesStorage(retention: retention, interval: Self.minute)
        for minute in Int64(0)...20 {
            storage.append(series("long"), timestamp: minute * Self.minute, value: 1)
            storage.append(series("short"), timestamp: minute * Self.minute, value: 1)
            storage.removeExpiredSamples(at: minute * Self.minute)
        }
        #expect(storage.series(named: "long").first?.timestamps.first == 10 * Self.minute)
        #expect(storage.series(named: "short").first?.timestamps.first == 19 * Self.minute)
        // A store without a retention keeps everything.
        let unbounded = MemorySeriesStorage()
        unbounded.append(series("x"), timestamp: 0, value: 1)
        unbounded.removeExpiredSamples(at: 100 * Self.minute)
        #expect(unbounded.series(named: "x").count == 1)
    }

    @Test func aCachedResultIsRecomputedOnceARuleWritesWhatItRead() throws {
        // `sum(y)` is evaluated by the first rule, then `y` is recorded anew, then `sum(y)` is
        // evaluated again: the third rule must see the new `y`, as in Prometheus.
        func record(_ name: String, _ text: String) throws -> RuleDefinition {
            RuleDefinition(kind: .recording(name: name), expression: try PromQLParser.parse(text), expressionText: text)
        }
        let group = try RuleGroup(
            RuleGroupDefinition(
                name: "g",
                file: "f.yml",
                interval: nil,
                limit: 0,
                rules: [try record("before", "sum(y)"), try record("y", "x * 2"), try record("after", "sum(y)")]
            ),
            defaultInterval: PromQLDuration(milliseconds: Self.minute)
        )
        let storage = MemorySeriesStorage()
        storage.append(series("x"), timestamp: 0, value: 1)
        storage.append(series("y"), timestamp: 0, value: 5)
        let cache = EvaluationCache()
        group.evaluate(at: Self.minute, storage: storage, context: .init(), cache: cache)
        #expect(try evaluate("before", at: Self.minute, storage).map(\.value) == [5])
        #expect(try evaluate("after", at: Self.minute, storage).map(\.value) == [2])
    }

    @Test func manyToManyMatchingIsAnError() throws {
        let storage = MemorySeriesStorage()
        storage.append(series("a", ["job": "x", "i": "1"]), timestamp: 0, value: 1)
        storage.append(series("b", ["job": "x", "i": "1"]), timestamp: 0, value: 1)
        storage.append(series("b", ["job": "x", "i": "2"]), timestamp: 0, value: 1)
        #expect(throws: PromQLEvaluationError.self) { try evaluate("a * on(job) b", at: 0, storage) }
        #expect(try evaluate("a * on(job) group_right b", at: 0, storage).count == 2)
    }
}

/// Alert states moved along by a group, as Prometheus moves them.
@Suite struct AlertingRuleTests {
    private static let second: Int64 = 1000

    @Test func pendingThenFiringThenResolvedAndKeptForNotifications() throws {
        let definition = RuleDefinition(
            kind: .alerting(name: "Down"),
            expression: try PromQLParser.parse("up == 0"),
            expressionText: "up == 0",
            forDuration: PromQLDuration(milliseconds: 10 * Self.second),
            labels: ["severity": "page"],
            annotations: ["summary": "{{ $labels.job }} is down"]
        )
        let group = try RuleGroup(
            RuleGroupDefinition(name: "g", file: "f.yml", interval: nil, limit: 0, rules: [definition]),
            defaultInterval: PromQLDuration(milliseconds: 5 * Self.second)
        )
        let storage = MemorySeriesStorage()
        var up = Labels(["job": "api"])
        up.set(Labels.metricName, "up")
        let rule = try #require(group.alertingRules.first)
        func step(_ seconds: Int64, up value: Double) {
            storage.append(up, timestamp: seconds * Self.second, value: value)
            group.evaluate(at: seconds * Self.second, storage: storage, context: .init(), cache: EvaluationCache())
        }
        step(0, up: 0)
        #expect(rule.activeAlerts.map(\.state) == [.pending])
        #expect(rule.activeAlerts.first?.annotations["summary"] == "api is down")
        step(5, up: 0)
        #expect(rule.activeAlerts.map(\.state) == [.pending])
        step(10, up: 0)
        #expect(rule.activeAlerts.map(\.state) == [.firing])
        #expect(rule.activeAlerts.first?.labels == Labels(["alertname": "Down", "job": "api", "severity": "page"]))
        // ALERTS carries the state, as Prometheus writes it.
        let alerts = try PromQLEvaluator(storage: storage).evaluate(
            try PromQLParser.parse("ALERTS{alertstate=\"firing\"}"),
            at: 10 * Self.second
        )
        #expect(alerts.samples.count == 1)
        step(15, up: 1)
        #expect(rule.activeAlerts.isEmpty)
        // Resolved, kept (inactive) so that receivers hear it resolved.
        #expect(rule.active.values.map(\.state) == [.inactive])
        #expect(rule.active.values.first?.resolvedAt == 15 * Self.second)
        #expect(rule.health == .ok)
    }
}
