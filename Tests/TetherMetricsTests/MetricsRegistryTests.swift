import NIOCore
import Testing

@testable import TetherHeartbeat
@testable import TetherMetrics

@Suite struct MetricsRegistryTests {
    func render(_ registry: MetricsRegistry, _ format: ExpositionFormat = .prometheusText) -> String {
        String(decoding: registry.render(format: format), as: UTF8.self)
    }

    func lines(_ text: String, _ prefix: String) -> [String] {
        text.split(separator: "\n").map(String.init).filter { $0.hasPrefix(prefix) }
    }

    @Test func heartbeatEventsBecomeSeries() {
        let registry = MetricsRegistry(version: "1.2.3")
        let cell = registry.setTargets([("chat", "ws://127.0.0.1:1/", ["team": "chat", "a": "x\"y"])])[0]
        cell.connected(phases: ConnectPhases(), now: 1_700_000_000, certificateExpiry: nil)
        cell.record(.sent(sequence: 1), now: 1)
        cell.record(.answered(sequence: 1, rtt: .microseconds(300)), now: 1_700_000_001)
        cell.record(.sent(sequence: 2), now: 2)
        cell.record(.missed(sequence: 2, consecutive: 1), now: 3)
        cell.record(.closed(.closedByPeer(code: 1008, reason: "")), now: 4)
        let text = self.render(registry)
        let labels = #"target="chat",a="x\"y",team="chat""#
        #expect(text.contains("tether_heartbeats_sent_total{\(labels)} 2\n"))
        #expect(text.contains("tether_heartbeats_answered_total{\(labels)} 1\n"))
        #expect(text.contains("tether_heartbeats_missed_total{\(labels)} 1\n"))
        #expect(text.contains("tether_heartbeats_consecutive_missed{\(labels)} 1\n"))
        #expect(text.contains("tether_heartbeat_last_rtt_seconds{\(labels)} 0.0003\n"))
        #expect(text.contains("tether_heartbeat_rtt_seconds_bucket{\(labels),le=\"0.00025\"} 0\n"))
        #expect(text.contains("tether_heartbeat_rtt_seconds_bucket{\(labels),le=\"0.0005\"} 1\n"))
        #expect(text.contains("tether_heartbeat_rtt_seconds_bucket{\(labels),le=\"+Inf\"} 1\n"))
        #expect(text.contains("tether_heartbeat_rtt_seconds_count{\(labels)} 1\n"))
        #expect(text.contains("tether_disconnects_total{\(labels),reason=\"close_1008\"} 1\n"))
        #expect(text.contains("tether_connects_total{\(labels),result=\"success\"} 1\n"))
        #expect(text.contains("tether_last_answer_timestamp_seconds{\(labels)} 1700000001\n"))
        #expect(text.contains("tether_target_up{\(labels)} 0\n"))
        #expect(text.contains("tether_connection_state{\(labels),state=\"closing\"} 1\n"))
        #expect(text.contains("tether_build_info{version=\"1.2.3\"} 1\n"))
    }

    @Test func everyFamilyIsGroupedUnderOneHeader() {
        let registry = MetricsRegistry(version: "1")
        registry.setTargets([("a", "tcp://a:1", [:]), ("b", "tcp://b:1", [:])])
        let text = self.render(registry)
        var seen: [String] = []
        for line in text.split(separator: "\n") where line.hasPrefix("# TYPE ") {
            let name = String(line.split(separator: " ")[2])
            #expect(!seen.contains(name), "\(name) has two TYPE lines")
            seen.append(name)
        }
        // Samples of one family are contiguous: no family reappears after another began.
        var order: [String] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let name = String(line.prefix { $0 != "{" && $0 != " " })
            let family = seen.first { name == $0 || name.hasPrefix($0 + "_") } ?? name
            if order.last != family {
                #expect(!order.contains(family), "\(family) is split")
                order.append(family)
            }
        }
    }

    @Test func openMetricsNamesCountersWithoutTotalAndEndsWithEOF() {
        let registry = MetricsRegistry(version: "1")
        registry.setTargets([("a", "tcp://a:1", [:])])
        let text = self.render(registry, .openMetrics)
        #expect(text.contains("# TYPE tether_heartbeats_sent counter\n"))
        #expect(text.contains("tether_heartbeats_sent_total{target=\"a\"} 0\n"))
        #expect(text.hasSuffix("# EOF\n"))
        #expect(ExpositionFormat(accept: "application/openmetrics-text;version=1.0.0,text/plain;q=0.5") == .openMetrics)
        #expect(ExpositionFormat(accept: "text/plain") == .prometheusText)
    }

    @Test func cellsOfUnchangedTargetsAreKept() {
        let registry = MetricsRegistry(version: "1")
        let first = registry.setTargets([("a", "tcp://a:1", ["x": "1"])])[0]
        first.record(.sent(sequence: 1))
        let again = registry.setTargets([("a", "tcp://a:1", ["x": "1"]), ("b", "tcp://b:1", [:])])
        #expect(again[0] === first)
        let relabelled = registry.setTargets([("a", "tcp://a:1", ["x": "2"])])
        #expect(relabelled[0] !== first)
    }

    @Test func valuesAreFormattedAsTheTextFormatExpects() {
        var bytes: [UInt8] = []
        for value in [0, 1, -3, 1e-05, 0.25, Double.infinity, -Double.infinity, Double.nan, 1_700_000_000.5] {
            ExpositionWriter.appendValue(value, to: &bytes)
            bytes.append(UInt8(ascii: " "))
        }
        #expect(String(decoding: bytes, as: UTF8.self) == "0 1 -3 1e-05 0.25 +Inf -Inf NaN 1700000000.5 ")
    }
}
