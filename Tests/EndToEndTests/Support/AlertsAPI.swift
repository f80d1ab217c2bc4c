import Foundation

/// One alert of `GET /api/v1/alerts` (or of a rule in `/api/v1/rules`), in Prometheus' shape.
struct APIAlert: Decodable, CustomStringConvertible {
    let labels: [String: String]
    let annotations: [String: String]
    let state: String
    let activeAt: String
    let value: String

    /// `activeAt` (RFC 3339, with or without fractional seconds); nil when it is not one.
    var activeDate: Date? { APITimestamp.parse(activeAt) }

    var description: String {
        let labelText = labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ",")
        return "{\(labelText)} \(state) since \(activeAt), value \(value), annotations \(annotations)"
    }
}

/// `GET /api/v1/alerts`: `{"status":"success","data":{"alerts":[…]}}`.
struct AlertsAPIResponse: Decodable {
    struct Payload: Decodable {
        let alerts: [APIAlert]
    }

    let status: String
    let data: Payload
}

/// One group of `GET /api/v1/rules`.
struct APIRuleGroup: Decodable {
    let name: String
    let file: String
    let rules: [APIRule]
    let interval: Double
    let lastEvaluation: String

    /// Prometheus' group key, the `rule_group` label of `tether_rule_group_*`.
    var key: String { "\(file);\(name)" }
}

/// One rule of a group; `state`, `duration` and `alerts` are there for alerting rules only.
struct APIRule: Decodable {
    let name: String
    let query: String
    let type: String
    let health: String
    let lastError: String?
    let lastEvaluation: String
    let state: String?
    let duration: Double?
    let labels: [String: String]
    let annotations: [String: String]?
    let alerts: [APIAlert]?
}

/// `GET /api/v1/rules`: `{"status":"success","data":{"groups":[…]}}`.
struct RulesAPIResponse: Decodable {
    struct Payload: Decodable {
        let groups: [APIRuleGroup]
    }

    let status: String
    let data: Payload
}

enum APITimestamp {
    /// RFC 3339 as Prometheus' API writes it: `2024-05-01T12:00:00.123Z` or without the fraction.
    static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}

extension TetherAgentProcess {
    /// `GET /api/v1/alerts`, decoded; a status other than 200 or `"status":"success"` throws.
    func alerts() async throws -> [APIAlert] {
        let response = try await get("/api/v1/alerts")
        guard response.status == 200 else { throw E2EError("GET /api/v1/alerts: \(response)\n\(diagnostics)") }
        let decoded: AlertsAPIResponse
        do {
            decoded = try JSONDecoder().decode(AlertsAPIResponse.self, from: Data(response.body.utf8))
        } catch {
            throw E2EError("GET /api/v1/alerts: not Prometheus' shape (\(error)):\n\(response.body)")
        }
        guard decoded.status == "success" else { throw E2EError("GET /api/v1/alerts: \(response.body)") }
        return decoded.data.alerts
    }

    /// `GET /api/v1/rules`, decoded; a status other than 200 or `"status":"success"` throws.
    func ruleGroups() async throws -> [APIRuleGroup] {
        let response = try await get("/api/v1/rules")
        guard response.status == 200 else { throw E2EError("GET /api/v1/rules: \(response)\n\(diagnostics)") }
        let decoded: RulesAPIResponse
        do {
            decoded = try JSONDecoder().decode(RulesAPIResponse.self, from: Data(response.body.utf8))
        } catch {
            throw E2EError("GET /api/v1/rules: not Prometheus' shape (\(error)):\n\(response.body)")
        }
        guard decoded.status == "success" else { throw E2EError("GET /api/v1/rules: \(response.body)") }
        return decoded.data.groups
    }

    /// Polls `/api/v1/alerts` every 50 ms until `condition` holds, and returns those alerts; throws
    /// after `timeout` with `what`, the last alerts and the agent's log. `condition` sees every
    /// answer with the wall-clock time just after it arrived, so it can check how states move.
    @discardableResult
    func waitForAlerts(
        _ what: String,
        timeout: Duration,
        _ condition: ([APIAlert], Date) -> Bool
    ) async throws -> [APIAlert] {
        let deadline = ContinuousClock.now + timeout
        var last: [APIAlert] = []
        while true {
            let alerts = try await alerts()
            if condition(alerts, Date()) { return alerts }
            last = alerts
            if ContinuousClock.now >= deadline { break }
            if !isRunning { throw E2EError("tether run exited while waiting for \(what)\n\(diagnostics)") }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw E2EError(
            "not within \(timeout): \(what)\n--- last /api/v1/alerts ---\n"
                + "\(last.map(\.description).joined(separator: "\n"))\n\(diagnostics)"
        )
    }
}
