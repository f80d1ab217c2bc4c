import Foundation
import Testing

/// The webhook sink (`Fixtures/webhook_sink.py`) that the notification tests deliver to, checked
/// on its own: every answering mode switched at run time, the request log (headers, body, JSON,
/// signature check), a hung request that leaves other requests answered, and a stop (connection
/// refused) and restart on the same port.
///
/// Signatures are checked against the Standard Webhooks specification's own example and against
/// one computed by `openssl dgst -mac HMAC`, so the sink's verification is not checked by itself.
@Suite("webhook sink: modes, request log, signatures, stop and restart", .timeLimit(.minutes(1)))
struct WebhookSinkSelfTests {
    static let json = ["Content-Type": "application/json"]

    @Test("every mode, switched at run time: ok 200, fail 503, throttle 429 + Retry-After, reject 400")
    func answeringModes() async throws {
        let dir = try TestDirectory("sink-modes")
        defer { dir.remove() }
        let sink = try await WebhookSink.start(in: dir)
        defer { sink.stop() }
        let body = Array(#"{"alerts":[{"status":"firing"}],"n":1}"#.utf8)

        let ok = try await LoopbackHTTP.post(
            port: sink.port,
            path: "/hook?x=1",
            headers: Self.json.merging(["X-Custom": "A", "Idempotency-Key": "k-1"]) { $1 },
            body: body
        )
        #expect(ok.status == 200, "\(ok)\n\(sink.diagnostics)")

        try sink.setMode(.fail)
        let failed = try await LoopbackHTTP.post(port: sink.port, path: "/hook", headers: Self.json, body: body)
        #expect(failed.status == 503, "\(failed)")

        try sink.setMode(.throttle(retryAfter: 7))
        let throttled = try await LoopbackHTTP.post(port: sink.port, path: "/hook", headers: Self.json, body: body)
        #expect(throttled.status == 429, "\(throttled)")
        #expect(throttled.headers["retry-after"] == "7", "\(throttled)")

        try sink.setMode(.reject)
        let rejected = try await LoopbackHTTP.post(port: sink.port, path: "/hook", headers: Self.json, body: body)
        #expect(rejected.status == 400, "\(rejected)")

        try sink.setMode(.ok)
        let get = try await LoopbackHTTP.get(port: sink.port, path: "/other")
        #expect(get.status == 200, "\(get)")

        let requests = try await sink.waitForRequests(count: 5, timeout: .seconds(5))
        #expect(requests.map(\.status) == [200, 503, 429, 400, 200], "\(requests)")
        #expect(requests.map(\.mode) == ["ok", "fail", "throttle 7", "reject", "ok"], "\(requests)")
        #expect(requests.map(\.sequence) == [1, 2, 3, 4, 5], "\(requests)")
        #expect(Set(requests.map(\.pid)) == [sink.pid], "\(requests)")

        let first = requests[0]
        #expect(first.method == "POST" && first.path == "/hook?x=1", "\(first)")
        #expect(first.body == body, "\(first)")
        #expect(first.header("x-custom") == "A" && first.header("X-CUSTOM") == "A", "\(first)")
        #expect(first.header("idempotency-key") == "k-1", "\(first)")
        #expect(first.header("content-length") == String(body.count), "\(first)")
        #expect(first.headers("host") == ["127.0.0.1:\(sink.port)"], "\(first)")
        let object = try #require(first.json as? [String: Any], "\(first)")
        #expect(object["n"] as? Int == 1, "\(first)")
        #expect(first.signatureValid == nil, "no secret, no verdict: \(first)")
        #expect(abs(first.receivedAt.timeIntervalSinceNow) < 30, "\(first)")
        #expect(requests[4].method == "GET" && requests[4].body.isEmpty && requests[4].json == nil, "\(requests[4])")
    }

    @Test("hang: no answer until the client gives up, other requests answered meanwhile, the end logged")
    func hangingRequest() async throws {
        let dir = try TestDirectory("sink-hang")
        defer { dir.remove() }
        let sink = try await WebhookSink.start(in: dir, mode: .hang)
        defer { sink.stop() }
        let port = sink.port

        let started = ContinuousClock.now
        let hung = Task {
            try await LoopbackHTTP.post(
                port: port,
                path: "/hung",
                headers: ["Content-Type": "text/plain"],
                body: Array("wait".utf8),
                timeout: .seconds(3)
            )
        }
        try await sink.waitForRequests(count: 1, timeout: .seconds(5)) { $0.path == "/hung" }

        // The hung request holds one thread: the sink answers the next one at once.
        try sink.setMode(.ok)
        let meanwhile = try await LoopbackHTTP.post(port: port, path: "/meanwhile", body: [], timeout: .seconds(1))
        #expect(meanwhile.status == 200, "\(meanwhile)\n\(sink.diagnostics)")
        let stillOpen = try sink.requests().filter { $0.path == "/hung" && $0.hangEndedAt == nil }
        #expect(stillOpen.count == 1, "answered while the other request still hangs: \(sink.diagnostics)")

        switch await hung.result {
        case .success(let response): Issue.record("a hung request was answered: \(response)")
        case .failure(let error): #expect("\(error)".contains("no answer within"), "\(error)")
        }
        let waited = ContinuousClock.now - started
        #expect(waited >= .seconds(3), "the client gave up after its own 3 s timeout, not before: \(waited)")

        let ended = try await sink.waitForRequests(count: 1, timeout: .seconds(5)) {
            $0.path == "/hung" && $0.hangEndedAt != nil
        }
        let request = ended[0]
        #expect(request.status == nil && request.mode == "hang", "\(request)")
        #expect(request.bodyText == "wait", "\(request)")
        let held = try #require(request.hangEndedAt).timeIntervalSince(request.receivedAt)
        #expect(held > 2.5 && held < 15, "held open until the client closed it: \(held) s")
        let others = try sink.requests().filter { $0.path == "/meanwhile" }
        #expect(others.map(\.status) == [200], "\(others)")
    }

    @Test("signatures: the Standard Webhooks example and an openssl HMAC verify, a wrong one does not")
    func signatures() async throws {
        let dir = try TestDirectory("sink-signatures")
        defer { dir.remove() }
        // The example of the Standard Webhooks specification (standardwebhooks.com).
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        let sink = try await WebhookSink.start(in: dir, secret: secret)
        defer { sink.stop() }

        let example = try await LoopbackHTTP.post(
            port: sink.port,
            path: "/spec",
            headers: Self.json.merging([
                "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
                "webhook-timestamp": "1614265330",
                "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
            ]) { $1 },
            body: Array(#"{"test": 2432232314}"#.utf8)
        )
        #expect(example.status == 200, "\(example)")

        let body = Array(#"{"version":"4","status":"firing","alerts":[]}"#.utf8)
        let timestamp = String(Int(Date().timeIntervalSince1970))
        let signature = try await Self.opensslSignature(
            secret: secret,
            content: Array("msg_2.\(timestamp).".utf8) + body,
            in: dir
        )
        let signed: [String: String] = [
            "Content-Type": "application/json", "Webhook-Id": "msg_2", "Webhook-Timestamp": timestamp,
            // Several signatures, space separated (key rotation): one matching is enough.
            "Webhook-Signature": "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= v1,\(signature)",
        ]
        _ = try await LoopbackHTTP.post(port: sink.port, path: "/signed", headers: signed, body: body)
        // The same headers over another body: the signature no longer matches.
        _ = try await LoopbackHTTP.post(port: sink.port, path: "/tampered", headers: signed, body: body + [0x20])
        _ = try await LoopbackHTTP.post(port: sink.port, path: "/unsigned", headers: Self.json, body: body)

        let requests = try await sink.waitForRequests(count: 4, timeout: .seconds(5))
        #expect(requests.map(\.signatureValid) == [true, true, false, false], "\(requests)")
        #expect(requests[2].signatureProblem?.contains("no v1 signature matches") == true, "\(requests[2])")
        #expect(requests[3].signatureProblem?.contains("missing header webhook-id") == true, "\(requests[3])")
        #expect(requests[1].webhookTimestamp.map { abs($0.timeIntervalSinceNow) < 30 } == true, "\(requests[1])")
        #expect(requests.allSatisfy { $0.status == 200 }, "the verdict is recorded, not answered: \(requests)")
    }

    @Test("stop: connection refused; mode set while stopped; restart on the same port, one log")
    func stopAndRestart() async throws {
        let dir = try TestDirectory("sink-restart")
        defer { dir.remove() }
        let sink = try await WebhookSink.start(in: dir)
        defer { sink.stop() }
        let port = sink.port
        let firstPID = sink.pid

        let before = try await LoopbackHTTP.post(port: port, path: "/before", body: Array("1".utf8))
        #expect(before.status == 200, "\(before)")

        sink.stop()
        #expect(!sink.isRunning)
        #expect(!Ports.acceptsConnections(port: port), "nothing listens on \(port) once stopped")
        do {
            let answer = try await LoopbackHTTP.post(port: port, path: "/down", body: Array("2".utf8))
            Issue.record("a stopped sink answered: \(answer)")
        } catch {
            #expect("\(error)".contains("Connection refused"), "\(error)")
        }
        try sink.setMode(.fail)

        try await sink.restart()
        #expect(sink.isRunning && sink.port == port && sink.pid != firstPID)
        let after = try await LoopbackHTTP.post(port: port, path: "/after", body: Array("3".utf8))
        #expect(after.status == 503, "the mode set while stopped holds after the restart: \(after)")

        let requests = try await sink.waitForRequests(count: 2, timeout: .seconds(5))
        #expect(requests.map(\.path) == ["/before", "/after"], "\(requests)")
        #expect(requests.map(\.pid) == [firstPID, sink.pid], "\(requests)")
        #expect(requests.map(\.sequence) == [1, 1], "sequence numbers are per process: \(requests)")

        // Not there: waitForRequests fails, naming what it saw.
        do {
            try await sink.waitForRequests(count: 3, timeout: .milliseconds(200))
            Issue.record("waitForRequests(count: 3) returned with 2 requests")
        } catch {
            #expect("\(error)".contains("2 of 3 requests"), "\(error)")
        }
    }

    /// base64(HMAC-SHA256(base64-decoded secret after `whsec_`, content)), by `openssl dgst`.
    static func opensslSignature(secret: String, content: [UInt8], in dir: TestDirectory) async throws -> String {
        let key = try #require(Data(base64Encoded: String(secret.dropFirst("whsec_".count))))
        let hexKey = key.map { String(format: "%02x", $0) }.joined()
        let input = dir.file("signed-content.bin")
        let output = dir.file("signature.bin")
        try Data(content).write(to: input)
        let openssl = try ChildProcess(
            name: "openssl-hmac",
            executable: try Programs.openssl(),
            arguments: [
                "dgst", "-sha256", "-mac", "HMAC", "-macopt", "hexkey:\(hexKey)", "-binary", "-out", output.path,
                input.path,
            ],
            directory: dir.url
        )
        guard await openssl.waitForExit(timeout: .seconds(30)), openssl.exitCode == 0 else {
            openssl.stop()
            throw E2EError("openssl dgst -mac HMAC failed: \(openssl.stderr)")
        }
        let digest = try Data(contentsOf: output)
        #expect(digest.count == 32)
        return digest.base64EncodedString()
    }
}
