import Testing

@testable import TetherNotify

struct WebhookSignatureTests {
    /// The Standard Webhooks reference libraries' signing vector (libraries/go/webhook_test.go, TestWebhookSign).
    @Test func specificationVector() throws {
        let signer = try WebhookSignature(secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        let signature = signer.signature(
            id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
            timestamp: 1_614_265_330,
            body: Array(#"{"test": 2432232314}"#.utf8)
        )
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    /// A secret without `whsec_` is the key as it is: HMAC-SHA256 with the UTF-8 bytes of "tether-secret",
    /// computed with Python's hmac module.
    @Test func unprefixedSecretIsUsedLiterally() throws {
        let headers = try WebhookSignature(secret: "tether-secret")
            .headers(id: "msg_01HXYZ", timestamp: 1_795_325_000, body: Array("{\"version\":\"4\"}\n".utf8))
        #expect(headers.map(\.name) == ["webhook-id", "webhook-timestamp", "webhook-signature"])
        #expect(
            headers.map(\.value) == [
                "msg_01HXYZ", "1795325000", "v1,3u3QgErKf5dyoPZrD0bqOfyOvanF2XvpdqsJR/SBxIU=",
            ]
        )
    }

    @Test func withoutSecretOnlyIdAndTimestamp() throws {
        let headers = try WebhookSignature.headers(id: "msg_1", timestamp: 42, body: [1, 2], secret: nil)
        #expect(headers.map(\.name) == ["webhook-id", "webhook-timestamp"])
        #expect(headers.map(\.value) == ["msg_1", "42"])
        let signed = try WebhookSignature.headers(
            id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
            timestamp: 1_614_265_330,
            body: Array(#"{"test": 2432232314}"#.utf8),
            secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        )
        #expect(signed.last?.value == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test func unusableSecretsAreRejected() {
        #expect(throws: WebhookSignatureError.notBase64) { try WebhookSignature(secret: "whsec_not base64!") }
        #expect(throws: WebhookSignatureError.empty) { try WebhookSignature(secret: "") }
        #expect(throws: WebhookSignatureError.empty) { try WebhookSignature(secret: "whsec_") }
        #expect(
            WebhookSignatureError.notBase64.description
                == "the signing secret starts with 'whsec_' but the rest is not base64"
        )
    }
}
