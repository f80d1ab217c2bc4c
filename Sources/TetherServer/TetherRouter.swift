import Foundation
public import Hummingbird
import NIOCore
public import TetherAgent
import TetherConfig
public import TetherMetrics
public import TetherState

/// tether's HTTP endpoints (DESIGN §7) over the metrics registry.
public enum TetherRouter {
    /// Builds the router: `/metrics`, `/-/healthy`, `/-/ready`, `/api/v1/targets`,
    /// `/api/v1/alerts` and `/api/v1/rules` (empty without a rule manager), and
    /// `/api/v1/notifications` (empty without an outbox), and `POST /-/reload` with a reloader.
    public static func make(
        registry: MetricsRegistry,
        rules: RuleManager? = nil,
        outbox: Outbox? = nil,
        reloader: ConfigurationReloader? = nil
    ) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/metrics") { request, _ -> Response in
            let format = ExpositionFormat(accept: request.headers[.accept])
            let bytes = registry.render(format: format)
            return Response(
                status: .ok,
                headers: [.contentType: format.contentType],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes))
            )
        }
        router.get("/-/healthy") { _, _ in
            Self.text("tether is Healthy.\n")
        }
        router.get("/-/ready") { _, _ in
            registry.isReady
                ? Self.text("tether is Ready.\n") : Self.text("Service Unavailable\n", status: .serviceUnavailable)
        }
        if let reloader {
            // As Prometheus' lifecycle API: 200 once the new configuration is in force, 500 with
            // the problems when it was rejected (the old one stays). PUT is taken too.
            let reload: @Sendable (Request, BasicRequestContext) async -> Response = { _, _ in
                do throws(ConfigurationError) {
                    try reloader.reload()
                    return Self.text("")
                } catch {
                    return Self.text("failed to reload config: \(error.description)\n", status: .internalServerError)
                }
            }
            router.post("/-/reload", use: reload)
            router.put("/-/reload", use: reload)
        }
        router.get("/api/v1/targets") { _, _ -> Response in
            Self.json(
                TargetsResponse(status: "success", data: .init(activeTargets: registry.targets.map(TargetInfo.init)))
            )
        }
        router.get("/api/v1/alerts") { _, _ -> Response in
            let alerts = rules?.status.alerts ?? []
            return Self.json(AlertsResponse(data: .init(alerts: alerts.map(AlertInfo.init))))
        }
        router.get("/api/v1/rules") { request, _ -> Response in
            guard let filter = RuleFilter(request.uri.queryParameters.get("type")) else {
                return Self.json(
                    APIError(error: "invalid type parameter: use alert or record"),
                    status: .badRequest
                )
            }
            let groups = rules?.status.groups ?? []
            return Self.json(RulesResponse(data: .init(groups: groups.map { GroupInfo($0, type: filter) })))
        }
        router.get("/api/v1/notifications") { request, _ -> Response in
            guard let filter = NotificationFilter(request.uri.queryParameters.get("state")) else {
                return Self.json(
                    APIError(error: "invalid state parameter: use pending, delivered or failed"),
                    status: .badRequest
                )
            }
            let limitText = request.uri.queryParameters.get("limit")
            guard let limit = limitText.map({ Int($0) }) ?? Self.notificationLimit, limit > 0 else {
                return Self.json(APIError(error: "invalid limit parameter: use a positive number"), status: .badRequest)
            }
            do {
                guard let outbox else { return Self.json(NotificationsResponse(data: .init(notifications: []))) }
                // Finished entries come after every pending one: reach past those when they are not wanted.
                let skipped = filter.isFinished ? try outbox.pendingCounts().values.reduce(0, +) : 0
                let shown = try outbox.entries(limit: limit + skipped).filter(filter.includes).prefix(limit)
                return Self.json(NotificationsResponse(data: .init(notifications: shown.map(NotificationInfo.init))))
            } catch {
                return Self.json(APIError(error: "\(error)"), status: .internalServerError)
            }
        }
        return router
    }

    /// Notifications `/api/v1/notifications` lists without `?limit=`.
    static let notificationLimit = 500

    private static func json(_ body: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(body)) ?? Data()
        return Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data))
        )
    }

    private static func text(_ body: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [.contentType: "text/plain; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body))
        )
    }
}

/// `GET /api/v1/targets`, in the envelope of Prometheus' HTTP API.
struct TargetsResponse: Encodable {
    var status: String
    var data: Data

    struct Data: Encodable {
        var activeTargets: [TargetInfo]
    }
}

/// One target in `/api/v1/targets`. Times are RFC 3339, durations in seconds.
struct TargetInfo: Encodable {
    var name: String
    var url: String
    var labels: [String: String]
    /// `up`, `down`, or `unknown` before the first connection, as Prometheus reports scrape health.
    var health: String
    var state: String
    var lastRTTSeconds: Double?
    var consecutiveMissed: Int
    var heartbeats: Heartbeats
    var lastError: String
    var lastDisconnect: String
    var connectedSince: String?
    var lastAnswer: String?
    var reconnectBackoffSeconds: Double
    var recentRTTSeconds: [Double]

    struct Heartbeats: Encodable {
        var sent: UInt64
        var answered: UInt64
        var missed: UInt64
        var late: UInt64
    }

    init(_ target: TargetMetrics) {
        let snapshot = target.snapshot()
        self.name = target.name
        self.url = target.url
        self.labels = Dictionary(uniqueKeysWithValues: target.labels.map { ($0.name, $0.value) })
        self.labels["target"] = target.name
        self.health = snapshot.up ? "up" : (snapshot.sent == 0 && snapshot.connects.isEmpty ? "unknown" : "down")
        self.state = snapshot.state.rawValue
        self.lastRTTSeconds = snapshot.lastRTT
        self.consecutiveMissed = snapshot.consecutiveMissed
        self.heartbeats = Heartbeats(
            sent: snapshot.sent,
            answered: snapshot.answered,
            missed: snapshot.missed,
            late: snapshot.late
        )
        self.lastError = snapshot.lastError ?? ""
        self.lastDisconnect = snapshot.lastDisconnect ?? ""
        self.connectedSince = snapshot.established.map(Self.rfc3339)
        self.lastAnswer = snapshot.lastAnswer.map(Self.rfc3339)
        self.reconnectBackoffSeconds = snapshot.backoff
        self.recentRTTSeconds = snapshot.recentRTT.map(Double.init)
    }

    private static func rfc3339(_ seconds: Double) -> String {
        Date(timeIntervalSince1970: seconds).formatted(
            .iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted)
        )
    }
}

/// An error in the envelope of Prometheus' HTTP API.
struct APIError: Encodable {
    var status = "error"
    var errorType = "bad_data"
    var error: String
}
