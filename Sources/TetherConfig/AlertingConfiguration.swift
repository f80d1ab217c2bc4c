import Foundation
public import NIOCore
public import TetherHeartbeat

/// The notification keys of `alerting:` (DESIGN §6): how firing and resolved alerts are grouped,
/// and which receivers get them. Grouping follows Alertmanager's route settings, one level deep:
/// each receiver takes the alerts its matchers select and groups them by ``groupBy``.
public struct AlertingConfiguration: Sendable, Equatable {
    /// Labels whose values make a group (`group_by`, default none: all of a receiver's alerts in one
    /// group). Empty when ``groupByAll`` is set.
    public var groupBy: [String]
    /// `group_by: ['...']`: every label makes the group, so each alert is a group of its own.
    public var groupByAll: Bool
    /// How long a new group waits for more alerts before its first notification (`group_wait`,
    /// default 30s).
    public var groupWait: TimeAmount
    /// How long a group waits after a notification before it sends what changed (`group_interval`,
    /// default 5m).
    public var groupInterval: TimeAmount
    /// How long a group that has not changed waits before it is sent again (`repeat_interval`,
    /// default 4h).
    public var repeatInterval: TimeAmount
    /// How often firing alerts are sent again to an Alertmanager receiver, as Prometheus'
    /// `--rules.alert.resend-delay` (`resend_delay`, default 1m).
    public var resendDelay: TimeAmount
    /// The receivers in file order, names unique.
    public var receivers: [ReceiverConfiguration]

    public init(
        groupBy: [String] = [],
        groupByAll: Bool = false,
        groupWait: TimeAmount = .seconds(30),
        groupInterval: TimeAmount = .minutes(5),
        repeatInterval: TimeAmount = .hours(4),
        resendDelay: TimeAmount = .minutes(1),
        receivers: [ReceiverConfiguration] = []
    ) {
        self.groupBy = groupBy
        self.groupByAll = groupByAll
        self.groupWait = groupWait
        self.groupInterval = groupInterval
        self.repeatInterval = repeatInterval
        self.resendDelay = resendDelay
        self.receivers = receivers
    }
}

/// One entry of `alerting.receivers`: where the alerts its matchers select are delivered.
public struct ReceiverConfiguration: Sendable, Equatable, CustomStringConvertible {
    /// Unique and not empty; the `receiver` of webhook payloads and of `tether_notifications_total`.
    public var name: String
    /// All must match an alert's labels for the receiver to take it; none takes every alert.
    public var matchers: [AlertMatcher]
    /// Where and how the alerts are sent.
    public var endpoint: Endpoint

    /// A receiver sends to exactly one endpoint.
    public enum Endpoint: Sendable, Equatable {
        /// An Alertmanager-compatible webhook (payload version 4).
        case webhook(WebhookReceiverConfiguration)
        /// An Alertmanager's API v2 (`POST /api/v2/alerts`).
        case alertmanager(AlertmanagerReceiverConfiguration)
    }

    public init(name: String, matchers: [AlertMatcher] = [], endpoint: Endpoint) {
        self.name = name
        self.matchers = matchers
        self.endpoint = endpoint
    }

    /// Whether the receiver takes an alert with these labels: every matcher matches.
    ///
    /// - Parameters:
    ///   - labels: the alert's labels; a missing label is the empty string, as in Alertmanager.
    public func matches(_ labels: [String: String]) -> Bool {
        self.matchers.allSatisfy { $0.matches(labels) }
    }

    /// Name, kind and matchers: never a webhook URL or header value, which may hold credentials.
    public var description: String {
        let kind =
            switch self.endpoint {
            case .webhook: "webhook"
            case .alertmanager(let alertmanager): "alertmanager \(alertmanager.url)"
            }
        let matchers = self.matchers.isEmpty ? "" : " {\(self.matchers.map(\.description).joined(separator: ", "))}"
        return "\(self.name) (\(kind))\(matchers)"
    }
}

/// `webhook:` in a receiver: an HTTP POST of Alertmanager's webhook payload (version 4).
public struct WebhookReceiverConfiguration: Sendable, Equatable, CustomStringConvertible {
    /// The http or https URL posted to (`url` or `url_file`). A secret: such URLs often carry a token.
    public var url: Secret
    /// Extra request headers (`headers`), never `Content-Type`, the `webhook-*` signature headers,
    /// or `Authorization` together with a bearer token.
    public var headers: [String: String]
    /// Sent as `Authorization: Bearer …` (`bearer_token` or `bearer_token_file`).
    public var bearerToken: Secret?
    /// Bound on one request, connect included (`timeout`, default 10s).
    public var timeout: TimeAmount
    /// The HMAC-SHA256 key for Standard Webhooks signatures (`signing_secret` or
    /// `signing_secret_file`), as written: a `whsec_` secret has been checked to be base64 after
    /// the prefix; any other text is the key's bytes.
    public var signingSecret: Secret?
    /// Whether resolved alerts are sent too (`send_resolved`, default true).
    public var sendResolved: Bool
    /// Most alerts in one notification, the rest counted in `truncatedAlerts` (`max_alerts`,
    /// default 0: no limit).
    public var maxAlerts: Int

    public init(
        url: Secret,
        headers: [String: String] = [:],
        bearerToken: Secret? = nil,
        timeout: TimeAmount = .seconds(10),
        signingSecret: Secret? = nil,
        sendResolved: Bool = true,
        maxAlerts: Int = 0
    ) {
        self.url = url
        self.headers = headers
        self.bearerToken = bearerToken
        self.timeout = timeout
        self.signingSecret = signingSecret
        self.sendResolved = sendResolved
        self.maxAlerts = maxAlerts
    }

    /// Header names only: the URL and header values may hold credentials.
    public var description: String {
        "webhook (headers: \(self.headers.keys.sorted().joined(separator: ", ")))"
    }
}

/// `alertmanager:` in a receiver: alerts posted to an Alertmanager's API v2, firing ones re-sent
/// every `resend_delay` as Prometheus re-sends them.
public struct AlertmanagerReceiverConfiguration: Sendable, Equatable, CustomStringConvertible {
    /// The Alertmanager's base URL without a trailing '/' (`url`), e.g. `http://alertmanager:9093`;
    /// alerts go to `url + "/api/v2/alerts"`. Never holds credentials.
    public var url: String
    /// Extra request headers (`headers`), never `Content-Type`, or `Authorization` together with a
    /// bearer token.
    public var headers: [String: String]
    /// Sent as `Authorization: Bearer …` (`bearer_token` or `bearer_token_file`).
    public var bearerToken: Secret?
    /// Bound on one request, connect included (`timeout`, default 10s).
    public var timeout: TimeAmount
    /// Whether resolved alerts are sent too (`send_resolved`, default true).
    public var sendResolved: Bool
    /// Most alerts in one POST; more are split over several (`max_alerts`, default 0: no limit).
    public var maxAlerts: Int

    public init(
        url: String,
        headers: [String: String] = [:],
        bearerToken: Secret? = nil,
        timeout: TimeAmount = .seconds(10),
        sendResolved: Bool = true,
        maxAlerts: Int = 0
    ) {
        self.url = url
        self.headers = headers
        self.bearerToken = bearerToken
        self.timeout = timeout
        self.sendResolved = sendResolved
        self.maxAlerts = maxAlerts
    }

    /// URL and header names only: header values may hold credentials.
    public var description: String {
        "alertmanager \(self.url) (headers: \(self.headers.keys.sorted().joined(separator: ", ")))"
    }
}

/// One Alertmanager matcher: `name="value"`, `name!="value"`, `name=~"regex"` or `name!~"regex"`.
///
/// Regular expressions are anchored at both ends, as Alertmanager and Prometheus anchor them, and
/// compiled when the matcher is made, so a bad one is a configuration error, not a silent miss.
public struct AlertMatcher: Sendable, Equatable, CustomStringConvertible {
    /// How the label's value is compared, written as in Alertmanager and PromQL.
    public enum MatchOperator: String, Sendable, Hashable, CaseIterable {
        case equal = "="
        case notEqual = "!="
        case regexMatch = "=~"
        case regexNoMatch = "!~"
    }

    /// The label compared.
    public let name: String
    public let matchOperator: MatchOperator
    /// The text compared with, or the regular expression (unanchored, as written).
    public let value: String
    /// Compiled once and shared by the matcher's copies; `nil` for `=` and `!=`.
    private let regex: AnchoredRegex?

    /// A matcher from its parts.
    ///
    /// - Parameters:
    ///   - name: a label name, `[a-zA-Z_][a-zA-Z0-9_]*`.
    ///   - matchOperator: the comparison.
    ///   - value: the text, or for `=~` and `!~` the regular expression.
    /// - Throws: ``AlertMatcherError`` for an invalid label name or regular expression.
    public init(name: String, matchOperator: MatchOperator, value: String) throws(AlertMatcherError) {
        guard Self.isLabelName(name) else {
            throw AlertMatcherError(
                description: "invalid label name '\(name)': label names match [a-zA-Z_][a-zA-Z0-9_]*"
            )
        }
        switch matchOperator {
        case .equal, .notEqual:
            self.regex = nil
        case .regexMatch, .regexNoMatch:
            do {
                self.regex = try AnchoredRegex(value)
            } catch {
                throw AlertMatcherError(description: "invalid regular expression '\(value)': \(error)")
            }
        }
        self.name = name
        self.matchOperator = matchOperator
        self.value = value
    }

    /// A matcher as Alertmanager's configuration writes one: `severity="critical"`, `team!~"a|b"`,
    /// or with the value unquoted, `severity=critical`.
    ///
    /// Parsed as Alertmanager's classic matcher parser does: spaces around the operator and the
    /// value are dropped; in the value, `\"`, `\\` and `\n` are escapes and any other backslash is
    /// kept, so regular expressions such as `\d+` need no doubling; a `"` that is not escaped may
    /// only close a quoted value.
    ///
    /// - Parameters:
    ///   - text: one matcher.
    /// - Throws: ``AlertMatcherError`` saying what is wrong.
    public init(parsing text: String) throws(AlertMatcherError) {
        var rest = Substring(text).drop(while: \.isWhitespace)
        let name = rest.prefix(while: { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ":") })
        rest = rest.dropFirst(name.count).drop(while: \.isWhitespace)
        // Longest operators first: "=~" before "=".
        let found = [MatchOperator.regexMatch, .regexNoMatch, .notEqual, .equal].first {
            rest.hasPrefix($0.rawValue)
        }
        guard !name.isEmpty, let matchOperator = found else {
            throw AlertMatcherError(
                description: "expected a matcher like name=\"value\" (operators =, !=, =~, !~), got '\(text)'"
            )
        }
        var raw = rest.dropFirst(matchOperator.rawValue.count).drop(while: \.isWhitespace)
        while raw.last?.isWhitespace == true { raw = raw.dropLast() }
        guard let value = Self.unescape(raw) else {
            throw AlertMatcherError(description: "unescaped double quote in the value of '\(text)'")
        }
        try self.init(name: String(name), matchOperator: matchOperator, value: value)
    }

    /// Whether the labels satisfy the matcher.
    ///
    /// - Parameters:
    ///   - labels: an alert's labels; a missing label is the empty string, as in Alertmanager, so
    ///     `team=""` matches alerts without `team`.
    public func matches(_ labels: [String: String]) -> Bool {
        let actual = labels[self.name] ?? ""
        switch self.matchOperator {
        case .equal: return actual == self.value
        case .notEqual: return actual != self.value
        case .regexMatch: return self.regex?.matches(actual) == true
        case .regexNoMatch: return self.regex?.matches(actual) == false
        }
    }

    /// As Alertmanager prints matchers: `severity="critical"`, the value quoted like Go's `%q`.
    public var description: String {
        self.name + self.matchOperator.rawValue + Self.quote(self.value)
    }

    /// Matchers compare by what they say; the compiled regex follows from it.
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.name == rhs.name && lhs.matchOperator == rhs.matchOperator && lhs.value == rhs.value
    }

    static func isLabelName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCIILetter || first == "_" else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == "_" }
    }

    /// Alertmanager's `labels.ParseMatcher` value rules; `nil` for a stray double quote.
    private static func unescape(_ raw: Substring) -> String? {
        var text = raw
        var expectsClosingQuote = false
        if text.first == "\"" {
            text = text.dropFirst()
            expectsClosingQuote = true
        }
        var value = ""
        var escaped = false
        var index = text.unicodeScalars.startIndex
        let scalars = text.unicodeScalars
        while index < scalars.endIndex {
            let scalar = scalars[index]
            let isLast = scalars.index(after: index) == scalars.endIndex
            defer { index = scalars.index(after: index) }
            if escaped {
                escaped = false
                switch scalar {
                case "n": value.unicodeScalars.append("\n")
                case "\"", "\\": value.unicodeScalars.append(scalar)
                default: value.unicodeScalars.append(contentsOf: ["\\", scalar])
                }
                continue
            }
            switch scalar {
            case "\\" where !isLast:
                escaped = true
            case "\"":
                guard expectsClosingQuote, isLast else { return nil }
                expectsClosingQuote = false
            default:
                value.unicodeScalars.append(scalar)
            }
        }
        return expectsClosingQuote ? nil : value
    }

    /// Go's `strconv.Quote` for the characters label values hold: quotes, backslashes and control
    /// characters escaped, everything else as it is.
    private static func quote(_ value: String) -> String {
        var text = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16)
                text += "\\x" + (hex.count < 2 ? "0" + hex : hex)
            default: text.unicodeScalars.append(scalar)
            }
        }
        return text + "\""
    }
}

/// Why a matcher cannot be made: a message naming the mistake.
public struct AlertMatcherError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String
}

/// A label regular expression anchored at both ends (`^(?:…)$`, as Alertmanager and
/// `PromQLParser.anchoredRegex` build it), compiled once.
///
/// Swift's `Regex` is not Sendable, so matchers share this reference and use the regex only under
/// its lock: a matcher is read by every delivery task, and compiling per match would cost more
/// than the match.
private final class AnchoredRegex: @unchecked Sendable {
    private let lock = NSLock()
    private let regex: Regex<AnyRegexOutput>

    init(_ pattern: String) throws {
        self.regex = try Regex("^(?:" + pattern + ")$")
    }

    func matches(_ value: String) -> Bool {
        self.lock.withLock { (try? self.regex.wholeMatch(in: value)) != nil }
    }
}
