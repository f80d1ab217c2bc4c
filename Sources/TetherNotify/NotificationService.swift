import AsyncHTTPClient
import Foundation
public import Logging
import NIOConcurrencyHelpers
public import NIOCore
import NIOHTTP1
public import ServiceLifecycle
public import TetherConfig
import TetherHeartbeat
public import TetherMetrics
public import TetherState

/// Delivers alerts to the configured receivers (DESIGN §6), at least once.
///
/// The rule engine hands over its alerts after every evaluation (`alertsChanged`). Webhook
/// receivers get them grouped as Alertmanager groups them (`NotificationDispatcher`);
/// Alertmanager receivers get them as Prometheus sends them (`AlertmanagerForwarder`). Every
/// notification is written to the outbox in `state_dir` before it is sent, and leaves it only when
/// the receiver acknowledged it or refused it for good: a receiver that is down, slow or
/// throttling gets it later, and so does one whose agent was killed meanwhile.
///
/// Each receiver has its own delivery loop, which sends its notifications one at a time in the
/// order they were made (a resolved notification never overtakes its firing one) and cannot be
/// held up by another receiver that hangs.
public final class NotificationService: Service, Sendable {
    /// The receivers and grouping in force; a reload swaps them (``apply(_:externalURL:)``).
    private let settings: NIOLockedValueBox<Settings>
    private let outbox: Outbox
    /// `notification-log.json` in `state_dir`: what each group was last notified of.
    private let notificationLogPath: String
    private let registry: MetricsRegistry
    private let logger: Logger
    private let evaluationInterval: Double
    private let userAgent: String

    /// The alerts last handed over, waiting for the dispatch loop.
    private let incoming = NIOLockedValueBox<(alerts: [NotificationAlert], time: Double)?>(nil)
    /// Receivers with new notifications in the outbox, waiting for their delivery loop.
    private let woken = NIOLockedValueBox<Set<String>>([])
    private let statistics = NIOLockedValueBox(Statistics())
    private let stopping = NIOLockedValueBox(false)
    private var isStopping: Bool { Task.isCancelled || stopping.withLockedValue { $0 } }
    private var configuration: AlertingConfiguration { settings.withLockedValue { $0.configuration } }

    private struct Settings: Sendable {
        var configuration: AlertingConfiguration
        var externalURL: String
        /// Bumped by every reload that changes something; loops of an older one wind down.
        var generation = 0
    }

    /// How often a loop with nothing to do looks for work; also how soon a shutdown is noticed.
    static let nap: TimeAmount = .milliseconds(100)
    /// Response bodies are read up to this size (for the log line of a failure), the rest dropped.
    static let maximumResponseBody = 64 * 1024
    /// Finished notifications stay listed in `/api/v1/notifications` this long.
    static let finishedRetention: Double = 24 * 3600

    /// - Parameters:
    ///   - stateDirectory: where the notification log is kept (the outbox is in its database).
    public init(
        configuration: AlertingConfiguration,
        externalURL: String,
        evaluationInterval: TimeAmount,
        outbox: Outbox,
        stateDirectory: String,
        registry: MetricsRegistry,
        logger: Logger
    ) {
        self.settings = NIOLockedValueBox(Settings(configuration: configuration, externalURL: externalURL))
        self.notificationLogPath = (stateDirectory as NSString).appendingPathComponent("notification-log.json")
        self.evaluationInterval = Double(evaluationInterval.nanoseconds) / 1e9
        self.outbox = outbox
        self.registry = registry
        self.logger = logger
        self.userAgent = "tether/\(registry.version)"
    }

    /// The rule engine's alerts after an evaluation: firing ones, and resolved ones with `endsAt`.
    public func alertsChanged(_ alerts: [NotificationAlert], at time: Double) {
        incoming.withLockedValue { $0 = (alerts, time) }
    }

    /// Takes a reloaded configuration's receivers and grouping. The loops wind down (a delivery in
    /// flight finishes) and start again with them; what each group was last notified of is kept
    /// in the notification log, and the outbox keeps every undelivered notification, so a reload
    /// neither loses nor repeats notifications. Notifications of receivers that are gone are
    /// marked failed.
    public func apply(_ configuration: AlertingConfiguration, externalURL: String) {
        settings.withLockedValue { settings in
            guard settings.configuration != configuration || settings.externalURL != externalURL else { return }
            settings.configuration = configuration
            settings.externalURL = externalURL
            settings.generation += 1
        }
    }

    public func run() async throws {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        await withGracefulShutdownHandler {
            while !isStopping {
                let settings = self.settings.withLockedValue { $0 }
                abandonUnknownReceivers()
                publishMetrics()
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { await self.dispatchLoop(settings) }
                    for receiver in settings.configuration.receivers {
                        group.addTask {
                            await self.deliveryLoop(receiver, client: client, generation: settings.generation)
                        }
                    }
                }
            }
        } onGracefulShutdown: {
            self.stopping.withLockedValue { $0 = true }
        }
        try? await client.shutdown()
    }

    // MARK: Dispatching

    /// Turns alerts into notifications in the outbox: on every hand-over, and when a group's
    /// flush is due.
    private func dispatchLoop(_ settings: Settings) async {
        let configuration = settings.configuration
        let dispatcher = NotificationDispatcher(
            receivers: configuration.receivers.filter(\.isWebhook).map(Self.dispatchReceiver),
            options: GroupingOptions(
                groupBy: configuration.groupBy,
                groupByAll: configuration.groupByAll,
                groupWait: Self.seconds(configuration.groupWait),
                groupInterval: Self.seconds(configuration.groupInterval),
                repeatInterval: Self.seconds(configuration.repeatInterval)
            )
        )
        let forwarder = AlertmanagerForwarder(
            receivers: configuration.receivers.filter { !$0.isWebhook }.map(Self.dispatchReceiver),
            resendDelay: Self.seconds(configuration.resendDelay),
            evaluationInterval: evaluationInterval
        )
        restoreNotificationLog(into: dispatcher)
        while !isStopping && !isReplaced(settings.generation) {
            let now = Self.now()
            if let (alerts, time) = takeIncoming() {
                dispatcher.update(alerts, at: time)
                for batch in forwarder.alertsToSend(alerts, at: time) {
                    enqueue(
                        receiver: batch.receiver,
                        groupKey: "",
                        body: AlertmanagerPayload.encode(batch.alerts),
                        alertCount: batch.alerts.count,
                        at: now
                    )
                }
            }
            let notifications = dispatcher.flush(at: now)
            for notification in notifications {
                guard
                    case .webhook(let webhook) = configuration.receivers.first(where: {
                        $0.name == notification.receiver
                    })?.endpoint
                else { continue }
                let payload = WebhookPayload(
                    notification,
                    externalURL: settings.externalURL,
                    maxAlerts: webhook.maxAlerts,
                    at: now
                )
                enqueue(
                    receiver: notification.receiver,
                    groupKey: notification.groupKey,
                    body: payload.encoded(),
                    alertCount: notification.alerts.count,
                    at: now
                )
            }
            // After the outbox has them: a kill in between sends them twice, never not at all.
            if !notifications.isEmpty { saveNotificationLog(of: dispatcher) }
            try? await Task.sleep(for: .nanoseconds(Self.nap.nanoseconds))
        }
    }

    /// Whether a reload replaced the settings of `generation`.
    private func isReplaced(_ generation: Int) -> Bool {
        settings.withLockedValue { $0.generation != generation }
    }

    private func takeIncoming() -> (alerts: [NotificationAlert], time: Double)? {
        incoming.withLockedValue { value in
            defer { value = nil }
            return value
        }
    }

    /// Puts back what each group was last notified of, so that a restart does not notify every
    /// firing group again (Alertmanager keeps its notification log on disk for the same reason).
    private func restoreNotificationLog(into dispatcher: NotificationDispatcher) {
        guard let data = FileManager.default.contents(atPath: notificationLogPath) else { return }
        do {
            let entries = try JSONDecoder().decode([NotificationLogEntry].self, from: data)
            dispatcher.restore(notificationLog: entries, at: Self.now())
        } catch {
            logger.warning(
                "notification log unreadable, starting without it: firing groups are notified again",
                metadata: ["file": "\(notificationLogPath)", "error": "\(error)"]
            )
        }
    }

    /// Writes the notification log after notifications were made; atomically (a new file
    /// renamed over the old), so that a kill leaves the old log or the new one.
    private func saveNotificationLog(of dispatcher: NotificationDispatcher) {
        do {
            let data = try JSONEncoder().encode(dispatcher.notificationLog)
            try data.write(to: URL(fileURLWithPath: notificationLogPath), options: .atomic)
        } catch {
            logger.error(
                "could not save the notification log",
                metadata: ["file": "\(notificationLogPath)", "error": "\(error)"]
            )
        }
    }

    /// Writes one notification to the outbox, then wakes its receiver's loop. An outbox that
    /// cannot be written (disk full, say) loses the notification: logged as an error, counted as
    /// failed.
    private func enqueue(receiver: String, groupKey: String, body: [UInt8], alertCount: Int, at time: Double) {
        let entry = OutboxEntry(
            id: Self.notificationID(),
            receiver: receiver,
            groupKey: groupKey,
            body: body,
            alertCount: alertCount,
            createdAt: time,
            attempts: 0,
            nextAttemptAt: time,
            lastError: nil,
            state: .pending,
            finishedAt: nil
        )
        do {
            try outbox.enqueue(entry)
            logger.debug(
                "notification queued",
                metadata: ["receiver": "\(receiver)", "id": "\(entry.id)", "alerts": "\(alertCount)"]
            )
            woken.withLockedValue { _ = $0.insert(receiver) }
        } catch {
            logger.error(
                "notification lost: the outbox cannot be written",
                metadata: ["receiver": "\(receiver)", "error": "\(error)"]
            )
            count(receiver, .failed)
        }
        publishMetrics()
    }

    /// `msg_` and 128 random bits in hex: the id a notification keeps across retries and restarts.
    static func notificationID() -> String {
        var generator = SystemRandomNumberGenerator()
        let bits = (0..<2).map { _ in String(generator.next() as UInt64, radix: 16) }
        return "msg_" + bits.map { String(repeating: "0", count: 16 - $0.count) + $0 }.joined()
    }

    private static func dispatchReceiver(_ receiver: ReceiverConfiguration) -> DispatchReceiver {
        let (sendResolved, maxAlerts) =
            switch receiver.endpoint {
            case .webhook(let webhook): (webhook.sendResolved, webhook.maxAlerts)
            case .alertmanager(let alertmanager): (alertmanager.sendResolved, alertmanager.maxAlerts)
            }
        return DispatchReceiver(
            name: receiver.name,
            matcherText: receiver.matchers.map(\.description),
            sendResolved: sendResolved,
            maxAlerts: maxAlerts,
            matches: { receiver.matches($0) }
        )
    }

    /// Notifications left in the outbox for receivers that are no longer configured cannot be
    /// delivered: they are marked failed, so that they stop counting as queued.
    private func abandonUnknownReceivers() {
        let names = Set(configuration.receivers.map(\.name))
        do {
            for (receiver, _) in try outbox.pendingCounts() where !names.contains(receiver) {
                while let entry = try outbox.oldestPending(receiver: receiver) {
                    try outbox.markFailed(id: entry.id, at: Self.now(), error: "receiver no longer configured")
                    logger.warning(
                        "notification dropped: its receiver is no longer configured",
                        metadata: ["receiver": "\(receiver)", "id": "\(entry.id)"]
                    )
                }
            }
        } catch {
            logger.error("could not read the notification outbox", metadata: ["error": "\(error)"])
        }
    }

    // MARK: Delivering

    /// Sends `receiver`'s notifications, oldest first, one at a time.
    private func deliveryLoop(_ receiver: ReceiverConfiguration, client: HTTPClient, generation: Int) async {
        var lastPrune = 0.0
        while !isStopping && !isReplaced(generation) {
            let now = Self.now()
            woken.withLockedValue { _ = $0.remove(receiver.name) }
            var head: OutboxEntry?
            do {
                head = try outbox.oldestPending(receiver: receiver.name)
                if now - lastPrune > 3600 {
                    lastPrune = now
                    _ = try outbox.removeFinished(before: now - Self.finishedRetention)
                }
            } catch {
                logger.error("could not read the notification outbox", metadata: ["error": "\(error)"])
            }
            if let head, head.nextAttemptAt <= now {
                await deliver(head, to: receiver, client: client)
                publishMetrics()
                continue
            }
            // Nothing due: nap until woken by a new notification or the head's next attempt.
            let wake = head?.nextAttemptAt ?? .infinity
            while !isStopping, !isReplaced(generation), Self.now() < wake,
                !woken.withLockedValue({ $0.contains(receiver.name) })
            {
                try? await Task.sleep(for: .nanoseconds(Self.nap.nanoseconds))
            }
        }
    }

    /// One attempt: delivered, retried later, or failed for good.
    private func deliver(_ entry: OutboxEntry, to receiver: ReceiverConfiguration, client: HTTPClient) async {
        let started = Self.now()
        let outcome = await attempt(entry, to: receiver, client: client)
        if isStopping, case .retry = outcome {
            // Cut short by the shutdown: tried again after the restart, not counted as an attempt.
            return
        }
        let now = Self.now()
        let metadata: Logger.Metadata = [
            "receiver": "\(receiver.name)", "id": "\(entry.id)", "attempt": "\(entry.attempts + 1)",
        ]
        do {
            switch outcome {
            case .delivered:
                try outbox.markDelivered(id: entry.id, at: now)
                count(receiver.name, .delivered, latency: now - entry.createdAt)
                logger.info(
                    "notification delivered",
                    metadata: metadata.merging(["took": "\(Self.milliseconds(now - started)) ms"]) { $1 }
                )
            case .retry(let reason, let retryAfter):
                let delay = retryAfter ?? Self.backoff(attempt: entry.attempts + 1)
                try outbox.scheduleRetry(id: entry.id, at: now, next: now + delay, error: reason)
                count(receiver.name, .retried)
                logger.warning(
                    "notification not delivered, will retry",
                    metadata: metadata.merging(["error": "\(reason)", "retry_in": "\(Self.milliseconds(delay)) ms"]) {
                        $1
                    }
                )
            case .failed(let reason):
                try outbox.markFailed(id: entry.id, at: now, error: reason)
                count(receiver.name, .failed)
                logger.error(
                    "notification refused by the receiver, not retried",
                    metadata: metadata.merging(["error": "\(reason)"]) { $1 }
                )
            }
        } catch {
            // The attempt stays recorded as not done: the notification is sent again (at least once).
            logger.error(
                "could not record a delivery in the outbox",
                metadata: metadata.merging(["error": "\(error)"]) { $1 }
            )
            try? await Task.sleep(for: .seconds(1))
        }
    }

    enum Outcome {
        case delivered
        /// `retryAfter`: seconds the receiver asked for (429 `Retry-After`).
        case retry(String, retryAfter: Double?)
        case failed(String)
    }

    private func attempt(_ entry: OutboxEntry, to receiver: ReceiverConfiguration, client: HTTPClient) async -> Outcome
    {
        var request: HTTPClientRequest
        let timeout: TimeAmount
        switch receiver.endpoint {
        case .webhook(let webhook):
            request = HTTPClientRequest(url: webhook.url.value)
            timeout = webhook.timeout
            for (name, value) in webhook.headers { request.headers.add(name: name, value: value) }
            if let token = webhook.bearerToken {
                request.headers.replaceOrAdd(name: "Authorization", value: "Bearer \(token.value)")
            }
            // Standard Webhooks: the id doubles as the idempotency key; the signature is made anew
            // for each attempt, over that attempt's timestamp.
            do {
                let headers = try WebhookSignature.headers(
                    id: entry.id,
                    timestamp: Int(Self.now()),
                    body: entry.body,
                    secret: webhook.signingSecret?.value
                )
                for (name, value) in headers { request.headers.replaceOrAdd(name: name, value: value) }
            } catch {
                // The configuration checked the secret; a notification that cannot be signed is not sent.
                return .failed("cannot sign: \(error)")
            }
        case .alertmanager(let alertmanager):
            var base = alertmanager.url
            while base.hasSuffix("/") { base.removeLast() }
            request = HTTPClientRequest(url: base + "/api/v2/alerts")
            timeout = alertmanager.timeout
            for (name, value) in alertmanager.headers { request.headers.add(name: name, value: value) }
            if let token = alertmanager.bearerToken {
                request.headers.replaceOrAdd(name: "Authorization", value: "Bearer \(token.value)")
            }
        }
        request.method = .POST
        request.headers.replaceOrAdd(name: "Content-Type", value: "application/json")
        request.headers.replaceOrAdd(name: "User-Agent", value: userAgent)
        request.body = .bytes(ByteBuffer(bytes: entry.body))
        do {
            let response = try await client.execute(request, timeout: timeout)
            var body = try await response.body.collect(upTo: Self.maximumResponseBody)
            let text = body.readString(length: min(body.readableBytes, 512)) ?? ""
            let status = response.status
            switch status.code {
            case 200..<300:
                return .delivered
            case 429:
                return .retry(
                    "HTTP 429 \(status.reasonPhrase)",
                    retryAfter: Self.retryAfter(response.headers.first(name: "Retry-After"), now: Self.now())
                )
            case 500..<600, 408:
                return .retry("HTTP \(status.code) \(status.reasonPhrase): \(text)", retryAfter: nil)
            default:
                return .failed("HTTP \(status.code) \(status.reasonPhrase): \(text)")
            }
        } catch {
            // Connection refused or reset, DNS, TLS, the timeout: all worth another try.
            return .retry(Self.describe(error, timeout: timeout), retryAfter: nil)
        }
    }

    /// Exponential backoff from 1 s, doubling up to 5 minutes, with "equal jitter" (half fixed,
    /// half random), so that notifications queued together do not retry in lockstep.
    static func backoff(attempt: Int) -> Double {
        let base = min(300, pow(2, Double(max(0, attempt - 1))))
        return base / 2 + Double.random(in: 0...(base / 2))
    }

    /// `Retry-After` as seconds or an HTTP date; at most an hour (a receiver cannot park
    /// notifications for longer), nil when absent or unreadable.
    static func retryAfter(_ value: String?, now: Double) -> Double? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Double(value), seconds >= 0 { return min(seconds, 3600) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return min(max(0, date.timeIntervalSince1970 - now), 3600)
    }

    private static func describe(_ error: any Error, timeout: TimeAmount) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout:
                return "no answer within the timeout of \(Self.milliseconds(Self.seconds(timeout))) ms"
            case .remoteConnectionClosed: return "the receiver closed the connection"
            default: return "\(error)"
            }
        }
        if let error = error as? IOError {
            // NIO reports a refused connect as "connection reset (error set)" with the errno.
            switch error.errnoCode {
            case ECONNREFUSED: return "connection refused"
            case ECONNRESET: return "connection reset by the receiver"
            default: return "\(error)"
            }
        }
        if let error = error as? NIOTooManyBytesError {
            return "response body above \(Self.maximumResponseBody) bytes (\(error))"
        }
        return "\(error)"
    }

    // MARK: Metrics

    enum Result: String, CaseIterable {
        case delivered, retried, failed
    }

    struct Statistics {
        var attempts: [String: [Result: UInt64]] = [:]
        /// Per receiver: cumulative bucket counts, sum and count of delivery latencies.
        var latency: [String: (counts: [UInt64], sum: Double, count: UInt64)] = [:]
    }

    private func count(_ receiver: String, _ result: Result, latency: Double? = nil) {
        statistics.withLockedValue { statistics in
            statistics.attempts[receiver, default: [:]][result, default: 0] += 1
            if let latency {
                let bounds = MetricNames.notificationDeliveryBuckets
                var entry = statistics.latency[receiver] ?? (Array(repeating: 0, count: bounds.count), 0, 0)
                for (index, bound) in bounds.enumerated() where latency <= bound { entry.counts[index] += 1 }
                entry.sum += latency
                entry.count += 1
                statistics.latency[receiver] = entry
            }
        }
    }

    private func publishMetrics() {
        let statistics = statistics.withLockedValue { $0 }
        let queued = (try? outbox.pendingCounts()) ?? [:]
        let names = configuration.receivers.map(\.name)
        var attempts: [(labels: [(name: String, value: String)], value: Double)] = []
        for name in names {
            for result in Result.allCases {
                attempts.append(
                    (
                        [("receiver", name), ("result", result.rawValue)],
                        Double(statistics.attempts[name]?[result] ?? 0)
                    )
                )
            }
        }
        let empty = (
            counts: Array(repeating: UInt64(0), count: MetricNames.notificationDeliveryBuckets.count), sum: 0.0,
            count: UInt64(0)
        )
        registry.setFamilies(
            [
                MetricFamilySamples(family: MetricNames.notifications, samples: attempts),
                MetricFamilySamples(
                    family: MetricNames.notificationQueueLength,
                    samples: names.map { ([("receiver", $0)], Double(queued[$0] ?? 0)) }
                ),
                .histogram(
                    MetricNames.notificationDelivery,
                    upperBounds: MetricNames.notificationDeliveryBuckets,
                    series: names.map { name in
                        let latency = statistics.latency[name] ?? empty
                        return ([("receiver", name)], latency.counts, latency.sum, latency.count)
                    }
                ),
            ],
            from: .notifications
        )
    }

    // MARK: Time

    static func now() -> Double { Date().timeIntervalSince1970 }

    static func seconds(_ amount: TimeAmount) -> Double { Double(amount.nanoseconds) / 1e9 }

    private static func milliseconds(_ seconds: Double) -> Int { Int((seconds * 1000).rounded()) }
}

extension ReceiverConfiguration {
    fileprivate var isWebhook: Bool {
        if case .webhook = endpoint { true } else { false }
    }
}
