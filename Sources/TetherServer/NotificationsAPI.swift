import Foundation
import TetherState

/// `GET /api/v1/notifications`: the outbox, in the envelope of Prometheus' HTTP API. Pending
/// notifications first, soonest next attempt first, then finished ones, newest first.
struct NotificationsResponse: Encodable {
    var status = "success"
    var data: Data

    struct Data: Encodable {
        var notifications: [NotificationInfo]
    }
}

/// One notification: where it goes, how far its delivery got. The body is not shown: it can be
/// large, and the alerts are in `/api/v1/alerts`.
struct NotificationInfo: Encodable {
    var id: String
    var receiver: String
    var groupKey: String
    var state: String
    var alerts: Int
    var createdAt: String
    var attempts: Int
    var nextAttemptAt: String?
    var lastAttemptAt: String?
    var lastError: String?
    var finishedAt: String?

    init(_ entry: OutboxEntry) {
        self.id = entry.id
        self.receiver = entry.receiver
        self.groupKey = entry.groupKey
        self.state = entry.state.rawValue
        self.alerts = entry.alertCount
        self.createdAt = APITime.rfc3339(seconds: entry.createdAt)
        self.attempts = entry.attempts
        self.nextAttemptAt = entry.state == .pending ? APITime.rfc3339(seconds: entry.nextAttemptAt) : nil
        self.lastAttemptAt = entry.lastAttemptAt.map(APITime.rfc3339(seconds:))
        self.lastError = entry.lastError
        self.finishedAt = entry.finishedAt.map(APITime.rfc3339(seconds:))
    }
}

/// `?state=` of `/api/v1/notifications`.
enum NotificationFilter {
    case all
    case only(OutboxEntry.State)

    /// nil for a value that is not a state.
    init?(_ value: String?) {
        guard let value, !value.isEmpty else {
            self = .all
            return
        }
        guard let state = OutboxEntry.State(rawValue: value) else { return nil }
        self = .only(state)
    }

    /// Only delivered or only failed notifications.
    var isFinished: Bool {
        if case .only(let state) = self { state != .pending } else { false }
    }

    func includes(_ entry: OutboxEntry) -> Bool {
        switch self {
        case .all: true
        case .only(let state): entry.state == state
        }
    }
}

extension APITime {
    static func rfc3339(seconds: Double) -> String {
        rfc3339(milliseconds: Int64((seconds * 1000).rounded()))
    }
}
