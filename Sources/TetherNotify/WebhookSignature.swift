import Crypto
import Foundation

/// Signs webhook deliveries as the Standard Webhooks specification asks: the headers `webhook-id`,
/// `webhook-timestamp` and `webhook-signature`, the last `v1,` and the base64 of HMAC-SHA256 over
/// `{id}.{timestamp}.{body}`.
public struct WebhookSignature: Sendable {
    public static let idHeader = "webhook-id"
    public static let timestampHeader = "webhook-timestamp"
    public static let signatureHeader = "webhook-signature"

    private let key: SymmetricKey

    /// A signer for a signing secret.
    ///
    /// A secret in the specification's serialisation, `whsec_` and base64, signs with the decoded bytes. Any other
    /// secret signs with its UTF-8 bytes as they are. (The reference libraries base64-decode an unprefixed secret
    /// too, but a secret a user wrote by hand into a file is seldom base64, and taking it literally is what
    /// receivers outside the specification that check an HMAC of the body do; `whsec_` marks the specification's
    /// keys unambiguously.)
    ///
    /// - Parameter secret: The receiver's signing secret.
    /// - Throws: `WebhookSignatureError` when the secret is empty, or starts with `whsec_` and the rest is not base64.
    public init(secret: String) throws(WebhookSignatureError) {
        let prefix = "whsec_"
        let keyBytes: [UInt8]
        if secret.hasPrefix(prefix) {
            guard let decoded = Data(base64Encoded: String(secret.dropFirst(prefix.count))) else {
                throw WebhookSignatureError(.notBase64)
            }
            keyBytes = Array(decoded)
        } else {
            keyBytes = Array(secret.utf8)
        }
        guard !keyBytes.isEmpty else { throw WebhookSignatureError(.empty) }
        self.key = SymmetricKey(data: keyBytes)
    }

    /// The signature header's value: `v1,<base64 of HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`.
    ///
    /// - Parameters:
    ///   - id: The message id, the same on every attempt of one delivery (the idempotency key).
    ///   - timestamp: Seconds since the epoch of this attempt.
    ///   - body: The request body exactly as sent.
    public func signature(id: String, timestamp: Int, body: [UInt8]) -> String {
        var message = Array("\(id).\(timestamp).".utf8)
        message.append(contentsOf: body)
        let code = HMAC<SHA256>.authenticationCode(for: message, using: self.key)
        return "v1," + Data(code).base64EncodedString()
    }

    /// The three headers of a signed delivery, in the order `webhook-id`, `webhook-timestamp`, `webhook-signature`.
    ///
    /// - Parameters:
    ///   - id: The message id, the same on every attempt of one delivery. It must not contain `.`, which would make
    ///     the signed content ambiguous (the specification's warning); the outbox chooses it.
    ///   - timestamp: Seconds since the epoch of this attempt; each retry is signed anew with its own.
    ///   - body: The request body exactly as sent.
    public func headers(id: String, timestamp: Int, body: [UInt8]) -> [(name: String, value: String)] {
        precondition(!id.contains("."), "a webhook-id must not contain '.'")
        return [
            (Self.idHeader, id),
            (Self.timestampHeader, String(timestamp)),
            (Self.signatureHeader, self.signature(id: id, timestamp: timestamp, body: body)),
        ]
    }

    /// The Standard Webhooks headers of a delivery attempt: with a secret, `webhook-id`, `webhook-timestamp` and
    /// `webhook-signature`; without one, `webhook-id` and `webhook-timestamp` only, so that the id still serves the
    /// receiver as idempotency key.
    ///
    /// - Parameters:
    ///   - id: The message id, the same on every attempt of one delivery; no `.` in it.
    ///   - timestamp: Seconds since the epoch of this attempt.
    ///   - body: The request body exactly as sent.
    ///   - secret: The receiver's signing secret, if it has one.
    /// - Throws: `WebhookSignatureError` when the secret cannot be used (see `init(secret:)`).
    public static func headers(
        id: String,
        timestamp: Int,
        body: [UInt8],
        secret: String?
    ) throws(WebhookSignatureError) -> [(name: String, value: String)] {
        guard let secret else {
            precondition(!id.contains("."), "a webhook-id must not contain '.'")
            return [(Self.idHeader, id), (Self.timestampHeader, String(timestamp))]
        }
        return try WebhookSignature(secret: secret).headers(id: id, timestamp: timestamp, body: body)
    }
}

/// Why a signing secret cannot be used.
public struct WebhookSignatureError: Error, Sendable, Hashable, CustomStringConvertible {
    enum Code: Sendable, Hashable {
        case empty
        case notBase64
    }

    let code: Code

    init(_ code: Code) { self.code = code }

    /// The secret is empty.
    public static let empty = WebhookSignatureError(.empty)
    /// The secret starts with `whsec_` but the rest is not base64.
    public static let notBase64 = WebhookSignatureError(.notBase64)

    public var description: String {
        switch self.code {
        case .empty:
            return "the signing secret is empty"
        case .notBase64:
            return "the signing secret starts with 'whsec_' but the rest is not base64"
        }
    }
}
