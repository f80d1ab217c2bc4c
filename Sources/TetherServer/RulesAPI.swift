import Foundation
import TetherAgent
import TetherRules

/// `GET /api/v1/alerts`, in Prometheus' shape.
struct AlertsResponse: Encodable {
    var status = "success"
    var data: Data

    struct Data: Encodable {
        var alerts: [AlertInfo]
    }
}

/// `GET /api/v1/rules`, in Prometheus' shape.
struct RulesResponse: Encodable {
    var status = "success"
    var data: Data

    struct Data: Encodable {
        var groups: [GroupInfo]
    }
}

/// One alert, as Prometheus' API shows it: times in RFC 3339, the value as Go's `%e` text.
struct AlertInfo: Encodable {
    var labels: [String: String]
    var annotations: [String: String]
    var state: String
    var activeAt: String
    var keepFiringSince: String?
    var value: String

    init(_ alert: Alert) {
        self.labels = alert.labels.dictionary
        self.annotations = alert.annotations.dictionary
        self.state = alert.state.rawValue
        self.activeAt = APITime.rfc3339(milliseconds: alert.activeAt)
        self.keepFiringSince = alert.keepFiringSince.map { APITime.rfc3339(milliseconds: $0) }
        self.value = APITime.goExponent(alert.value)
    }
}

struct GroupInfo: Encodable {
    var name: String
    var file: String
    var rules: [RuleInfo]
    var interval: Double
    var limit: Int
    var evaluationTime: Double
    var lastEvaluation: String

    init(_ group: RuleStatus.Group, type: RuleFilter) {
        self.name = group.name
        self.file = group.file
        self.rules = group.rules.filter(type.includes).map(RuleInfo.init)
        self.interval = group.interval
        self.limit = group.limit
        self.evaluationTime = group.evaluationTime
        self.lastEvaluation = APITime.rfc3339(milliseconds: group.lastEvaluation)
    }
}

/// An alerting or recording rule; the alerting-only fields are absent for recording rules.
struct RuleInfo: Encodable {
    var state: String?
    var name: String
    var query: String
    var duration: Double?
    var keepFiringFor: Double?
    var labels: [String: String]
    var annotations: [String: String]?
    var alerts: [AlertInfo]?
    var health: String
    var lastError: String?
    var evaluationTime: Double
    var lastEvaluation: String
    var type: String

    init(_ rule: RuleStatus.Rule) {
        let definition = rule.definition
        self.name = definition.name
        self.query = definition.expression.description
        self.labels = definition.labels
        self.health = rule.health.rawValue
        self.lastError = rule.lastError
        self.evaluationTime = rule.evaluationTime
        self.lastEvaluation = APITime.rfc3339(milliseconds: rule.lastEvaluation)
        switch definition.kind {
        case .alerting:
            self.type = "alerting"
            self.state = rule.state.rawValue
            self.duration = Double(definition.forDuration.milliseconds) / 1000
            self.keepFiringFor = Double(definition.keepFiringFor.milliseconds) / 1000
            self.annotations = definition.annotations
            self.alerts = rule.alerts.map(AlertInfo.init)
        case .recording:
            self.type = "recording"
        }
    }
}

/// `?type=alert` or `?type=record` of `/api/v1/rules`.
enum RuleFilter {
    case all
    case alerting
    case recording

    init?(_ parameter: String?) {
        switch parameter {
        case nil, "": self = .all
        case "alert": self = .alerting
        case "record": self = .recording
        default: return nil
        }
    }

    func includes(_ rule: RuleStatus.Rule) -> Bool {
        switch (self, rule.definition.kind) {
        case (.all, _), (.alerting, .alerting), (.recording, .recording): true
        default: false
        }
    }
}

enum APITime {
    /// RFC 3339 with fractional seconds, UTC; Go's zero time for "never", as Prometheus shows it.
    static func rfc3339(milliseconds: Int64?) -> String {
        guard let milliseconds else { return "0001-01-01T00:00:00Z" }
        return Date(timeIntervalSince1970: Double(milliseconds) / 1000).formatted(
            .iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted)
        )
    }

    /// Go's `strconv.FormatFloat(v, 'e', -1, 64)`: `1e+00`, `2.5e-01`, `+Inf`, `NaN`.
    static func goExponent(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
        if value == 0 { return value.sign == .minus ? "-0e+00" : "0e+00" }
        // Swift's shortest round-trip digits, re-spelled in Go's exponent form.
        let text = "\(value.magnitude)"
        var digits = ""
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            let mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...]) ?? 0
            let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
            digits = String(parts[0]) + (parts.count > 1 ? String(parts[1]) : "")
            exponent += parts[0].count - 1
        } else {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            let integer = String(parts[0])
            let fraction = parts.count > 1 ? String(parts[1]) : ""
            if integer != "0" {
                digits = integer + fraction
                exponent = integer.count - 1
            } else {
                let leadingZeros = fraction.prefix { $0 == "0" }.count
                digits = String(fraction.dropFirst(leadingZeros))
                exponent = -(leadingZeros + 1)
            }
        }
        while digits.count > 1 && digits.hasSuffix("0") { digits.removeLast() }
        if digits.isEmpty { digits = "0" }
        var mantissa = String(digits.prefix(1))
        if digits.count > 1 { mantissa += "." + digits.dropFirst() }
        let sign = exponent < 0 ? "-" : "+"
        let magnitude = abs(exponent)
        return (value < 0 ? "-" : "") + mantissa + "e" + sign + (magnitude < 10 ? "0" : "") + String(magnitude)
    }
}
