import Foundation
import NIOCore
import TetherHeartbeat
import Yams

/// The notification keys of `alerting:` in tether.yml: grouping as Alertmanager's route settings,
/// and the receivers, each a webhook or an Alertmanager.
extension ConfigurationDecoder {
    static let receiverKeys = ["name", "matchers", "webhook", "alertmanager"]
    static let webhookKeys = [
        "url", "url_file", "headers", "bearer_token", "bearer_token_file", "timeout", "signing_secret",
        "signing_secret_file", "send_resolved", "max_alerts",
    ]
    static let alertmanagerKeys = [
        "url", "headers", "bearer_token", "bearer_token_file", "timeout", "send_resolved", "max_alerts",
    ]

    /// Everything under `alerting:` but `state_dir`, which the caller reads.
    mutating func alerting(_ fields: [String: ConfigurationField]) -> AlertingConfiguration {
        var alerting = AlertingConfiguration()
        if let field = fields["group_by"] { (alerting.groupBy, alerting.groupByAll) = self.groupBy(field) }
        if let value = self.duration(fields["group_wait"]) { alerting.groupWait = value }
        if let value = self.duration(fields["group_interval"]) { alerting.groupInterval = value }
        if let value = self.duration(fields["repeat_interval"]) { alerting.repeatInterval = value }
        if let value = self.duration(fields["resend_delay"]) { alerting.resendDelay = value }
        if let field = fields["receivers"] { alerting.receivers = self.receivers(field) }
        return alerting
    }

    /// Label names, or the single entry `...` for every label, as Alertmanager's `group_by`.
    mutating func groupBy(_ field: ConfigurationField) -> (labels: [String], all: Bool) {
        guard let items = self.sequence(field) else { return ([], false) }
        var labels: [String] = []
        var all = false
        var firstLineByName: [String: Int] = [:]
        for (index, item) in items.enumerated() {
            let entry = ConfigurationField(path: "\(field.path)[\(index)]", key: field.key, keyMark: nil, node: item)
            guard let name = self.string(entry) else { continue }
            if name == "..." {
                if items.count == 1 {
                    all = true
                } else {
                    self.report(
                        "\(entry.path): '...' groups by every label, so it must be the only entry",
                        at: entry.mark
                    )
                }
                continue
            }
            guard AlertMatcher.isLabelName(name) else {
                self.report(
                    "\(entry.path): invalid label name '\(name)': label names match [a-zA-Z_][a-zA-Z0-9_]*",
                    at: entry.mark
                )
                continue
            }
            if let firstLine = firstLineByName[name] {
                self.report(
                    "\(entry.path): duplicate label '\(name)' (first listed at line \(firstLine))",
                    at: entry.mark
                )
                continue
            }
            firstLineByName[name] = entry.mark?.line ?? 0
            labels.append(name)
        }
        return (labels, all)
    }

    // MARK: Receivers

    /// The `receivers:` list. Names must be unique: the second use is reported, naming the first's line.
    mutating func receivers(_ field: ConfigurationField) -> [ReceiverConfiguration] {
        guard let items = self.sequence(field) else { return [] }
        var receivers: [ReceiverConfiguration] = []
        var firstLineByName: [String: Int] = [:]
        for (index, item) in items.enumerated() {
            let (name, nameField, receiver) = self.receiver(item, path: "\(field.path)[\(index)]")
            if let name, let nameField {
                if let firstLine = firstLineByName[name] {
                    self.report(
                        "\(nameField.path): duplicate receiver name '\(name)' (first defined at line \(firstLine))",
                        at: nameField.mark
                    )
                } else {
                    firstLineByName[name] = nameField.mark?.line ?? 0
                }
            }
            if let receiver { receivers.append(receiver) }
        }
        return receivers
    }

    /// One receiver; the name is returned even when the rest is wrong, for the duplicate check.
    mutating func receiver(
        _ node: Node,
        path: String
    ) -> (name: String?, nameField: ConfigurationField?, receiver: ReceiverConfiguration?) {
        if Self.isNull(node) {
            self.report(
                "\(path): expected a mapping with name and webhook or alertmanager, got nothing",
                at: node.position
            )
            return (nil, nil, nil)
        }
        guard let fields = self.mapping(node, path: path, keys: Self.receiverKeys) else { return (nil, nil, nil) }
        let diagnosticsBefore = self.diagnostics.count
        let name: String?
        if let field = fields["name"] {
            name = self.string(field)
        } else {
            self.report("\(path): missing required key 'name'", at: node.position)
            name = nil
        }
        let matchers = fields["matchers"].map { self.matchers($0) } ?? []
        // Both blocks are read, so that their own mistakes are reported too.
        let webhook = fields["webhook"].flatMap { self.webhook($0) }
        let alertmanager = fields["alertmanager"].flatMap { self.alertmanager($0) }
        let endpoint: ReceiverConfiguration.Endpoint?
        switch (fields["webhook"], fields["alertmanager"]) {
        case (nil, nil):
            self.report("\(path): needs one of webhook or alertmanager", at: node.position)
            endpoint = nil
        case (.some, .some(let second)):
            self.report("\(path): webhook and alertmanager exclude each other; set one", at: second.keyMark)
            endpoint = nil
        case (.some, nil):
            endpoint = webhook.map { .webhook($0) }
        case (nil, .some):
            endpoint = alertmanager.map { .alertmanager($0) }
        }
        guard let name, let endpoint, self.diagnostics.count == diagnosticsBefore else {
            return (name, fields["name"], nil)
        }
        return (name, fields["name"], ReceiverConfiguration(name: name, matchers: matchers, endpoint: endpoint))
    }

    /// Alertmanager matcher strings, one matcher each; regular expressions are compiled now.
    mutating func matchers(_ field: ConfigurationField) -> [AlertMatcher] {
        guard let items = self.sequence(field) else { return [] }
        var matchers: [AlertMatcher] = []
        for (index, item) in items.enumerated() {
            let entry = ConfigurationField(path: "\(field.path)[\(index)]", key: field.key, keyMark: nil, node: item)
            guard let text = self.string(entry) else { continue }
            do {
                matchers.append(try AlertMatcher(parsing: text))
            } catch {
                self.report("\(entry.path): \(error.description)", at: entry.mark)
            }
        }
        return matchers
    }

    // MARK: Endpoints

    mutating func webhook(_ field: ConfigurationField) -> WebhookReceiverConfiguration? {
        guard let fields = self.mapping(field.node, path: field.path, keys: Self.webhookKeys) else { return nil }
        let diagnosticsBefore = self.diagnostics.count
        var url: Secret?
        if fields["url"] == nil, fields["url_file"] == nil {
            self.report("\(field.path): missing required key 'url' or 'url_file'", at: field.mark)
        } else if let (secret, source) = self.secret(fields, inline: "url", file: "url_file", in: field) {
            if Self.httpURL(secret.value) != nil {
                url = secret
            } else {
                // Never the text itself: webhook URLs often carry a token.
                let holder = source.key == "url_file" ? "the file does not hold" : "expected"
                self.report("\(source.path): \(holder) an http:// or https:// URL with a host", at: source.mark)
            }
        }
        let bearerToken = self.secret(fields, inline: "bearer_token", file: "bearer_token_file", in: field)?.secret
        let headers = self.receiverHeaders(fields, isWebhook: true)
        var signingSecret: Secret?
        if let (secret, source) = self.secret(fields, inline: "signing_secret", file: "signing_secret_file", in: field)
        {
            if !Self.isValidStandardWebhooksSecret(secret.value) {
                self.report(
                    "\(source.path): a secret starting with 'whsec_' must be base64 after the prefix "
                        + "(Standard Webhooks)",
                    at: source.mark
                )
            } else {
                signingSecret = secret
            }
        }
        let timeout = self.duration(fields["timeout"]) ?? .seconds(10)
        let sendResolved = self.bool(fields["send_resolved"]) ?? true
        let maxAlerts = self.integer(fields["max_alerts"], atLeast: 0) ?? 0
        guard let url, self.diagnostics.count == diagnosticsBefore else { return nil }
        return WebhookReceiverConfiguration(
            url: url,
            headers: headers,
            bearerToken: bearerToken,
            timeout: timeout,
            signingSecret: signingSecret,
            sendResolved: sendResolved,
            maxAlerts: maxAlerts
        )
    }

    mutating func alertmanager(_ field: ConfigurationField) -> AlertmanagerReceiverConfiguration? {
        guard let fields = self.mapping(field.node, path: field.path, keys: Self.alertmanagerKeys) else { return nil }
        let diagnosticsBefore = self.diagnostics.count
        var url: String?
        if let field = fields["url"] {
            url = self.alertmanagerURL(field)
        } else {
            self.report("\(field.path): missing required key 'url'", at: field.mark)
        }
        let bearerToken = self.secret(fields, inline: "bearer_token", file: "bearer_token_file", in: field)?.secret
        let headers = self.receiverHeaders(fields, isWebhook: false)
        let timeout = self.duration(fields["timeout"]) ?? .seconds(10)
        let sendResolved = self.bool(fields["send_resolved"]) ?? true
        let maxAlerts = self.integer(fields["max_alerts"], atLeast: 0) ?? 0
        guard let url, self.diagnostics.count == diagnosticsBefore else { return nil }
        return AlertmanagerReceiverConfiguration(
            url: url,
            headers: headers,
            bearerToken: bearerToken,
            timeout: timeout,
            sendResolved: sendResolved,
            maxAlerts: maxAlerts
        )
    }

    /// An Alertmanager's base URL without its trailing '/', so that `/api/v2/alerts` can follow;
    /// a path prefix (`--web.route-prefix`) is kept.
    mutating func alertmanagerURL(_ field: ConfigurationField) -> String? {
        guard let text = self.string(field) else { return nil }
        guard let url = Self.httpURL(text) else {
            // Credentials in a URL that does not parse would otherwise be shown.
            let shown = text.contains("@") ? "" : ", got '\(text)'"
            self.report(
                "\(field.path): expected an http:// or https:// URL with a host, like http://alertmanager:9093\(shown)",
                at: field.mark
            )
            return nil
        }
        if url.user != nil || url.password != nil {
            self.report(
                "\(field.path): credentials in the URL are refused; use bearer_token or headers",
                at: field.mark
            )
            return nil
        }
        if url.query != nil || url.fragment != nil {
            self.report(
                "\(field.path): must not have a query or fragment: tether appends /api/v2/alerts to it",
                at: field.mark
            )
            return nil
        }
        var trimmed = Substring(text)
        while trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        return String(trimmed)
    }

    /// An absolute http or https URL with a host and nothing a request line cannot carry.
    static func httpURL(_ text: String) -> URL? {
        guard
            !text.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }),
            let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty
        else { return nil }
        return url
    }

    // MARK: Secrets and headers

    /// An inline secret or its `*_file` variant, never both, with the field it came from; an empty
    /// inline one is reported (an empty file is already).
    mutating func secret(
        _ fields: [String: ConfigurationField],
        inline: String,
        file: String,
        in block: ConfigurationField
    ) -> (secret: Secret, field: ConfigurationField)? {
        if fields[inline] != nil, let fileField = fields[file] {
            self.report("\(block.path): \(inline) and \(file) exclude each other; set one", at: fileField.keyMark)
            return nil
        }
        if let field = fields[inline] {
            guard let secret = self.secret(field) else { return nil }
            guard !secret.value.isEmpty else {
                self.report("\(field.path): must not be empty", at: field.mark)
                return nil
            }
            return (secret, field)
        }
        guard let field = fields[file], let secret = self.secretFile(field) else { return nil }
        return (secret, field)
    }

    /// A Standard Webhooks secret (`whsec_` + base64) must decode, since its bytes are the key;
    /// any other text is the key as written.
    static func isValidStandardWebhooksSecret(_ secret: String) -> Bool {
        guard secret.hasPrefix("whsec_") else { return true }
        let encoded = secret.dropFirst("whsec_".count)
        return !encoded.isEmpty && Data(base64Encoded: String(encoded)) != nil
    }

    /// Headers a receiver sets itself, which a configuration must not replace.
    static let receiverOwnHeaders: Set<String> = ["content-type", "content-length", "transfer-encoding"]

    /// A receiver's `headers`: names are HTTP tokens, unique without case; values never echoed.
    mutating func receiverHeaders(_ fields: [String: ConfigurationField], isWebhook: Bool) -> [String: String] {
        guard let field = fields["headers"] else { return [:] }
        let hasBearerToken = fields["bearer_token"] != nil || fields["bearer_token_file"] != nil
        let headers = self.headers(field) { lowercased, name in
            if Self.receiverOwnHeaders.contains(lowercased) {
                return "header '\(name)' is set by tether itself"
            }
            if isWebhook, lowercased.hasPrefix("webhook-") {
                return "header '\(name)': 'webhook-*' headers carry the Standard Webhooks signature, which tether "
                    + "sets itself"
            }
            if hasBearerToken, lowercased == "authorization" {
                return "header '\(name)' and bearer_token exclude each other; set one"
            }
            return nil
        }
        // Names are unique, without case, already.
        return Dictionary(headers, uniquingKeysWith: { first, _ in first })
    }
}
