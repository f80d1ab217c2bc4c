import Testing

@testable import TetherNotify

struct NotificationAlertTests {
    /// prometheus/common's own vectors (model/signature_test.go) and label sets fingerprinted by a real
    /// Alertmanager 0.25 in its webhook payloads (non-ASCII and control characters included).
    @Test(
        arguments: [
            ([:], "cbf29ce484222325"),
            (["name": "garland, briggs", "fear": "love is not enough"], "507a62d79ee76c9a"),
            (["first-label": "first-label-value"], "476b44f5db3e21f9"),
            (
                [
                    "alertname": "Disk \"Full\" é", "team": "db", "severity": "critical", "job": "node",
                    "instance": "db1",
                ],
                "2e5f0412f2792fe4"
            ),
            (
                [
                    "alertname": "Disk \"Full\" é", "team": "db", "severity": "critical", "job": "node",
                    "instance": "db2",
                ],
                "d561ac0c701dd86d"
            ),
            (
                [
                    "a": "x", "a0": "1", "a10": "q\"\\é\n\u{a0}", "a2": "v", "alertname": "A", "b": "b",
                    "instance": "i0", "severity": "critical",
                ],
                "4a7e369852835504"
            ),
        ] as [([String: String], String)]
    )
    func fingerprintIsAlertmanagers(labels: [String: String], expected: String) {
        #expect(NotificationAlert(labels: labels, startsAt: 0).fingerprint == expected)
    }

    @Test func fingerprintIgnoresAnnotationsAndTimes() {
        let one = NotificationAlert(labels: ["alertname": "A"], annotations: ["x": "1"], startsAt: 1)
        let other = NotificationAlert(labels: ["alertname": "A"], startsAt: 2, endsAt: 3, generatorURL: "u")
        #expect(one.fingerprint == other.fingerprint)
    }

    @Test func resolvedOnceTheEndTimeIsNotAfterNow() {
        let firing = NotificationAlert(labels: [:], startsAt: 10)
        #expect(!firing.isResolved(at: 1_000_000))
        let resolved = NotificationAlert(labels: [:], startsAt: 10, endsAt: 20)
        #expect(!resolved.isResolved(at: 19.999))
        #expect(resolved.isResolved(at: 20))
        #expect(resolved.isResolved(at: 21))
    }

    @Test func alertmanagerOrderIsJobThenInstanceThenLabels() {
        func alert(_ labels: [String: String]) -> NotificationAlert { NotificationAlert(labels: labels, startsAt: 0) }
        let sorted = [
            alert(["alertname": "A", "instance": "i0"]),
            alert(["alertname": "A", "job": "j1", "instance": "i2"]),
            alert(["alertname": "B"]),
            alert(["alertname": "A", "job": "j1", "instance": "i1"]),
            alert(["alertname": "A", "job": "j0", "instance": "i9"]),
            alert(["alertname": "A", "x": "1"]),
        ].sorted(by: NotificationAlert.alertmanagerOrder).map(\.labels)
        #expect(
            sorted == [
                ["alertname": "A", "job": "j0", "instance": "i9"],
                ["alertname": "A", "job": "j1", "instance": "i1"],
                ["alertname": "A", "job": "j1", "instance": "i2"],
                ["alertname": "A", "instance": "i0"],
                // Without job and instance: fewer labels first, then by the first differing pair.
                ["alertname": "B"],
                ["alertname": "A", "x": "1"],
            ]
        )
    }

    @Test func labelSetBeforeComparesTheUnionOfNames() {
        #expect(NotificationAlert.labelSetBefore(["a": "1", "c": "1"], ["b": "1", "c": "1"]) == false)
        #expect(NotificationAlert.labelSetBefore(["b": "1", "c": "1"], ["a": "1", "c": "1"]))
        #expect(NotificationAlert.labelSetBefore(["a": "1"], ["a": "2"]))
        #expect(!NotificationAlert.labelSetBefore(["a": "1"], ["a": "1"]))
    }

    @Test func goOrderIsByteOrder() {
        // "é" precomposed (C3 A9) sorts after "z"; Swift's String < agrees here, but the order must be Go's bytes.
        #expect(goLess("z", "é"))
        #expect(goLess("a", "a0"))
        #expect(goLess("B", "a"))
    }
}
