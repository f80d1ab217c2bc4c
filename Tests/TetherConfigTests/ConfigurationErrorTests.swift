import Foundation
import Testing
import TetherConfig

/// One bad fixture and exactly what `tether check config` must say about it.
struct FixtureCase: Sendable, CustomTestStringConvertible {
    var fixture: String
    /// `file:line:column: message`, in file order; `{dir}` stands for the fixtures directory.
    var diagnostics: [String]

    init(_ fixture: String, _ diagnostics: [String]) {
        self.fixture = fixture
        self.diagnostics = diagnostics
    }

    var testDescription: String { self.fixture }
}

@Suite struct ConfigurationErrorTests {
    static let cases: [FixtureCase] = [
        FixtureCase(
            "empty.yml",
            [
                "empty.yml:1:1: the configuration is empty; expected a mapping with keys global, server, reconnect, "
                    + "targets, target_files, rule_files, alerting"
            ]
        ),
        FixtureCase(
            "not-a-mapping.yml",
            [
                "not-a-mapping.yml:1:1: expected a mapping at the top level with keys global, server, reconnect, "
                    + "targets, target_files, rule_files, alerting, got a list"
            ]
        ),
        FixtureCase(
            "syntax-error.yml",
            [
                "syntax-error.yml:3:2: invalid YAML: did not find expected key "
                    + "(while parsing a block mapping at line 1, column 1)"
            ]
        ),
        FixtureCase(
            "duplicate-key.yml",
            ["duplicate-key.yml:4:3: duplicate key 'interval' in a mapping (first defined at line 2)"]
        ),
        FixtureCase(
            "wrong-shapes.yml",
            [
                "wrong-shapes.yml:1:9: global: expected a mapping, got a single value",
                "wrong-shapes.yml:2:9: server: expected a mapping, got a list",
                "wrong-shapes.yml:4:3: targets: expected a list, got a mapping",
            ]
        ),
        FixtureCase(
            "unknown-keys.yml",
            [
                "unknown-keys.yml:2:3: unknown key 'intervall' in global; expected one of: interval, timeout, "
                    + "down_after, interval_when_failing, connect_timeout, close_timeout, max_concurrent_connects, "
                    + "max_frame_bytes, evaluation_interval, external_labels, external_url",
                "unknown-keys.yml:10:5: unknown key 'intervall' in targets[2]; expected one of: name, url, labels, "
                    + "headers, tls, interval, timeout, down_after, interval_when_failing, connect_timeout, "
                    + "close_timeout, tcp, websocket, redis, mqtt",
                "unknown-keys.yml:11:11: unknown key 'sned' in targets[2].tcp; expected one of: send, expect, "
                    + "expect_regex, framing",
                "unknown-keys.yml:12:1: unknown key 'rule_file' at the top level; expected one of: global, server, "
                    + "reconnect, targets, target_files, rule_files, alerting",
            ]
        ),
        FixtureCase(
            "bad-values.yml",
            [
                "bad-values.yml:2:13: global.interval: expected a duration like 5s, got 'abc'",
                "bad-values.yml:3:12: global.timeout: must be greater than 0",
                "bad-values.yml:4:15: global.down_after: must be at least 1, got 0",
                "bad-values.yml:5:28: global.max_concurrent_connects: expected an integer, got 'many'",
                "bad-values.yml:6:20: global.max_frame_bytes: must be at least 128, got 64",
                "bad-values.yml:7:24: global.evaluation_interval: expected a duration like 5s, got '5'",
                "bad-values.yml:8:20: global.external_labels: expected a mapping, got a list",
                "bad-values.yml:10:17: server.idle_timeout: expected a duration like 5s, got '-1s'",
                "bad-values.yml:14:15: targets[0].interval: expected a duration like 5s, got '1.5s'",
                "bad-values.yml:15:17: targets[0].down_after: expected an integer, got '2.5'",
                "bad-values.yml:16:33: targets[0].tls.insecure_skip_verify: expected true or false, got 'yes'",
            ]
        ),
        FixtureCase(
            "bad-url.yml",
            [
                "bad-url.yml:3:10: targets[0].url: invalid target URL 'orders:7000': expected scheme://host:port "
                    + "(ws, wss, tcp, tls, redis, rediss, mqtt or mqtts)",
                "bad-url.yml:5:10: targets[1].url: invalid target URL 'http://127.0.0.1:8080/': unsupported scheme "
                    + "'http' (expected ws, wss, tcp, tls, redis, rediss, mqtt or mqtts)",
                "bad-url.yml:7:10: targets[2].url: invalid target URL 'tcp://127.0.0.1': tcp:// needs a port",
                "bad-url.yml:9:10: targets[3].url: invalid target URL 'ws://127.0.0.1:99999/': port '99999' is not "
                    + "a number from 1 to 65535",
            ]
        ),
        FixtureCase(
            "duplicate-target.yml",
            ["duplicate-target.yml:6:11: targets[2].name: duplicate target name 'orders' (first defined at line 2)"]
        ),
        FixtureCase(
            "missing-required.yml",
            [
                "missing-required.yml:2:5: targets[0]: missing required key 'name'",
                "missing-required.yml:3:5: targets[1]: missing required key 'url'",
                "missing-required.yml:4:11: targets[2].name: must not be empty",
                "missing-required.yml:6:4: targets[3]: expected a mapping with name and url, got nothing",
            ]
        ),
        FixtureCase(
            "wrong-scheme.yml",
            [
                "wrong-scheme.yml:4:5: targets[0].tcp: applies to tcp:// and tls:// targets, but 'chat-gateway' is ws://",
                "wrong-scheme.yml:5:5: targets[0].tls: applies to wss://, tls://, rediss:// and mqtts:// targets, "
                    + "but 'chat-gateway' is ws://",
                "wrong-scheme.yml:6:5: targets[0].redis: applies to redis:// and rediss:// targets, "
                    + "but 'chat-gateway' is ws://",
                "wrong-scheme.yml:9:5: targets[1].headers: applies to ws:// and wss:// targets, but 'orders' is tcp://",
                "wrong-scheme.yml:10:5: targets[1].websocket: applies to ws:// and wss:// targets, but 'orders' is tcp://",
                "wrong-scheme.yml:11:5: targets[1].mqtt: applies to mqtt:// and mqtts:// targets, but 'orders' is tcp://",
            ]
        ),
        FixtureCase(
            "bad-labels.yml",
            [
                "bad-labels.yml:2:21: global.external_labels: invalid label name '__agent': names starting with '__' "
                    + "are reserved",
                "bad-labels.yml:7:7: targets[0].labels: invalid label name 'team-name': label names match "
                    + "[a-zA-Z_][a-zA-Z0-9_]*",
                "bad-labels.yml:8:7: targets[0].labels: label name 'target' is reserved: tether sets it to the "
                    + "target's name",
                "bad-labels.yml:9:7: targets[0].labels: invalid label name '9lives': label names match "
                    + "[a-zA-Z_][a-zA-Z0-9_]*",
                "bad-labels.yml:10:17: targets[0].labels.ok_label: expected a string, got a mapping",
            ]
        ),
        FixtureCase(
            "environment.yml",
            [
                "environment.yml:2:13: global.interval: environment variable 'INTERVAL' is not set",
                "environment.yml:5:10: targets[0].url: environment variable 'CHAT_HOST' is not set",
                "environment.yml:6:30: targets[0].headers.Authorization: environment variable 'CHAT_TOKEN' is not set",
                "environment.yml:8:10: targets[1].url: '${1HOST}' is not an environment variable name "
                    + "(write '$$' for a literal '$')",
                "environment.yml:9:21: targets[1].labels.price: '${' without a closing '}' (write '$$' for a literal '$')",
            ]
        ),
        FixtureCase(
            "missing-files.yml",
            [
                "missing-files.yml:4:28: targets[0].redis.password_file: cannot read '{dir}/secrets/missing': "
                    + "no such file",
                "missing-files.yml:7:20: targets[1].tls.ca_file: cannot read '/nonexistent/ca.pem': no such file",
                "missing-files.yml:8:45: targets[1].mqtt.password_file: cannot read '{dir}/secrets': it is a directory",
            ]
        ),
        FixtureCase(
            "tls-options.yml",
            [
                "tls-options.yml:4:5: targets[0].tls: cert_file and key_file go together; key_file is missing",
                "tls-options.yml:6:20: targets[0].tls.server_name: must not be empty",
                "tls-options.yml:7:7: unknown key 'verify' in targets[0].tls; expected one of: ca_file, cert_file, "
                    + "key_file, server_name, insecure_skip_verify",
            ]
        ),
        FixtureCase(
            "bad-pem.yml",
            [
                "bad-pem.yml:4:20: targets[0].tls.ca_file: cannot load CA certificates from "
                    + "'{dir}/tls/not-a-certificate.pem': failedToLoadCertificate",
                "bad-pem.yml:7:48: targets[1].tls.key_file: cannot load client key from '{dir}/tls/ca.pem': "
                    + "failedToLoadPrivateKey",
                "bad-pem.yml:10:20: targets[2].tls.ca_file: cannot load CA certificates from "
                    + "'{dir}/tls/not-a-certificate.pem': failedToLoadCertificate",
            ]
        ),
        FixtureCase(
            "headers.yml",
            [
                "headers.yml:5:7: targets[0].headers: header 'Upgrade' is set by the WebSocket handshake itself",
                "headers.yml:6:7: targets[0].headers: set websocket.subprotocol instead of the Sec-WebSocket-Protocol "
                    + "header",
                "headers.yml:7:7: targets[0].headers: invalid header name 'Bad Name'",
                "headers.yml:8:16: targets[0].headers.X-Token: a header value must not contain line breaks or NUL",
                "headers.yml:9:7: targets[0].headers: duplicate header 'x-token' (first defined at line 8)",
            ]
        ),
        FixtureCase(
            "tcp-options.yml",
            [
                "tcp-options.yml:6:17: targets[0].tcp.send: must not be empty",
                "tcp-options.yml:6:29: targets[0].tcp.expect: invalid escape in 'PO\\qNG': unknown escape \\q",
                "tcp-options.yml:6:48: targets[0].tcp.framing: fixed:4096 is longer than max_frame_bytes (1024)",
                "tcp-options.yml:9:17: targets[1].tcp.send: invalid escape in '\\x4': \\x needs two hex digits",
                "tcp-options.yml:9:33: targets[1].tcp.framing: expected line, fixed:N or delimiter:BYTES, got 'words'",
                "tcp-options.yml:9:40: targets[1].tcp.expect_regex: needs expect, the regular expression",
            ]
        ),
        FixtureCase(
            "websocket-options.yml",
            [
                "websocket-options.yml:4:17: targets[0].websocket: mode message needs 'expect'",
                "websocket-options.yml:7:17: targets[1].websocket.send: applies only to mode: message "
                    + "(mode ping sends RFC 6455 ping frames)",
                "websocket-options.yml:7:43: targets[1].websocket.subprotocol: expected a subprotocol name "
                    + "(an HTTP token), got 'two words'",
                "websocket-options.yml:10:23: targets[2].websocket.mode: expected ping or message, got 'pong'",
                "websocket-options.yml:13:52: targets[3].websocket.expect: invalid regular expression 'pong(': "
                    + "expected ')'",
            ]
        ),
        FixtureCase(
            "credentials.yml",
            [
                "credentials.yml:4:13: targets[0].redis: username needs password or password_file",
                "credentials.yml:7:39: targets[1].redis: password and password_file exclude each other; set one",
                "credentials.yml:11:12: targets[2].mqtt: a password needs a username (MQTT 3.1.1 sends a password "
                    + "only with one)",
                "credentials.yml:11:48: targets[2].mqtt.keep_alive: must be whole seconds from 1s to 65535s, "
                    + "got '1500ms'",
                "credentials.yml:15:24: targets[3].mqtt.keep_alive: must not be shorter than the target's interval "
                    + "(2m), or the broker drops the connection between heartbeats",
            ]
        ),
        FixtureCase(
            "reconnect.yml",
            [
                "reconnect.yml:3:8: reconnect: initial (1m) must not be longer than max (30s)",
                "reconnect.yml:4:15: reconnect.multiplier: must be at least 1, got 0.5",
            ]
        ),
        FixtureCase(
            "server.yml",
            [
                "server.yml:2:11: server.listen: expected host:port or :port with a port from 0 to 65535, "
                    + "got 'localhost'",
                "server.yml:3:17: server.idle_timeout: expected a duration like 5s, got '30'",
            ]
        ),
    ]

    @Test(arguments: Self.cases)
    func reportsEveryProblemWithItsPosition(_ fixtureCase: FixtureCase) {
        let expected = fixtureCase.diagnostics.map { $0.replacingOccurrences(of: "{dir}", with: Fixtures.directory) }
        do {
            let configuration = try Fixtures.load(fixtureCase.fixture)
            Issue.record("\(fixtureCase.fixture) loaded with \(configuration.targets.count) targets")
        } catch {
            #expect(error.diagnostics.map(\.description) == expected)
            #expect(error.description == expected.joined(separator: "\n"))
        }
    }

    @Test func everyBadFixtureIsInTheTable() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Fixtures.directory)
            .filter { $0.hasSuffix(".yml") && $0 != "valid.yml" }
        #expect(Set(files) == Set(Self.cases.map(\.fixture)))
    }

    @Test func diagnosticsCarryFileLineAndColumn() throws {
        do {
            _ = try Fixtures.load("duplicate-target.yml")
        } catch {
            #expect(
                error.diagnostics == [
                    .init(
                        file: "duplicate-target.yml",
                        line: 6,
                        column: 11,
                        message: "targets[2].name: duplicate target name 'orders' (first defined at line 2)"
                    )
                ]
            )
        }
    }

    @Test func anchorsWorkButMergeKeysAreRefused() {
        let yaml = """
            targets:
              - &base
                name: a
                url: tcp://127.0.0.1:1
                labels: &team {team: chat}
              - name: b
                url: tcp://127.0.0.1:2
                labels: *team
              - <<: *base
                name: c
            """
        #expect(
            Fixtures.diagnostics(yaml: yaml) == [
                "test.yml:9:5: merge keys ('<<') are not supported; write the keys out",
                "test.yml:9:5: targets[2]: missing required key 'url'",
            ]
        )
    }

    @Test func duplicateKeysInFlowMappingsPointAtTheSecond() {
        #expect(
            Fixtures.diagnostics(yaml: "global: {interval: 5s, timeout: 1s, interval: 10s}") == [
                "test.yml:1:37: duplicate key 'interval' in a mapping (first defined at line 1)"
            ]
        )
    }

    @Test func duplicateKeysInsideATargetPointAtTheSecond() {
        #expect(
            Fixtures.diagnostics(
                yaml: """
                    targets:
                      - name: a
                        url: tcp://127.0.0.1:1
                      - name: b
                        url: tcp://127.0.0.1:2
                        'url': tcp://127.0.0.1:3
                    """
            ) == ["test.yml:6:5: duplicate key 'url' in a mapping (first defined at line 5)"]
        )
    }
}
