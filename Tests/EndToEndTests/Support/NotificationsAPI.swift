import Foundation

/// One notification of `GET /api/v1/notifications`: an entry of tether's outbox.
struct APINotification: Decodable, CustomStringConvertible {
    let id: String
    let receiver: String
    let groupKey: String
    /// `pending`, `delivered` or `failed`.
    let state: String
    /// How many alerts the notification carries.
    let alerts: Int
    let createdAt: String
    let attempts: Int
    let nextAttemptAt: String?
    let lastAttemptAt: String?
    let lastError: String?
    let finishedAt: String?

    var createdDate: Date? { APITimestamp.parse(createdAt) }
    var isPending: Bool { state == "pending" }
    var isDelivered: Bool { state == "delivered" }

    var description: String {
        "\(id) \(receiver) \(state) \(groupKey) alerts \(alerts), attempts \(attempts), created \(createdAt)"
            + (lastError.map { ", lastError \($0)" } ?? "") + (finishedAt.map { ", finished \($0)" } ?? "")
    }
}

/// `GET /api/v1/notifications`: `{"status":"success","data":{"notifications":[…]}}`.
struct NotificationsAPIResponse: Decodable {
    struct Payload: Decodable {
        let notifications: [APINotification]
    }

    let status: String
    let data: Payload
}

extension TetherAgentProcess {
    /// `GET /api/v1/notifications` (`query` such as `?state=pending`), decoded, with the body as
    /// it came for failure messages; a status other than 200 or `"status":"success"` throws.
    func notifications(query: String = "") async throws -> (notifications: [APINotification], body: String) {
        let response = try await get("/api/v1/notifications\(query)")
        guard response.status == 200 else {
            throw E2EError("GET /api/v1/notifications\(query): \(response)\n\(diagnostics)")
        }
        let decoded: NotificationsAPIResponse
        do {
            decoded = try JSONDecoder().decode(NotificationsAPIResponse.self, from: Data(response.body.utf8))
        } catch {
            throw E2EError("GET /api/v1/notifications: unexpected body (\(error)):\n\(response.body)")
        }
        guard decoded.status == "success" else { throw E2EError("GET /api/v1/notifications: \(response.body)") }
        return (decoded.data.notifications, response.body)
    }

    /// Polls `/api/v1/notifications` every 50 ms until `condition` holds, and returns those
    /// notifications; throws after `timeout` with `what`, the last body and the agent's log.
    @discardableResult
    func waitForNotifications(
        _ what: String,
        timeout: Duration,
        _ condition: ([APINotification]) -> Bool
    ) async throws -> [APINotification] {
        let deadline = ContinuousClock.now + timeout
        var last = ""
        while true {
            let (notifications, body) = try await notifications()
            if condition(notifications) { return notifications }
            last = body
            if ContinuousClock.now >= deadline { break }
            if !isRunning { throw E2EError("tether run exited while waiting for \(what)\n\(diagnostics)") }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw E2EError(
            "not within \(timeout): \(what)\n--- last /api/v1/notifications ---\n\(last)\n\(diagnostics)"
        )
    }
}
