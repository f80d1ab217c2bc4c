import Foundation
import NIOCore
import Testing
import TetherConfig
import TetherHeartbeat

@Suite struct ConfigurationLoaderTests {
    static let environment = [
        "REGION": "eu-west-1",
        "CHAT_TOKEN": "s3cret-chat-token",
        "REDIS_PASSWORD": "redis-inline-secret",
    ]

    func valid() throws -> TetherConfiguration {
        try Fixtures.load("valid.yml", environment: Self.environment)
    }

    func target(_ name: String, in configuration: TetherConfiguration) throws -> TargetConfiguration {
        try #require(configuration.targets.first { $0.name == name })
    }

    @Test func validFileSetsEveryGlobalKey() throws {
        let global = try self.valid().global
        #expect(global.interval == .seconds(10))
        #expect(global.timeout == .seconds(3))
        #expect(global.downAfter == 5)
        #expect(global.intervalWhenFailing == .seconds(2))
        #expect(global.connectTimeout == .seconds(4))
        #expect(global.closeTimeout == .milliseconds(1500))
        #expect(global.maxConcurrentConnects == 16)
        #expect(global.maxFrameBytes == 4096)
        #expect(global.evaluationInterval == .seconds(15))
        #expect(global.externalLabels == ["agent": "orders-pod-1", "region": "eu-west-1"])
    }

    @Test func validFileSetsServerAndReconnect() throws {
        let configuration = try self.valid()
        #expect(
            configuration.server
                == ServerConfiguration(listenHost: "127.0.0.1", listenPort: 9900, idleTimeout: .minutes(1))
        )
        #expect(
            configuration.reconnect == ReconnectPolicy(initial: .milliseconds(250), max: .minutes(1), multiplier: 1.5)
        )
    }

    @Test func validFileKeepsTargetsInOrder() throws {
        #expect(
            try self.valid().targets.map(\.name) == [
                "chat-gateway", "orders", "orders-tls", "graphql", "cache", "cache-tls", "broker", "broker-tls",
            ]
        )
    }

    @Test func targetsInheritGlobalSettings() throws {
        let chat = try self.target("chat-gateway", in: self.valid())
        #expect(
            chat.schedule
                == HeartbeatSchedule(
                    interval: .seconds(10),
                    timeout: .seconds(3),
                    downAfter: 5,
                    intervalWhenFailing: .seconds(2),
                    closeTimeout: .milliseconds(1500),
                    limit: nil,
                    pacing: .eventLoop
                )
        )
        #expect(chat.connection.connectTimeout == .seconds(4))
        #expect(chat.connection.maxFrameBytes == 4096)
    }

    @Test func perTargetOverrides() throws {
        let orders = try self.target("orders", in: self.valid())
        #expect(
            orders.schedule
                == HeartbeatSchedule(
                    interval: .seconds(1),
                    timeout: .milliseconds(500),
                    downAfter: 2,
                    intervalWhenFailing: .milliseconds(250),
                    closeTimeout: .seconds(3)
                )
        )
        #expect(orders.connection.connectTimeout == .seconds(2))
    }

    @Test func websocketTargetWithHeadersAndTLS() throws {
        let chat = try self.target("chat-gateway", in: self.valid())
        #expect(chat.labels == ["team": "chat"])
        #expect(chat.connection.target == (try HeartbeatTarget(url: "wss://chat.internal/ws")))
        #expect(chat.connection.headers.map(\.name) == ["Authorization", "X-Client"])
        #expect(chat.connection.headers.map(\.value) == ["Bearer s3cret-chat-token", "tether"])
        #expect(
            chat.connection.tls
                == TLSOptions(
                    caFile: "\(Fixtures.directory)/tls/ca.pem",
                    certFile: "\(Fixtures.directory)/tls/client.pem",
                    keyFile: "\(Fixtures.directory)/tls/client-key.pem",
                    serverName: "chat",
                    insecureSkipVerify: false
                )
        )
        #expect(chat.connection.websocket == WebSocketOptions(mode: .ping))
        #expect(chat.connection.subprotocol == nil)
    }

    @Test func tcpOptions() throws {
        let configuration = try self.valid()
        let orders = try self.target("orders", in: configuration)
        #expect(
            orders.connection.stream
                == .init(send: Array("PING\n".utf8), expect: .bytes(Array("PONG".utf8)), framing: .line)
        )
        let ordersTLS = try self.target("orders-tls", in: configuration)
        #expect(ordersTLS.connection.tls == TLSOptions(insecureSkipVerify: true))
        #expect(
            ordersTLS.connection.stream
                == .init(send: [0x01, 0x02], expect: .regex("^OK [0-9]+$"), framing: .delimiter([0x0D, 0x0A]))
        )
    }

    @Test func websocketMessageMode() throws {
        let graphql = try self.target("graphql", in: self.valid())
        #expect(
            graphql.connection.websocket
                == WebSocketOptions(
                    mode: .message(
                        send: #"{"type":"ping","seq":{{seq}}}"#,
                        expect: .bytes(Array(#""type":"pong""#.utf8))
                    )
                )
        )
        #expect(graphql.connection.subprotocol == "graphql-transport-ws")
        #expect(graphql.connection.target.requestTarget == "/graphql?v=1")
    }

    @Test func redisPasswordsFromFileAndEnvironment() throws {
        let configuration = try self.valid()
        let cache = try self.target("cache", in: configuration)
        #expect(cache.connection.redis == RedisOptions(username: "tether", password: Secret("redis-secret-from-file")))
        let cacheTLS = try self.target("cache-tls", in: configuration)
        #expect(cacheTLS.connection.redis == RedisOptions(password: Secret("redis-inline-secret")))
        #expect(cacheTLS.connection.tls == TLSOptions())
    }

    @Test func mqttOptions() throws {
        let configuration = try self.valid()
        let broker = try self.target("broker", in: configuration)
        // The file ends in CRLF; the line break is not part of the password.
        #expect(
            broker.connection.mqtt
                == MQTTOptions(
                    clientID: "tether-orders",
                    username: "tether",
                    password: Secret("mqtt-secret-from-file"),
                    keepAlive: 30
                )
        )
        let brokerTLS = try self.target("broker-tls", in: configuration)
        #expect(
            brokerTLS.connection.mqtt
                == MQTTOptions(
                    clientID: "tether-broker-tls",
                    username: "tether",
                    password: Secret("p$ss"),
                    keepAlive: 60
                )
        )
    }

    @Test func defaults() throws {
        let configuration = try ConfigurationLoader.load(
            yaml: "targets:\n  - name: orders\n    url: tcp://127.0.0.1:7000\n",
            file: "test.yml",
            environment: [:],
            baseDirectory: nil
        )
        #expect(configuration.global == GlobalConfiguration())
        #expect(configuration.global.interval == .seconds(5))
        #expect(configuration.global.maxConcurrentConnects == 64)
        #expect(configuration.global.evaluationInterval == .seconds(15))
        #expect(configuration.global.externalURL == nil)
        #expect(configuration.externalURL(hostname: "pod-1") == "http://pod-1:9779")
        #expect(configuration.ruleFiles.isEmpty)
        #expect(configuration.stateDirectory == "data")
        #expect(
            configuration.server == ServerConfiguration(listenHost: "", listenPort: 9779, idleTimeout: .seconds(30))
        )
        #expect(configuration.server.listensOnAllInterfaces)
        #expect(
            configuration.reconnect == ReconnectPolicy(initial: .milliseconds(500), max: .seconds(30), multiplier: 2)
        )
        let orders = try #require(configuration.targets.first)
        #expect(orders.labels == [:])
        #expect(
            orders.schedule
                == HeartbeatSchedule(
                    interval: .seconds(5),
                    timeout: .seconds(2),
                    downAfter: 3,
                    closeTimeout: .seconds(2)
                )
        )
        #expect(orders.connection.connectTimeout == .seconds(5))
        #expect(orders.connection.maxFrameBytes == 65_536)
        #expect(orders.connection.stream == .init())
        #expect(orders.connection.tls == TLSOptions())
        #expect(orders.connection.headers.isEmpty)
    }

    @Test func mqttDefaultsFollowTheTarget() throws {
        let configuration = try ConfigurationLoader.load(
            yaml: """
                targets:
                  - {name: broker, url: "mqtt://127.0.0.1:1883"}
                  - {name: slow, url: "mqtt://127.0.0.1:1884", interval: 90500ms}
                """,
            file: "test.yml",
            environment: [:],
            baseDirectory: nil
        )
        #expect(configuration.targets.map(\.connection.mqtt.clientID) == ["tether-broker", "tether-slow"])
        // Never shorter than the interval, or the broker drops the client between two heartbeats.
        #expect(configuration.targets.map(\.connection.mqtt.keepAlive) == [60, 91])
    }

    @Test func emptySectionsTakeDefaults() throws {
        let configuration = try ConfigurationLoader.load(
            yaml: "global:\nserver:\nreconnect:\ntargets:\n",
            file: "test.yml",
            environment: [:],
            baseDirectory: nil
        )
        #expect(configuration == TetherConfiguration())
    }

    @Test func listenAddresses() throws {
        for (listen, host, port) in [
            (":9779", "", 9779), ("0.0.0.0:80", "0.0.0.0", 80), ("[::1]:9100", "::1", 9100),
            ("localhost:0", "localhost", 0),
        ] {
            let configuration = try ConfigurationLoader.load(
                yaml: "server: {listen: \"\(listen)\"}",
                file: "test.yml",
                environment: [:],
                baseDirectory: nil
            )
            #expect(configuration.server.listenHost == host)
            #expect(configuration.server.listenPort == port)
        }
    }

    // MARK: Environment

    @Test func numbersAndDurationsFromTheEnvironment() throws {
        let configuration = try ConfigurationLoader.load(
            yaml: """
                global: {interval: "${INTERVAL}", down_after: "${DOWN}", max_frame_bytes: "${FRAME}"}
                server: {listen: ":${PORT}"}
                reconnect: {multiplier: "${GROWTH}"}
                targets:
                  - name: ${NAME}
                    url: tcp://${HOST}:7000
                    tcp: {expect_regex: "${REGEX}", expect: 'PONG$'}
                """,
            file: "test.yml",
            environment: [
                "INTERVAL": "250ms", "DOWN": "7", "FRAME": "1024", "PORT": "9100", "GROWTH": "1.25",
                "NAME": "orders", "HOST": "127.0.0.1", "REGEX": "true",
            ],
            baseDirectory: nil
        )
        #expect(configuration.global.interval == .milliseconds(250))
        #expect(configuration.global.downAfter == 7)
        #expect(configuration.global.maxFrameBytes == 1024)
        #expect(configuration.server.listenPort == 9100)
        #expect(configuration.reconnect.multiplier == 1.25)
        let orders = try #require(configuration.targets.first)
        #expect(orders.name == "orders")
        #expect(orders.connection.target.host == "127.0.0.1")
        // A lone '$' is not an expansion: regular expressions keep their anchors.
        #expect(orders.connection.stream.expect == .regex("PONG$"))
    }

    @Test func doubleDollarIsALiteralDollar() throws {
        let configuration = try ConfigurationLoader.load(
            yaml: """
                targets:
                  - name: chat
                    url: ws://127.0.0.1:8080/
                    headers: {X-Price: "$$5", X-Template: "$${NOT_EXPANDED}", X-Mixed: "${A}$$${A}"}
                """,
            file: "test.yml",
            environment: ["A": "a"],
            baseDirectory: nil
        )
        #expect(
            configuration.targets.first?.connection.headers.map(\.value) == ["$5", "${NOT_EXPANDED}", "a$a"]
        )
    }

    @Test func everyUnsetVariableIsReportedAtItsValue() {
        #expect(
            Fixtures.diagnostics(yaml: Fixtures.text("environment.yml"), file: "environment.yml") == [
                "environment.yml:2:13: global.interval: environment variable 'INTERVAL' is not set",
                "environment.yml:5:10: targets[0].url: environment variable 'CHAT_HOST' is not set",
                "environment.yml:6:30: targets[0].headers.Authorization: environment variable 'CHAT_TOKEN' is not set",
                "environment.yml:8:10: targets[1].url: '${1HOST}' is not an environment variable name "
                    + "(write '$$' for a literal '$')",
                "environment.yml:9:21: targets[1].labels.price: '${' without a closing '}' "
                    + "(write '$$' for a literal '$')",
            ]
        )
    }

    // MARK: Files

    @Test func secretFilesAreReadAtLoadTime() throws {
        let directory = TemporaryDirectory()
        let absolute = directory.write("redis-password", "from-absolute-path\n\n")
        directory.write("mqtt-password", "no-trailing-newline")
        let configuration = try ConfigurationLoader.load(
            yaml: """
                targets:
                  - name: cache
                    url: redis://127.0.0.1:6379
                    redis: {password_file: \(absolute)}
                  - name: broker
                    url: mqtt://127.0.0.1:1883
                    mqtt: {username: tether, password_file: mqtt-password}
                """,
            file: "test.yml",
            environment: [:],
            baseDirectory: directory.path
        )
        #expect(configuration.targets.map(\.connection.redis.password) == [Secret("from-absolute-path"), nil])
        #expect(configuration.targets.map(\.connection.mqtt.password) == [nil, Secret("no-trailing-newline")])
    }

    @Test func relativePathsResolveAgainstTheConfigFilesDirectory() throws {
        let directory = TemporaryDirectory()
        directory.write("ca.pem", Fixtures.text("tls/ca.pem"))
        directory.write("secret", "s")
        let file = directory.write(
            "tether.yml",
            """
            targets:
              - name: cache
                url: rediss://127.0.0.1:6380
                tls: {ca_file: ca.pem}
                redis: {password_file: ./secret}
            """
        )
        let cache = try #require(try ConfigurationLoader.load(file: file, environment: [:]).targets.first)
        #expect(cache.connection.tls.caFile == "\(directory.path)/ca.pem")
        #expect(cache.connection.redis.password == Secret("s"))
    }

    @Test func withoutABaseDirectoryRelativePathsStayRelative() {
        #expect(
            Fixtures.diagnostics(
                yaml: "targets:\n  - {name: c, url: \"rediss://127.0.0.1:1\", tls: {ca_file: no-such-dir/ca.pem}}"
            ) == ["test.yml:2:59: targets[0].tls.ca_file: cannot read 'no-such-dir/ca.pem': no such file"]
        )
    }

    @Test func loadFileNamesTheFileInDiagnostics() {
        let path = "\(Fixtures.directory)/bad-url.yml"
        do {
            _ = try ConfigurationLoader.load(file: path, environment: [:])
            Issue.record("bad-url.yml loaded")
        } catch {
            #expect(error.diagnostics.first?.file == path)
            #expect(error.description.hasPrefix("\(path):3:10: targets[0].url: invalid target URL"))
            #expect(error.description.split(separator: "\n").count == 4)
        }
    }

    @Test func loadFileThatCannotBeRead() {
        for (path, message) in [
            ("/nonexistent/tether.yml", "/nonexistent/tether.yml: cannot read the file: no such file"),
            (Fixtures.directory, "\(Fixtures.directory): cannot read the file: it is a directory"),
        ] {
            do {
                _ = try ConfigurationLoader.load(file: path, environment: [:])
                Issue.record("\(path) loaded")
            } catch {
                #expect(error.description == message)
                #expect(error.diagnostics.first?.line == 0)
            }
        }
    }

    // MARK: Secrets

    @Test func secretsNeverAppearInDiagnostics() {
        let directory = TemporaryDirectory()
        directory.write("redis-password", "file-secret-value\n")
        let environment = ["MQTT_PASSWORD": "env-secret-value", "TOKEN": "header-secret-value"]
        let yamls = [
            // Wrong keys and values right next to inline, file and environment secrets.
            """
            targets:
              - name: cache
                url: redis://127.0.0.1:6379
                redis: {password: inline-secret-value, passwrd: x, username: [a]}
              - name: cache2
                url: redis://127.0.0.1:6379
                redis: {password: inline-secret-value, password_file: redis-password}
              - name: broker
                url: mqtt://127.0.0.1:1883
                mqtt: {password: "${MQTT_PASSWORD}", keep_alive: 0s}
              - name: chat
                url: ws://127.0.0.1:1/
                headers: {Authorization: "Bearer ${TOKEN}\\nX: y", "Bad Name": "header-secret-value"}
              - name: chat
                url: tcp://127.0.0.1:1
                headers: {Authorization: "${TOKEN}"}
            """,
            // A value where a mapping belongs (a missing space after the colon).
            """
            targets:
              - name: cache
                url: redis://127.0.0.1:6379
                redis:
                  password:inline-secret-value
            """,
            // A YAML syntax error on the secret's line.
            """
            targets:
              - name: cache
                url: redis://127.0.0.1:6379
                redis: {password: "inline-secret-value}
            """,
            """
            targets:
              - name: cache
                url: redis://127.0.0.1:6379
                redis:
                  password: inline-secret-value
                   username: x
            """,
        ]
        for yaml in yamls {
            let diagnostics = Fixtures.diagnostics(yaml: yaml, environment: environment, baseDirectory: directory.path)
            #expect(!diagnostics.isEmpty)
            #expect(diagnostics.first?.hasPrefix("loaded") == false)
            for diagnostic in diagnostics {
                #expect(!diagnostic.contains("secret-value"), "\(diagnostic)")
            }
        }
    }

    @Test func secretsNeverAppearInDescriptions() throws {
        let configuration = try self.valid()
        let texts = [
            String(describing: configuration), String(reflecting: configuration.targets),
            "\(configuration.targets.map(\.connection.redis))", "\(configuration.targets.map(\.connection.mqtt))",
        ]
        for text in texts {
            for secret in [
                "s3cret-chat-token", "redis-inline-secret", "redis-secret-from-file", "mqtt-secret-from-file",
            ] {
                #expect(!text.contains(secret))
            }
        }
    }

    // MARK: Reload support

    @Test func equalConfigurationsCompareEqual() throws {
        let first = try self.valid()
        var second = try self.valid()
        #expect(first == second)
        second.targets[0].connection.headers[0].value = "Bearer rotated"
        #expect(first.targets[0] != second.targets[0])
        #expect(first.targets[1...] == second.targets[1...])
    }
}
