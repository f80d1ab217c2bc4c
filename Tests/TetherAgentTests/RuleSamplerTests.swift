import NIOCore
import Testing
import TetherHeartbeat
import TetherMetrics
import TetherRules

@testable import TetherAgent

/// The samples the rule engine takes of the agent's own metrics: the same series found again
/// every evaluation, series of targets that go get a staleness marker.
@Suite struct RuleSamplerTests {
    private static let second: Int64 = 1000

    private func targets(_ names: [String]) -> [(name: String, url: String, labels: [String: String])] {
        names.map { (name: $0, url: "tcp://127.0.0.1:1", labels: ["team": "a"]) }
    }

    private func up(_ storage: MemorySeriesStorage, at time: Int64) throws -> [String: Double] {
        let samples = try PromQLEvaluator(storage: storage).evaluate(
            try PromQLParser.parse("tether_target_up"),
            at: time
        )
        .samples
        return Dictionary(uniqueKeysWithValues: samples.map { ($0.labels["target"] ?? "", $0.value) })
    }

    @Test func seriesContinueAndEndAsTargetsComeAndGo() throws {
        let registry = MetricsRegistry(version: "test")
        let cells = registry.setTargets(targets(["b", "d"]))
        let sampler = RuleSampler(names: ["tether_target_up", "tether_heartbeat_rtt_seconds_bucket"])
        let storage = MemorySeriesStorage()
        sampler.sample(registry, into: storage, at: 0)
        #expect(try up(storage, at: 0) == ["b": 0, "d": 0])
        #expect(storage.series(named: "tether_heartbeat_rtt_seconds_bucket").count == 2 * 20)

        cells[1].record(.answered(sequence: 1, rtt: .milliseconds(1)), now: 1)
        sampler.sample(registry, into: storage, at: 15 * Self.second)
        #expect(try up(storage, at: 15 * Self.second) == ["b": 0, "d": 1])

        // "a" and "c" come before and between the others: every series still gets its own value.
        let more = registry.setTargets(targets(["a", "b", "c", "d"]))
        more[2].record(.answered(sequence: 1, rtt: .milliseconds(1)), now: 1)
        sampler.sample(registry, into: storage, at: 30 * Self.second)
        #expect(try up(storage, at: 30 * Self.second) == ["a": 0, "b": 0, "c": 1, "d": 1])
        #expect(storage.series(named: "tether_target_up").allSatisfy { $0.timestamps.last == 30 * Self.second })

        // "b" goes: its series end with a staleness marker at once, not 5 minutes later.
        registry.setTargets(targets(["a", "c", "d"]))
        sampler.sample(registry, into: storage, at: 45 * Self.second)
        #expect(try up(storage, at: 45 * Self.second) == ["a": 0, "c": 1, "d": 1])
        let b = try #require(storage.series(named: "tether_target_up").first { $0.labels["target"] == "b" })
        #expect(b.values.last.map(StaleMarker.isStale) == true)
        #expect(b.timestamps == [0, 15, 30, 45].map { $0 * Self.second })
        let buckets = storage.series(named: "tether_heartbeat_rtt_seconds_bucket")
        #expect(buckets.filter { $0.values.last.map(StaleMarker.isStale) == true }.count == 20)
    }

    @Test func onlyTheNamesTheRulesReadAreSampled() throws {
        let registry = MetricsRegistry(version: "test")
        registry.setTargets(targets(["a"]))
        let storage = MemorySeriesStorage()
        RuleSampler(names: ["tether_heartbeats_sent_total"]).sample(registry, into: storage, at: 0)
        #expect(storage.series(named: "tether_heartbeats_sent_total").count == 1)
        #expect(storage.series(named: "tether_target_up").isEmpty)
        #expect(storage.series(named: nil).count == 1)
    }

    @Test func theNotifiersMetricsAreSampledToo() throws {
        let registry = MetricsRegistry(version: "test")
        registry.setFamilies(
            [
                MetricFamilySamples(
                    family: MetricNames.notifications,
                    samples: [([("receiver", "oncall"), ("result", "failed")], 3)]
                ),
                .histogram(
                    MetricNames.notificationDelivery,
                    upperBounds: [1],
                    series: [([("receiver", "oncall")], [2], 1.5, 2)]
                ),
            ],
            from: .notifications
        )
        let storage = MemorySeriesStorage()
        RuleSampler(names: ["tether_notifications_total", "tether_notification_delivery_seconds_count"])
            .sample(registry, into: storage, at: 0)
        let failed = try PromQLEvaluator(storage: storage).evaluate(
            try PromQLParser.parse("tether_notifications_total{result=\"failed\"}"),
            at: 0
        )
        #expect(failed.samples.map(\.value) == [3])
        #expect(storage.series(named: "tether_notification_delivery_seconds_count").first?.values == [2])
    }

    @Test func eachNameIsKeptForTheLongestRangeItIsReadWith() throws {
        func group(_ interval: Int64, _ expressions: [String]) throws -> RuleGroup {
            try RuleGroup(
                RuleGroupDefinition(
                    name: "g\(interval)",
                    file: "f.yml",
                    interval: PromQLDuration(milliseconds: interval),
                    limit: 0,
                    rules: try expressions.enumerated().map { index, text in
                        RuleDefinition(
                            kind: .recording(name: "r\(index)"),
                            expression: try PromQLParser.parse(text),
                            expressionText: text
                        )
                    }
                ),
                defaultInterval: PromQLDuration(milliseconds: interval)
            )
        }
        let minute = 60 * Self.second
        let groups = [
            try group(15 * Self.second, ["rate(a[5m])", "changes(b[10m])", "avg_over_time(a[1m] offset 5m)"]),
            try group(minute, ["c > 1"]),
        ]
        let retention = RuleSampler.retention(groups)
        // The slowest group's interval on top; an instant selector needs that interval's worth.
        #expect(retention["a"] == 6 * minute + minute)
        #expect(retention["b"] == 10 * minute + minute)
        #expect(retention["c"] == minute + minute)
        #expect(retention["unread"] == minute + minute)
        #expect(RuleSampler.metricNames(groups) == ["a", "b", "c"])

        // A selector without a name reads every name, for as long as its range.
        let any = [try group(minute, ["count_over_time({job=\"x\"}[20m])", "rate(a[5m])"])]
        #expect(RuleSampler.retention(any)["a"] == 20 * minute + minute)
        #expect(RuleSampler.metricNames(any) == nil)
    }
}
