import Foundation
import NIOCore
import Testing
import TetherConfig
import TetherHeartbeat

/// The notification keys of `alerting:` in tether.yml: grouping, receivers and their matchers.
@Suite struct AlertingConfigurationTests {
    /// `alerting:` from DESIGN §3, with the secret files in a temporary directory.
    static let designExample = """
        alerting:
          state_dir: /var/lib/tether      # alert state + notification outbox survive restarts
          group_by: [alertname, target]
          group_wait: 10s
          group_interval: 1m
          repeat_interval: 4h
          receivers:
            - name: oncall
              matchers: ['severity="critical"']
              webhook: {url: https://hooks.example/tether, timeout: 5s, signing_secret_file: DIR/hmac, send_resolved: true}
            - name: pager
              webhook: {url_file: DIR/pager-url, headers: {X-Team: core}, bearer_token_file: DIR/token}
            - name: fleet
              alertmanager: {url: http://alertmanager:9093}
        """

    static func load(
        _ yaml: String,
        environment: [String: String] = [:],
        baseDirectory: String? = nil
    ) throws -> AlertingConfiguration {
        try ConfigurationLoader.load(
            yaml: yaml,
            file: "test.yml",
            environment: environment,
            baseDirectory: baseDirectory
        )
        .alerting
    }

    @Test("DESIGN §3's alerting example loads")
    func designExampleLoads() throws {
        let directory = TemporaryDirectory()
        directory.write("hmac", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n")
        directory.write("pager-url", "https://pager.example/hook?token=abc\n")
        directory.write("token", "bearer-from-file\n")
        let configuration = try ConfigurationLoader.load(
            yaml: Self.designExample.replacingOccurrences(of: "DIR", with: directory.path),
            file: "tether.yml",
            environment: [:],
            baseDirectory: nil
        )
        #expect(configuration.stateDirectory == "/var/lib/tether")
        let expected = AlertingConfiguration(
            groupBy: ["alertname", "target"],
            groupWait: .seconds(10),
            groupInterval: .minutes(1),
            repeatInterval: .hours(4),
            receivers: [
                ReceiverConfiguration(
                    name: "oncall",
                    matchers: [try AlertMatcher(name: "severity", matchOperator: .equal, value: "critical")],
                    endpoint: .webhook(
                        WebhookReceiverConfiguration(
                            url: Secret("https://hooks.example/tether"),
                            timeout: .seconds(5),
                            signingSecret: Secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
                        )
                    )
                ),
                ReceiverConfiguration(
                    name: "pager",
                    endpoint: .webhook(
                        WebhookReceiverConfiguration(
                            url: Secret("https://pager.example/hook?token=abc"),
                            headers: ["X-Team": "core"],
                            bearerToken: Secret("bearer-from-file")
                        )
                    )
                ),
                ReceiverConfiguration(
                    name: "fleet",
                    endpoint: .alertmanager(AlertmanagerReceiverConfiguration(url: "http://alertmanager:9093"))
                ),
            ]
        )
        #expect(configuration.alerting == expected)
        #expect(configuration.alerting.resendDelay == .minutes(1))
        #expect(!configuration.alerting.groupByAll)
    }

    @Test func defaults() throws {
        let none = try Self.load("targets: []\n")
        #expect(none == AlertingConfiguration())
        #expect(none.groupBy.isEmpty && !none.groupByAll)
        #expect(none.groupWait == .seconds(30))
        #expect(none.groupInterval == .minutes(5))
        #expect(none.repeatInterval == .hours(4))
        #expect(none.resendDelay == .minutes(1))
        #expect(none.receivers.isEmpty)
        #expect(try Self.load("alerting:\n  group_by:\n  receivers:\n") == AlertingConfiguration())

        let receivers = try Self.load(
            """
            alerting:
              receivers:
                - {name: hook, webhook: {url: "http://127.0.0.1:8080/"}}
                - {name: am, alertmanager: {url: "http://127.0.0.1:9093"}}
            """
        ).receivers
        #expect(receivers.map(\.matchers) == [[], []])
        #expect(
            receivers.map(\.endpoint) == [
                .webhook(WebhookReceiverConfiguration(url: Secret("http://127.0.0.1:8080/"))),
                .alertmanager(AlertmanagerReceiverConfiguration(url: "http://127.0.0.1:9093")),
            ]
        )
        guard case .webhook(let webhook) = receivers[0].endpoint,
            case .alertmanager(let alertmanager) = receivers[1].endpoint
        else {
            Issue.record("wrong endpoints: \(receivers)")
            return
        }
        #expect(webhook.headers.isEmpty && webhook.bearerToken == nil && webhook.signingSecret == nil)
        #expect(webhook.timeout == .seconds(10) && webhook.sendResolved && webhook.maxAlerts == 0)
        #expect(alertmanager.headers.isEmpty && alertmanager.bearerToken == nil)
        #expect(alertmanager.timeout == .seconds(10) && alertmanager.sendResolved && alertmanager.maxAlerts == 0)
    }

    @Test func everyKeySet() throws {
        let alerting = try Self.load(
            """
            alerting:
              group_by: [severity]
              group_wait: 250ms
              group_interval: 1m30s
              repeat_interval: 1d
              resend_delay: 20s
              receivers:
                - name: hook
                  matchers: ['severity =~ "warning|critical"', team!=infra]
                  webhook:
                    url: ${HOOK}
                    headers: {X-Team: core, X-Empty: }
                    bearer_token: ${TOKEN}
                    timeout: 3s
                    signing_secret: plain-text-key
                    send_resolved: false
                    max_alerts: 20
                - name: am
                  alertmanager:
                    url: https://am.example/prefix//
                    headers: {Authorization: Basic dTpw}
                    timeout: 2s
                    send_resolved: false
                    max_alerts: 100
            """,
            environment: ["HOOK": "https://hooks.example/t/abc", "TOKEN": "tok"]
        )
        #expect(alerting.groupBy == ["severity"])
        #expect(alerting.groupWait == .milliseconds(250))
        #expect(alerting.groupInterval == .seconds(90))
        #expect(alerting.repeatInterval == .hours(24))
        #expect(alerting.resendDelay == .seconds(20))
        #expect(
            alerting.receivers.map(\.matchers.description) == [#"[severity=~"warning|critical", team!="infra"]"#, "[]"]
        )
        #expect(
            alerting.receivers.map(\.endpoint) == [
                .webhook(
                    WebhookReceiverConfiguration(
                        url: Secret("https://hooks.example/t/abc"),
                        headers: ["X-Team": "core", "X-Empty": ""],
                        bearerToken: Secret("tok"),
                        timeout: .seconds(3),
                        signingSecret: Secret("plain-text-key"),
                        sendResolved: false,
                        maxAlerts: 20
                    )
                ),
                // Trailing slashes dropped, so that /api/v2/alerts can follow; the route prefix stays.
                .alertmanager(
                    AlertmanagerReceiverConfiguration(
                        url: "https://am.example/prefix",
                        headers: ["Authorization": "Basic dTpw"],
                        timeout: .seconds(2),
                        sendResolved: false,
                        maxAlerts: 100
                    )
                ),
            ]
        )
    }

    @Test("group_by: '...' groups by every label, in any YAML spelling")
    func groupByEveryLabel() throws {
        for yaml in [
            "alerting: {group_by: ['...']}", "alerting: {group_by: [...]}", "alerting:\n  group_by:\n    - ...\n",
        ] {
            let alerting = try Self.load(yaml)
            #expect(alerting.groupByAll, "\(yaml)")
            #expect(alerting.groupBy.isEmpty, "\(yaml)")
        }
    }

    // MARK: Matchers

    @Test("matchers parse as Alertmanager's, and print as it prints them")
    func matcherParsing() throws {
        let cases: [(String, String, AlertMatcher.MatchOperator, String, String)] = [
            (#"severity="critical""#, "severity", .equal, "critical", #"severity="critical""#),
            ("severity=critical", "severity", .equal, "critical", #"severity="critical""#),
            (#"  team != "a b"  "#, "team", .notEqual, "a b", #"team!="a b""#),
            (#"job=~"api|web""#, "job", .regexMatch, "api|web", #"job=~"api|web""#),
            ("job!~web.*", "job", .regexNoMatch, "web.*", #"job!~"web.*""#),
            (#"x="""#, "x", .equal, "", #"x="""#),
            ("x=", "x", .equal, "", #"x="""#),
            // \" \\ and \n are escapes; any other backslash stays, for regular expressions.
            (#"x="a\"b\\c\nd""#, "x", .equal, "a\"b\\c\nd", #"x="a\"b\\c\nd""#),
            (#"x=~"\d+\.\d+""#, "x", .regexMatch, #"\d+\.\d+"#, #"x=~"\\d+\\.\\d+""#),
            ("x==y", "x", .equal, "=y", #"x="=y""#),
            ("_a1=1", "_a1", .equal, "1", #"_a1="1""#),
        ]
        for (text, name, matchOperator, value, description) in cases {
            let matcher = try AlertMatcher(parsing: text)
            #expect(matcher.name == name, "\(text)")
            #expect(matcher.matchOperator == matchOperator, "\(text)")
            #expect(matcher.value == value, "\(text)")
            #expect(matcher.description == description, "\(text)")
            #expect(matcher == (try AlertMatcher(name: name, matchOperator: matchOperator, value: value)))
        }
    }

    @Test func matcherParsingErrors() {
        let cases: [(String, String)] = [
            ("severity", #"expected a matcher like name="value" (operators =, !=, =~, !~), got 'severity'"#),
            (#"="x""#, #"expected a matcher like name="value" (operators =, !=, =~, !~), got '="x"'"#),
            (#"{a="b"}"#, #"expected a matcher like name="value" (operators =, !=, =~, !~), got '{a="b"}'"#),
            ("a:b=c", "invalid label name 'a:b': label names match [a-zA-Z_][a-zA-Z0-9_]*"),
            ("1a=c", "invalid label name '1a': label names match [a-zA-Z_][a-zA-Z0-9_]*"),
            (#"a="b"#, #"unescaped double quote in the value of 'a="b'"#),
            (#"a=b"c"#, #"unescaped double quote in the value of 'a=b"c'"#),
            (#"a="b"c""#, #"unescaped double quote in the value of 'a="b"c"'"#),
            (#"a="b\""#, #"unescaped double quote in the value of 'a="b\"'"#),
            (#"a=~"(""#, "invalid regular expression '(': expected ')'"),
        ]
        for (text, message) in cases {
            let error = #expect(throws: AlertMatcherError.self, "\(text)") { try AlertMatcher(parsing: text) }
            #expect(error?.description == message, "\(text)")
        }
    }

    @Test("the four operators; a missing label is the empty string; regexes are anchored")
    func matcherMatching() throws {
        let labels = ["severity": "critical", "team": "core"]
        let cases: [(String, Bool)] = [
            (#"severity="critical""#, true),
            (#"severity="warning""#, false),
            ("severity=critical", true),
            (#"severity!="warning""#, true),
            (#"severity!="critical""#, false),
            (#"severity=~"crit.*|warning""#, true),
            // Anchored at both ends, as Alertmanager anchors them.
            (#"severity=~"crit""#, false),
            (#"severity=~"itical""#, false),
            (#"severity=~"critical|x""#, true),
            (#"severity!~"crit""#, true),
            (#"severity!~"crit.*""#, false),
            // A missing label is "".
            (#"region="""#, true),
            (#"region!="""#, false),
            (#"region="eu""#, false),
            (#"region!="eu""#, true),
            (#"region=~".*""#, true),
            (#"region=~".+""#, false),
            (#"region!~".+""#, true),
            (#"team="""#, false),
        ]
        for (text, expected) in cases {
            #expect(try AlertMatcher(parsing: text).matches(labels) == expected, "\(text)")
        }
        // A copy shares the compiled regex, and matchers compare by what they say.
        let matcher = try AlertMatcher(parsing: #"team=~"co.e""#)
        let copy = matcher
        #expect(copy.matches(labels) && matcher == copy)
        #expect(matcher != (try AlertMatcher(parsing: #"team=~"co..""#)))
        #expect(matcher != (try AlertMatcher(parsing: #"team!~"co.e""#)))
    }

    @Test("a receiver takes an alert when all of its matchers match, and every alert without matchers")
    func receiverMatching() throws {
        let alerting = try Self.load(
            """
            alerting:
              receivers:
                - {name: critical-core, matchers: ['severity="critical"', team=core], webhook: {url: "http://h/"}}
                - {name: all, webhook: {url: "http://h/"}}
                - {name: all-too, matchers: [], alertmanager: {url: "http://am/"}}
            """
        )
        let take = { (labels: [String: String]) in alerting.receivers.filter { $0.matches(labels) }.map(\.name) }
        #expect(take(["severity": "critical", "team": "core"]) == ["critical-core", "all", "all-too"])
        #expect(take(["severity": "critical", "team": "edge"]) == ["all", "all-too"])
        #expect(take(["team": "core"]) == ["all", "all-too"])
        #expect(take([:]) == ["all", "all-too"])
    }

    // MARK: Files

    @Test("url_file, bearer_token_file and signing_secret_file are read now, trailing newlines dropped")
    func secretFiles() throws {
        let directory = TemporaryDirectory()
        directory.write("url", "https://hooks.example/t/secret-path\n")
        directory.write("token", "file-token\r\n")
        let absolute = directory.write("hmac", "whsec_c2VjcmV0LWtleS1ieXRlcw==\n\n")
        directory.write("am-token", "am-file-token")
        let alerting = try Self.load(
            """
            alerting:
              receivers:
                - name: hook
                  webhook: {url_file: url, bearer_token_file: ./token, signing_secret_file: \(absolute)}
                - name: am
                  alertmanager: {url: "http://am:9093/", bearer_token_file: am-token}
            """,
            baseDirectory: directory.path
        )
        #expect(
            alerting.receivers.map(\.endpoint) == [
                .webhook(
                    WebhookReceiverConfiguration(
                        url: Secret("https://hooks.example/t/secret-path"),
                        bearerToken: Secret("file-token"),
                        signingSecret: Secret("whsec_c2VjcmV0LWtleS1ieXRlcw==")
                    )
                ),
                .alertmanager(
                    AlertmanagerReceiverConfiguration(url: "http://am:9093", bearerToken: Secret("am-file-token"))
                ),
            ]
        )
    }

    @Test("a whsec_ signing secret must be base64 after the prefix, inline or in a file")
    func standardWebhooksSecrets() {
        let directory = TemporaryDirectory()
        directory.write("bad", "whsec_not base64!\n")
        directory.write("empty-key", "whsec_\n")
        #expect(
            Fixtures.diagnostics(
                yaml: """
                    alerting:
                      receivers:
                        - {name: a, webhook: {url: "http://h/", signing_secret: "whsec_%%%"}}
                        - {name: b, webhook: {url: "http://h/", signing_secret_file: bad}}
                        - {name: c, webhook: {url: "http://h/", signing_secret_file: empty-key}}
                        - {name: d, webhook: {url: "http://h/", signing_secret: "whsec_c2VjcmV0"}}
                    """,
                baseDirectory: directory.path
            ) == [
                "test.yml:3:61: alerting.receivers[0].webhook.signing_secret: a secret starting with 'whsec_' must "
                    + "be base64 after the prefix (Standard Webhooks)",
                "test.yml:4:66: alerting.receivers[1].webhook.signing_secret_file: a secret starting with 'whsec_' "
                    + "must be base64 after the prefix (Standard Webhooks)",
                "test.yml:5:66: alerting.receivers[2].webhook.signing_secret_file: a secret starting with 'whsec_' "
                    + "must be base64 after the prefix (Standard Webhooks)",
            ]
        )
    }

    // MARK: Errors

    static let errorCases: [(yaml: String, diagnostics: [String])] = [
        (
            """
            alerting:
              group_by: [alertname, 'bad-name', alertname, {a: b}]
              group_wait: 0s
              group_interval: 5
              repeat_interval: -1h
              resend_delay: soon
              group_by_all: true
            """,
            [
                "test.yml:2:25: alerting.group_by[1]: invalid label name 'bad-name': label names match "
                    + "[a-zA-Z_][a-zA-Z0-9_]*",
                "test.yml:2:37: alerting.group_by[2]: duplicate label 'alertname' (first listed at line 2)",
                "test.yml:2:48: alerting.group_by[3]: expected a string, got a mapping",
                "test.yml:3:15: alerting.group_wait: must be greater than 0",
                "test.yml:4:19: alerting.group_interval: expected a duration like 5s, got '5'",
                "test.yml:5:20: alerting.repeat_interval: expected a duration like 5s, got '-1h'",
                "test.yml:6:17: alerting.resend_delay: expected a duration like 5s, got 'soon'",
                "test.yml:7:3: unknown key 'group_by_all' in alerting; expected one of: state_dir, group_by, "
                    + "group_wait, group_interval, repeat_interval, resend_delay, receivers",
            ]
        ),
        (
            "alerting:\n  group_by: [alertname, '...']\n  receivers: {name: a}\n",
            [
                "test.yml:2:25: alerting.group_by[1]: '...' groups by every label, so it must be the only entry",
                "test.yml:3:14: alerting.receivers: expected a list, got a mapping",
            ]
        ),
        (
            """
            alerting:
              receivers:
                - name: a
                  matchers: ['severity', 'team=~"("', '1x=y', 'a="b', [x]]
                  webhook: {url: "http://h/"}
                -
                - name: a
                  webhook: {url: "http://h/"}
                - name: ""
                  alertmanager: {url: "http://am/"}
                - webhook: {url: "http://h/"}
                - name: both
                  webhook: {url: "http://h/"}
                  alertmanager: {url: "http://am/"}
                - name: neither
                  matchers: []
                - name: x
                  email: {to: me}
                  webhook: {url: "http://h/"}
                - just-a-name
            """,
            [
                #"test.yml:4:18: alerting.receivers[0].matchers[0]: expected a matcher like name="value" "#
                    + "(operators =, !=, =~, !~), got 'severity'",
                "test.yml:4:30: alerting.receivers[0].matchers[1]: invalid regular expression '(': expected ')'",
                "test.yml:4:43: alerting.receivers[0].matchers[2]: invalid label name '1x': label names match "
                    + "[a-zA-Z_][a-zA-Z0-9_]*",
                #"test.yml:4:51: alerting.receivers[0].matchers[3]: unescaped double quote in the value of 'a="b'"#,
                "test.yml:4:59: alerting.receivers[0].matchers[4]: expected a string, got a list",
                "test.yml:6:6: alerting.receivers[1]: expected a mapping with name and webhook or alertmanager, "
                    + "got nothing",
                "test.yml:7:13: alerting.receivers[2].name: duplicate receiver name 'a' (first defined at line 3)",
                "test.yml:9:13: alerting.receivers[3].name: must not be empty",
                "test.yml:11:7: alerting.receivers[4]: missing required key 'name'",
                "test.yml:14:7: alerting.receivers[5]: webhook and alertmanager exclude each other; set one",
                "test.yml:15:7: alerting.receivers[6]: needs one of webhook or alertmanager",
                "test.yml:18:7: unknown key 'email' in alerting.receivers[7]; expected one of: name, matchers, "
                    + "webhook, alertmanager",
                "test.yml:20:7: alerting.receivers[8]: expected a mapping, got a single value",
            ]
        ),
        (
            """
            alerting:
              receivers:
                - name: hook
                  webhook:
                    url: ftp://hooks.example/x
                    timeout: 0s
                    send_resolved: maybe
                    max_alerts: -1
                    sign: x
                - name: two-urls
                  webhook: {url: "http://h/", url_file: f}
                - name: no-url
                  webhook: {timeout: 1s}
                - name: empty
                  webhook: {url: "", bearer_token: "", signing_secret: ""}
                - name: relative
                  webhook: {url: /hooks/x}
                - name: spaces
                  webhook: {url: "http://h/a b"}
                - name: not-a-mapping
                  webhook: http://h/
                - name: two-tokens
                  webhook: {url: "http://h/", bearer_token: t, bearer_token_file: f}
                - name: two-secrets
                  webhook: {url: "http://h/", signing_secret: s, signing_secret_file: f}
            """,
            [
                "test.yml:5:14: alerting.receivers[0].webhook.url: expected an http:// or https:// URL with a host",
                "test.yml:6:18: alerting.receivers[0].webhook.timeout: must be greater than 0",
                "test.yml:7:24: alerting.receivers[0].webhook.send_resolved: expected true or false, got 'maybe'",
                "test.yml:8:21: alerting.receivers[0].webhook.max_alerts: must be at least 0, got -1",
                "test.yml:9:9: unknown key 'sign' in alerting.receivers[0].webhook; expected one of: url, url_file, "
                    + "headers, bearer_token, bearer_token_file, timeout, signing_secret, signing_secret_file, "
                    + "send_resolved, max_alerts",
                "test.yml:11:35: alerting.receivers[1].webhook: url and url_file exclude each other; set one",
                "test.yml:13:16: alerting.receivers[2].webhook: missing required key 'url' or 'url_file'",
                "test.yml:15:22: alerting.receivers[3].webhook.url: must not be empty",
                "test.yml:15:40: alerting.receivers[3].webhook.bearer_token: must not be empty",
                "test.yml:15:60: alerting.receivers[3].webhook.signing_secret: must not be empty",
                "test.yml:17:22: alerting.receivers[4].webhook.url: expected an http:// or https:// URL with a host",
                "test.yml:19:22: alerting.receivers[5].webhook.url: expected an http:// or https:// URL with a host",
                "test.yml:21:16: alerting.receivers[6].webhook: expected a mapping, got a single value",
                "test.yml:23:52: alerting.receivers[7].webhook: bearer_token and bearer_token_file exclude each "
                    + "other; set one",
                "test.yml:25:54: alerting.receivers[8].webhook: signing_secret and signing_secret_file exclude each "
                    + "other; set one",
            ]
        ),
        (
            """
            alerting:
              receivers:
                - name: hook
                  webhook:
                    url: http://h/
                    bearer_token: t
                    headers:
                      Content-Type: text/plain
                      authorization: Basic x
                      webhook-signature: v1,x
                      Webhook-Id: x
                      Bad Name: x
                      X-A: "a\\nb"
                      X-B: b
                      x-b: c
                      X-C: [c]
                - name: am
                  alertmanager:
                    url: http://am/
                    headers: {Authorization: x, webhook-id: allowed-here, content-length: "1"}
                    bearer_token_file: token
                    max_alerts: x
                - name: headers-as-list
                  alertmanager: {url: "http://am/", headers: [X-A]}
            """,
            [
                "test.yml:8:11: alerting.receivers[0].webhook.headers: header 'Content-Type' is set by tether itself",
                "test.yml:9:11: alerting.receivers[0].webhook.headers: header 'authorization' and bearer_token "
                    + "exclude each other; set one",
                "test.yml:10:11: alerting.receivers[0].webhook.headers: header 'webhook-signature': 'webhook-*' "
                    + "headers carry the Standard Webhooks signature, which tether sets itself",
                "test.yml:11:11: alerting.receivers[0].webhook.headers: header 'Webhook-Id': 'webhook-*' "
                    + "headers carry the Standard Webhooks signature, which tether sets itself",
                "test.yml:12:11: alerting.receivers[0].webhook.headers: invalid header name 'Bad Name'",
                "test.yml:13:16: alerting.receivers[0].webhook.headers.X-A: a header value must not contain line "
                    + "breaks or NUL",
                "test.yml:15:11: alerting.receivers[0].webhook.headers: duplicate header 'x-b' (first defined at "
                    + "line 14)",
                "test.yml:16:16: alerting.receivers[0].webhook.headers.X-C: expected a string, got a list",
                "test.yml:20:19: alerting.receivers[1].alertmanager.headers: header 'Authorization' and "
                    + "bearer_token exclude each other; set one",
                "test.yml:20:63: alerting.receivers[1].alertmanager.headers: header 'content-length' is set by "
                    + "tether itself",
                "test.yml:21:28: alerting.receivers[1].alertmanager.bearer_token_file: cannot read 'token': "
                    + "no such file",
                "test.yml:22:21: alerting.receivers[1].alertmanager.max_alerts: expected an integer, got 'x'",
                "test.yml:24:50: alerting.receivers[2].alertmanager.headers: expected a mapping, got a list",
            ]
        ),
        (
            """
            alerting:
              receivers:
                - name: no-url
                  alertmanager: {timeout: 1s}
                - name: no-scheme
                  alertmanager: {url: "alertmanager:9093"}
                - name: credentials
                  alertmanager: {url: "http://user:pass@am:9093"}
                - name: query
                  alertmanager: {url: "http://am:9093/?x=1"}
                - name: credentials-unparsed
                  alertmanager: {url: "user:pass@am:9093"}
                - name: webhook-keys
                  alertmanager: {url: "http://am/", url_file: f, signing_secret: s}
            """,
            [
                "test.yml:4:21: alerting.receivers[0].alertmanager: missing required key 'url'",
                "test.yml:6:27: alerting.receivers[1].alertmanager.url: expected an http:// or https:// URL with a "
                    + "host, like http://alertmanager:9093, got 'alertmanager:9093'",
                "test.yml:8:27: alerting.receivers[2].alertmanager.url: credentials in the URL are refused; use "
                    + "bearer_token or headers",
                "test.yml:10:27: alerting.receivers[3].alertmanager.url: must not have a query or fragment: tether "
                    + "appends /api/v2/alerts to it",
                "test.yml:12:27: alerting.receivers[4].alertmanager.url: expected an http:// or https:// URL with a "
                    + "host, like http://alertmanager:9093",
                "test.yml:14:41: unknown key 'url_file' in alerting.receivers[5].alertmanager; expected one of: url, "
                    + "headers, bearer_token, bearer_token_file, timeout, send_resolved, max_alerts",
                "test.yml:14:54: unknown key 'signing_secret' in alerting.receivers[5].alertmanager; expected one of: "
                    + "url, headers, bearer_token, bearer_token_file, timeout, send_resolved, max_alerts",
            ]
        ),
    ]

    @Test("every error names its line and column", arguments: 0..<Self.errorCases.count)
    func errors(index: Int) {
        let (yaml, expected) = Self.errorCases[index]
        let diagnostics = Fixtures.diagnostics(yaml: yaml)
        #expect(diagnostics == expected)
    }

    @Test("url_file that does not hold a URL, and missing or empty secret files")
    func badSecretFiles() {
        let directory = TemporaryDirectory()
        directory.write("not-a-url", "hooks.example/token-in-path\n")
        directory.write("empty", "\n")
        #expect(
            Fixtures.diagnostics(
                yaml: """
                    alerting:
                      receivers:
                        - {name: a, webhook: {url_file: not-a-url}}
                        - {name: b, webhook: {url_file: missing}}
                        - {name: c, webhook: {url: "http://h/", bearer_token_file: empty}}
                    """,
                baseDirectory: directory.path
            ) == [
                "test.yml:3:37: alerting.receivers[0].webhook.url_file: the file does not hold an http:// or https:// "
                    + "URL with a host",
                "test.yml:4:37: alerting.receivers[1].webhook.url_file: cannot read '\(directory.path)/missing': "
                    + "no such file",
                "test.yml:5:64: alerting.receivers[2].webhook.bearer_token_file: '\(directory.path)/empty' is empty",
            ]
        )
    }

    @Test("check config reports alerting errors as it reports the rest")
    func checkConfigUsesTheSameLoader() throws {
        let directory = TemporaryDirectory()
        let file = directory.write("tether.yml", "alerting:\n  group_wait: never\n")
        do {
            _ = try ConfigurationLoader.load(file: file, environment: [:])
            Issue.record("loaded")
        } catch {
            #expect(
                error.description == "\(file):2:15: alerting.group_wait: expected a duration like 5s, got 'never'"
            )
        }
    }

    // MARK: Secrets

    @Test func secretsNeverAppearInDiagnosticsOrDescriptions() throws {
        let directory = TemporaryDirectory()
        directory.write("url", "https://hooks.example/file-secret-value\n")
        let environment = ["TOKEN": "env-secret-value"]
        let bad = """
            alerting:
              receivers:
                - name: a
                  webhook:
                    url: "ftp://inline-secret-value"
                    bearer_token: "${TOKEN}"
                    headers: {X-Key: "inline-secret-value\\n", Authorization: "x"}
                    signing_secret: "whsec_inline-secret-value!"
                - name: b
                  webhook: {url_file: url, bearer_token: inline-secret-value, timeout: x}
            """
        let diagnostics = Fixtures.diagnostics(yaml: bad, environment: environment, baseDirectory: directory.path)
        #expect(diagnostics.count == 5)
        for diagnostic in diagnostics {
            #expect(!diagnostic.contains("secret-value"), "\(diagnostic)")
        }

        let configuration = try ConfigurationLoader.load(
            yaml: """
                alerting:
                  receivers:
                    - name: a
                      matchers: [team=core]
                      webhook:
                        url_file: url
                        bearer_token: "${TOKEN}"
                        headers: {X-Key: "inline-secret-value"}
                        signing_secret: "whsec_c2VjcmV0LXZhbHVl"
                    - name: b
                      alertmanager: {url: "http://am:9093", headers: {X-Key: inline-secret-value}}
                """,
            file: "test.yml",
            environment: environment,
            baseDirectory: directory.path
        )
        #expect(
            configuration.alerting.receivers.map(\.description) == [
                #"a (webhook) {team="core"}"#, "b (alertmanager http://am:9093)",
            ]
        )
        for text in [
            String(describing: configuration), String(reflecting: configuration),
            "\(configuration.alerting)", "\(configuration.alerting.receivers.map(\.endpoint))",
        ] {
            #expect(!text.contains("secret-value"), "\(text)")
            #expect(!text.contains("c2VjcmV0"), "\(text)")
        }
    }

    @Test func equalConfigurationsCompareEqual() throws {
        let yaml = """
            alerting:
              group_by: [alertname]
              receivers:
                - {name: a, matchers: ['x=~"a|b"'], webhook: {url: "http://h/", signing_secret: s}}
            """
        let first = try ConfigurationLoader.load(yaml: yaml, file: "a.yml", environment: [:], baseDirectory: nil)
        var second = try ConfigurationLoader.load(yaml: yaml, file: "b.yml", environment: [:], baseDirectory: nil)
        #expect(first == second)
        second.alerting.receivers[0].matchers = [try AlertMatcher(parsing: #"x=~"a|c""#)]
        #expect(first != second)
        second = try ConfigurationLoader.load(
            yaml: yaml.replacingOccurrences(of: "signing_secret: s", with: "signing_secret: t"),
            file: "b.yml",
            environment: [:],
            baseDirectory: nil
        )
        #expect(first != second)
    }
}
