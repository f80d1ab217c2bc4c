import Foundation
import Testing

@testable import TetherState

@Suite struct AlertStateStoreTests {
    static func alert(number: Int, group: String = "g", rule: String = "TargetDown") -> PersistedAlert {
        PersistedAlert(
            group: group,
            rule: rule,
            labels: ["alertname": rule, "target": "target-\(number)", "severity": "page"],
            state: number.isMultiple(of: 2) ? .firing : .pending,
            activeAt: 1_700_000_000 + Double(number),
            firedAt: number.isMultiple(of: 2) ? 1_700_000_100 + Double(number) : nil,
            value: Double(number),
            annotations: ["summary": "target-\(number) is down"]
        )
    }

    @Test func roundTrip() throws {
        try withTemporaryDirectory { directory in
            let store = AlertStateStore(database: try StateDatabase(directory: directory))
            let alerts = [
                PersistedAlert(
                    group: "rules/heartbeats.yml;heartbeats",
                    rule: "HeartbeatSlow",
                    labels: [
                        "alertname": "HeartbeatSlow", "target": "wss://orders:443/ws", "quote": "a\"b\\c\nd\u{1}é🙂",
                    ],
                    state: .firing,
                    activeAt: 1_700_000_000.25,
                    firedAt: 1_700_000_300.5,
                    keepFiringSince: 1_700_000_900,
                    value: .infinity,
                    annotations: ["summary": "RTT {{ $value }}", "description": "line 1\nline 2"]
                ),
                PersistedAlert(
                    group: "rules/heartbeats.yml;heartbeats",
                    rule: "TargetDown",
                    labels: [:],
                    state: .pending,
                    activeAt: 1_700_000_010,
                    value: -0.5
                ),
            ]
            try store.replaceAlerts(ofGroup: "rules/heartbeats.yml;heartbeats", with: alerts)
            #expect(try store.alerts() == alerts)
        }
    }

    @Test func nanValueRoundTrips() throws {
        try withTemporaryDirectory { directory in
            let store = AlertStateStore(database: try StateDatabase(directory: directory))
            var alert = Self.alert(number: 1)
            alert.value = .nan
            try store.replaceAlerts(ofGroup: "g", with: [alert])
            let stored = try store.alerts()
            #expect(stored.count == 1)
            #expect(stored.first?.value.isNaN == true)
            // An unchanged NaN is not rewritten.
            #expect(try store.replaceAlerts(ofGroup: "g", with: [alert]) == .init(written: 0, deleted: 0))
        }
    }

    @Test func replaceMakesTheGroupExactlyTheGivenAlerts() throws {
        try withTemporaryDirectory { directory in
            let store = AlertStateStore(database: try StateDatabase(directory: directory))
            let a = (0..<3).map { Self.alert(number: $0, group: "a") }
            let b = [Self.alert(number: 0, group: "b")]
            #expect(try store.replaceAlerts(ofGroup: "a", with: a) == .init(written: 3, deleted: 0))
            try store.replaceAlerts(ofGroup: "b", with: b)

            // Alert 1 starts firing, alerts 0 and 2 resolve, alert 3 becomes pending.
            var firing = a[1]
            firing.state = .firing
            firing.firedAt = 1_700_000_500
            let new = Self.alert(number: 3, group: "a")
            #expect(try store.replaceAlerts(ofGroup: "a", with: [firing, new]) == .init(written: 2, deleted: 2))
            #expect(Set(try store.alerts()) == Set([firing, new] + b))

            // Nothing changed: nothing is written.
            #expect(try store.replaceAlerts(ofGroup: "a", with: [new, firing]) == .init(written: 0, deleted: 0))

            // An empty set clears the group and only that group.
            #expect(try store.replaceAlerts(ofGroup: "a", with: []) == .init(written: 0, deleted: 2))
            #expect(try store.alerts() == b)
        }
    }

    @Test func theSameLabelsAreTheSameAlert() throws {
        try withTemporaryDirectory { directory in
            let store = AlertStateStore(database: try StateDatabase(directory: directory))
            var first = Self.alert(number: 7)
            try store.replaceAlerts(ofGroup: "g", with: [first])

            // A dictionary built in another order, with a later value: one row, updated.
            var labels: [String: String] = [:]
            for key in first.labels.keys.sorted().reversed() { labels[key] = first.labels[key] }
            first.labels = labels
            first.value = 42
            #expect(try store.replaceAlerts(ofGroup: "g", with: [first]) == .init(written: 1, deleted: 0))
            #expect(try store.alerts() == [first])

            // The same labels under another rule are another alert.
            var other = first
            other.rule = "Other"
            try store.replaceAlerts(ofGroup: "g", with: [first, other])
            #expect(try store.alerts().count == 2)

            // The same alert twice in one call: the last one wins.
            var later = first
            later.value = 43
            try store.replaceAlerts(ofGroup: "g", with: [first, later])
            #expect(try store.alerts() == [later])
        }
    }

    @Test func storesOnOneDatabaseShareWhatTheyKnow() throws {
        try withTemporaryDirectory { directory in
            let database = try StateDatabase(directory: directory)
            let first = AlertStateStore(database: database)
            let second = AlertStateStore(database: database)
            let alerts = [Self.alert(number: 1)]
            try first.replaceAlerts(ofGroup: "g", with: alerts)
            try second.replaceAlerts(ofGroup: "g", with: [])
            #expect(try first.replaceAlerts(ofGroup: "g", with: alerts) == .init(written: 1, deleted: 0))
            #expect(try second.alerts() == alerts)
        }
    }

    @Test func canonicalLabelText() {
        #expect(CanonicalJSON.encode([:]) == "{}")
        #expect(
            CanonicalJSON.encode(["b": "2", "a": "1", "Z": "\"\\\n\t\u{1}"])
                == #"{"Z":"\"\\\n\t\u0001","a":"1","b":"2"}"#
        )
    }

    @Test func removeGroupsKeepsOnlyTheConfiguredGroups() throws {
        try withTemporaryDirectory { directory in
            let store = AlertStateStore(database: try StateDatabase(directory: directory))
            for group in ["a", "b", "c"] {
                try store.replaceAlerts(ofGroup: group, with: (0..<2).map { Self.alert(number: $0, group: group) })
            }
            #expect(try store.removeGroups(notIn: ["b", "not-stored"]) == 4)
            #expect(Set(try store.alerts().map(\.group)) == ["b"])
            #expect(try store.removeGroups(notIn: ["b"]) == 0)
            #expect(try store.removeGroups(notIn: []) == 2)
            #expect(try store.alerts().isEmpty)

            // A removed group written again with its old alerts is written, not skipped.
            let again = (0..<2).map { Self.alert(number: $0, group: "b") }
            #expect(try store.replaceAlerts(ofGroup: "b", with: again) == .init(written: 2, deleted: 0))
            #expect(try store.alerts() == again)
        }
    }

    @Test func tenThousandAlerts() throws {
        try withTemporaryDirectory { directory in
            let store = AlertStateStore(database: try StateDatabase(directory: directory))
            var alerts = (0..<10_000).map { Self.alert(number: $0) }
            let clock = ContinuousClock()

            var changes = AlertStateStore.Changes(written: 0, deleted: 0)
            let first = try clock.measure { changes = try store.replaceAlerts(ofGroup: "g", with: alerts) }
            #expect(changes == .init(written: 10_000, deleted: 0))

            // A list built anew, as the rule engine does every evaluation.
            let rebuilt = (0..<10_000).map { Self.alert(number: $0) }
            let unchanged = try clock.measure { changes = try store.replaceAlerts(ofGroup: "g", with: rebuilt) }
            #expect(changes == .init(written: 0, deleted: 0))

            // The same alerts in another order miss the fast path; SQL finds nothing to write.
            let reordered = try clock.measure {
                changes = try store.replaceAlerts(ofGroup: "g", with: alerts.reversed())
            }
            #expect(changes == .init(written: 0, deleted: 0))

            for index in alerts.indices { alerts[index].value += 0.5 }
            let allChanged = try clock.measure { changes = try store.replaceAlerts(ofGroup: "g", with: alerts) }
            #expect(changes == .init(written: 10_000, deleted: 0))

            var read: [PersistedAlert] = []
            let reading = try clock.measure { read = try store.alerts() }
            #expect(read.count == 10_000)

            print(
                "AlertStateStore, 10,000 alerts in one group: first replace \(first),"
                    + " unchanged \(unchanged), unchanged in another order \(reordered), all values changed"
                    + " \(allChanged), alerts() \(reading)"
            )
        }
    }
}
