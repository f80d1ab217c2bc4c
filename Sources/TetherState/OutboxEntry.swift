/// One notification in the outbox: the exact request body for one receiver, and how its delivery
/// went so far.
///
/// An entry is written before its first attempt (``Outbox/enqueue(_:)``) and stays ``State/pending``
/// until the delivery worker records that a receiver acknowledged it (``State/delivered``) or that
/// it can never be delivered (``State/failed``). Finished entries are kept for a while for
/// `GET /api/v1/notifications`, then dropped (``Outbox/removeFinished(before:)``).
public struct OutboxEntry: Sendable, Hashable, Identifiable {
    /// Where an entry is in its delivery.
    public enum State: String, Sendable, Hashable {
        /// Not delivered yet: due at ``OutboxEntry/nextAttemptAt``, or being sent.
        case pending
        /// A receiver acknowledged it.
        case delivered
        /// Given up on: a permanent error, or retries exhausted.
        case failed
    }

    /// The notification id, made by the caller and stable across retries and restarts; receivers
    /// use it as the idempotency key (`webhook-id`).
    public var id: String
    /// The receiver's name in the configuration.
    public var receiver: String
    /// The Alertmanager group key of the notification, for the API and the logs.
    public var groupKey: String
    /// The exact HTTP request body to send, byte for byte.
    public var body: [UInt8]
    /// How many alerts the body carries.
    public var alertCount: Int
    /// Unix seconds at which the notification was made.
    public var createdAt: Double
    /// How many delivery attempts have ended (successful or not).
    public var attempts: Int
    /// Unix seconds from which the next attempt is due; meaningful while ``state`` is pending.
    public var nextAttemptAt: Double
    /// Why the last attempt failed, if it did (kept once the entry is delivered).
    public var lastError: String?
    /// Unix seconds at which the last attempt ended; `nil` before the first.
    public var lastAttemptAt: Double?
    public var state: State
    /// Unix seconds at which the entry became delivered or failed; `nil` while pending.
    public var finishedAt: Double?

    /// - Parameters:
    ///   - id: The notification id, stable across retries and restarts.
    ///   - receiver: The receiver's name.
    ///   - groupKey: The Alertmanager group key.
    ///   - body: The exact HTTP request body.
    ///   - alertCount: How many alerts the body carries.
    ///   - createdAt: Unix seconds at which the notification was made.
    ///   - attempts: Attempts ended so far.
    ///   - nextAttemptAt: Unix seconds from which the next attempt is due; `createdAt` if `nil`.
    ///   - lastError: Why the last attempt failed.
    ///   - lastAttemptAt: Unix seconds at which the last attempt ended.
    ///   - state: Pending, delivered or failed.
    ///   - finishedAt: Unix seconds at which the entry became delivered or failed.
    public init(
        id: String,
        receiver: String,
        groupKey: String,
        body: [UInt8],
        alertCount: Int,
        createdAt: Double,
        attempts: Int = 0,
        nextAttemptAt: Double? = nil,
        lastError: String? = nil,
        lastAttemptAt: Double? = nil,
        state: State = .pending,
        finishedAt: Double? = nil
    ) {
        self.id = id
        self.receiver = receiver
        self.groupKey = groupKey
        self.body = body
        self.alertCount = alertCount
        self.createdAt = createdAt
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt ?? createdAt
        self.lastError = lastError
        self.lastAttemptAt = lastAttemptAt
        self.state = state
        self.finishedAt = finishedAt
    }
}
