import Testing

@testable import TetherRules

/// A template, the alert's value, and what `promtool test rules` (Prometheus 2.42) rendered for
/// it with labels `job="j"`, `instance="host.example.com:9100"`, no external labels or URL, in an
/// alert named `A`. A parse error is written `PARSE: ` and Prometheus' load-time message.
struct PromtoolCase: Sendable, CustomTestStringConvertible {
    var template: String
    var value: Double
    var expected: String

    init(_ template: String, value: Double, _ expected: String) {
        self.template = template
        self.value = value
        self.expected = expected
    }

    var testDescription: String { template }
}

@Suite struct AlertTemplateTests {
    static let data = AlertTemplateData(
        labels: ["job": "j", "instance": "host.example.com:9100"],
        externalLabels: [:],
        externalURL: "",
        value: 1
    )

    static func data(value: Double) -> AlertTemplateData {
        var data = Self.data
        data.value = value
        return data
    }

    /// Renders as Prometheus would store it, or the load error as promtool prints it.
    static func prometheusOutput(_ template: String, value: Double) -> String {
        do {
            return try AlertTemplate(parsing: template, alertName: "A").renderOrError(data(value: value))
        } catch {
            return "PARSE: template: __alert_A:\(error.line): \(error.message)"
        }
    }

    @Test(arguments: promtoolCases)
    func rendersAsPromtoolDoes(_ testCase: PromtoolCase) {
        #expect(Self.prometheusOutput(testCase.template, value: testCase.value) == testCase.expected)
    }

    @Test func labelsAndValueThroughVariablesAndDot() throws {
        let template = try AlertTemplate(parsing: "{{ $labels.job }}/{{ .Labels.job }}: {{ $value }} {{ .Value }}")
        #expect(try template.render(Self.data(value: 1e6)) == "j/j: 1e+06 1e+06")
    }

    @Test func externalLabelsAndURL() throws {
        let data = AlertTemplateData(
            labels: [:],
            externalLabels: ["cluster": "eu1"],
            externalURL: "https://tether.example.com/prefix/",
            value: 0
        )
        let template = try AlertTemplate(
            parsing: "{{ $externalLabels.cluster }} {{ .ExternalLabels.cluster }} {{ $externalURL }} {{ pathPrefix }}"
        )
        #expect(try template.render(data) == "eu1 eu1 https://tether.example.com/prefix/ /prefix/")
    }

    @Test func parseErrorsCarryLineAndColumn() {
        #expect(throws: AlertTemplateError(line: 2, column: 6, message: #"function "foo" not defined"#)) {
            try AlertTemplate(parsing: "ok\n  {{ foo }}")
        }
        #expect(throws: AlertTemplateError(line: 1, column: 11, message: "unexpected EOF")) {
            try AlertTemplate(parsing: "{{ if 1 }}")
        }
        #expect(throws: AlertTemplateError(line: 1, column: 4, message: "unexpected {{end}}")) {
            try AlertTemplate(parsing: "{{ end }}")
        }
        #expect(throws: AlertTemplateError(line: 1, column: 1, message: "unclosed action")) {
            try AlertTemplate(parsing: "{{ $labels.job")
        }
    }

    @Test(arguments: TemplateParser.queryFunctions.sorted())
    func queryFunctionsAreRejectedByName(_ name: String) {
        do {
            _ = try AlertTemplate(parsing: "{{ \(name) }}")
            Issue.record("\(name) was accepted")
        } catch {
            #expect(error.message == "function \"\(name)\" not supported: tether's templates cannot query Prometheus")
        }
    }

    @Test func renderErrorsCarryPositionAndGoMessage() throws {
        let template = try AlertTemplate(parsing: "x\n  {{ gt $value 10 }}", alertName: "A")
        #expect(
            throws: AlertTemplateError(
                line: 2,
                column: 6,
                message: "error calling gt: incompatible types for comparison"
            )
        ) {
            try template.render(Self.data)
        }
        #expect(
            template.renderOrError(Self.data)
                == #"<error expanding template: error executing template __alert_A: template: __alert_A:2:5: executing "__alert_A" at <gt $value 10>: error calling gt: incompatible types for comparison>"#
        )
    }

    @Test func goByteColumnsCountUTF8Bytes() throws {
        let template = try AlertTemplate(parsing: "é{{ gt $value 10 }}", alertName: "A")
        #expect(
            template.renderOrError(Self.data)
                == #"<error expanding template: error executing template __alert_A: template: __alert_A:1:117: executing "__alert_A" at <gt $value 10>: error calling gt: incompatible types for comparison>"#
        )
    }

    @Test func toTimeOfNaNFails() throws {
        let template = try AlertTemplate(parsing: #"{{ toTime "NaN" }}"#, alertName: "A")
        #expect(
            template.renderOrError(Self.data)
                == #"<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing "__alert_A" at <toTime "NaN">: error calling toTime: value is NaN or Inf>"#
        )
    }
}

let promtoolCases: [PromtoolCase] = [
    PromtoolCase(
        "{{ $value }}|{{ .Value }}|{{ print $value }}|{{ println $value }}|{{ printf \"%v\" $value }}",
        value: 1.0,
        "1|1|1|1\n|1"
    ),
    PromtoolCase("{{ toTime 1 }}", value: 1.0, "1970-01-01 00:00:01 +0000 UTC"),
    PromtoolCase("{{ stripDomain \"a.b.c:90\" }}", value: 1.0, "a:90"),
    PromtoolCase(
        "{{ printf \"%d|%5d|%-5d|%05d|%+d|%x|%X|%o|%b|%c|%q|%U\" 42 42 42 42 42 255 255 8 5 65 65 65 }}",
        value: 1.0,
        "42|   42|42   |00042|+42|ff|FF|10|101|A|'A'|U+0041"
    ),
    PromtoolCase(
        "{{ printf \"%f|%.2f|%8.3f|%-8.3f|%e|%E|%g|%G|%.3g|%v\" 3.14159 3.14159 3.14159 3.14159 1234.5678 1234.5678 1234.5678 1e-7 1234.5678 1e21 }}",
        value: 1.0,
        "3.141590|3.14|   3.142|3.142   |1.234568e+03|1.234568E+03|1234.5678|1E-07|1.23e+03|1e+21"
    ),
    PromtoolCase(
        "{{ printf \"%s|%q|%v|%x|%10s|%-10s|%.2s|%X\" \"héllo\" \"a\\\"b\\n\" \"str\" \"hi\" \"r\" \"l\" \"abc\" \"hi\" }}",
        value: 1.0,
        "héllo|\"a\\\"b\\n\"|str|6869|         r|l         |ab|6869"
    ),
    PromtoolCase(
        "{{ printf \"%d\" 1.5 }}|{{ printf \"%s\" 1.5 }}|{{ printf \"%s\" 3 }}|{{ printf \"%z\" 3 }}|{{ printf \"%d %d\" 1 }}|{{ printf \"%d\" 1 2 }}|{{ printf \"%!\" }}|{{ printf \"%\" }}",
        value: 1.0,
        "%!d(float64=1.5)|%!s(float64=1.5)|%!s(int=3)|%!z(int=3)|1 %!d(MISSING)|1%!(EXTRA int=2)|%!!(MISSING)|%!(NOVERB)"
    ),
    PromtoolCase(
        "{{ printf \"%v %v %v %v\" true nil $labels .Labels }}",
        value: 1.0,
        "true <nil> map[instance:host.example.com:9100 job:j] map[instance:host.example.com:9100 job:j]"
    ),
    PromtoolCase(
        "{{ printf \"%t|%v|%s|%d\" true false true true }}",
        value: 1.0,
        "true|false|%!s(bool=true)|%!d(bool=true)"
    ),
    PromtoolCase(
        "{{ printf \"%6.2f%%\" 99.5 }}|{{ printf \"%.0f\" 2.5 }}|{{ printf \"%.0f\" 3.5 }}|{{ printf \"%.1f\" 0.05 }}|{{ printf \"%g\" 100000.0 }}|{{ printf \"%g\" 1e21 }}|{{ printf \"%g\" 1e-5 }}|{{ printf \"%.4g\" 123456.0 }}|{{ printf \"%.4g\" 0.0001234 }}",
        value: 1.0,
        " 99.50%|2|4|0.1|100000|1e+21|1e-05|1.235e+05|0.0001234"
    ),
    PromtoolCase(
        "{{ printf \"%*d|%-*d\" 5 1 4 2 }}|{{ printf \"%[2]d %[1]d\" 1 2 }}|{{ printf \"% d|% x\" 5 \"ab\" }}|{{ printf \"%#x|%#o|%#v\" 255 8 \"s\" }}",
        value: 1.0,
        "    1|2   |2 1| 5|61 62|0xff|010|\"s\""
    ),
    PromtoolCase(
        "{{ print 1 2 }}|{{ print \"a\" \"b\" }}|{{ print \"a\" 1 \"b\" }}|{{ print 1.5 2 }}|{{ println \"a\" 1 }}|{{ print nil }}|{{ print true false }}",
        value: 1.0,
        "1 2|ab|a1b|1.5 2|a 1\n|<nil>|true false"
    ),
    PromtoolCase(
        "{{ $labels }}|{{ .Labels }}|{{ .ExternalLabels }}|{{ . }}|{{ .ExternalURL }}|{{ $externalURL }}",
        value: 1.0,
        "map[instance:host.example.com:9100 job:j]|map[instance:host.example.com:9100 job:j]|map[]|{map[instance:host.example.com:9100 job:j] map[]  1}||"
    ),
    PromtoolCase(
        "{{ printf \"%v\" $value }}|{{ printf \"%.2f\" $value }}|{{ printf \"%e\" $value }}|{{ printf \"%g\" $value }}|{{ printf \"%s\" $value }}|{{ printf \"%d\" $value }}|{{ printf \"%x\" $value }}",
        value: 1.0,
        "1|1.00|1.000000e+00|1|%!s(float64=1)|%!d(float64=1)|0x1p+00"
    ),
    PromtoolCase("{{ foo }}", value: 1.0, "PARSE: template: __alert_A:1: function \"foo\" not defined"),
    PromtoolCase("{{ if }}", value: 1.0, "PARSE: template: __alert_A:1: missing value for if"),
    PromtoolCase("{{ end }}", value: 1.0, "PARSE: template: __alert_A:1: unexpected {{end}}"),
    PromtoolCase("{{ else }}", value: 1.0, "PARSE: template: __alert_A:1: unexpected {{else}}"),
    PromtoolCase("{{ if true }}x", value: 1.0, "PARSE: template: __alert_A:1: unexpected EOF"),
    PromtoolCase(
        "{{ if true }}x{{ else }}y{{ else }}z{{ end }}",
        value: 1.0,
        "PARSE: template: __alert_A:1: expected end; found {{else}}"
    ),
    PromtoolCase("{{ }}", value: 1.0, "PARSE: template: __alert_A:1: missing value for command"),
    PromtoolCase("{{", value: 1.0, "PARSE: template: __alert_A:1: unclosed action"),
    PromtoolCase("{{ \"abc }}", value: 1.0, "PARSE: template: __alert_A:1: unterminated quoted string"),
    PromtoolCase("{{ `abc }}", value: 1.0, "PARSE: template: __alert_A:1: unterminated raw quoted string"),
    PromtoolCase("{{ 'a }}", value: 1.0, "PARSE: template: __alert_A:1: unterminated character constant"),
    PromtoolCase("{{ 'ab' }}", value: 1.0, "PARSE: template: __alert_A:1: malformed character constant: 'ab'"),
    PromtoolCase("{{ ( }}", value: 1.0, "PARSE: template: __alert_A:1: unclosed left paren"),
    PromtoolCase("{{ ) }}", value: 1.0, "PARSE: template: __alert_A:1: unexpected \")\" in command"),
    PromtoolCase("{{ (1 }}", value: 1.0, "PARSE: template: __alert_A:1: unclosed left paren"),
    PromtoolCase("{{ 1 | 2 }}", value: 1.0, "PARSE: template: __alert_A:1: non executable command in pipeline stage 2"),
    PromtoolCase(
        "{{ 3 4 }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing \"__alert_A\" at <3>: can't give argument to non-function 3>"
    ),
    PromtoolCase("{{ $x }}", value: 1.0, "PARSE: template: __alert_A:1: undefined variable \"$x\""),
    PromtoolCase("{{ $x := 1 }}{{ $x = 2 }}{{ $x }}", value: 1.0, "2"),
    PromtoolCase(
        "{{ $y = 2 }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:120: executing \"__alert_A\" at <2>: undefined variable: $y>"
    ),
    PromtoolCase("{{ .Labels | }}", value: 1.0, "map[instance:host.example.com:9100 job:j]"),
    PromtoolCase("{{ | .Labels }}", value: 1.0, "PARSE: template: __alert_A:1: unexpected \"|\" in command"),
    PromtoolCase("{{/* c */}}a", value: 1.0, "a"),
    PromtoolCase("{{/* c */ }}a", value: 1.0, "PARSE: template: __alert_A:1: comment ends before closing delimiter"),
    PromtoolCase("{{/* c", value: 1.0, "PARSE: template: __alert_A:1: unclosed comment"),
    PromtoolCase("{{- /* c */ -}} a", value: 1.0, "a"),
    PromtoolCase("x {{- 1 -}} y", value: 1.0, "x1y"),
    PromtoolCase("x {{-1}} y", value: 1.0, "x -1 y"),
    PromtoolCase("x {{ -1 }} y", value: 1.0, "x -1 y"),
    PromtoolCase("{{ 1 = 2 }}", value: 1.0, "PARSE: template: __alert_A:1: unexpected \"=\" in operand"),
    PromtoolCase("{{ : }}", value: 1.0, "PARSE: template: __alert_A:1: expected :="),
    PromtoolCase("{{ a.b }}", value: 1.0, "PARSE: template: __alert_A:1: function \"a\" not defined"),
    PromtoolCase(
        "{{ .Labels.job.x }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:122: executing \"__alert_A\" at <.Labels.job.x>: can't evaluate field x in type string>"
    ),
    PromtoolCase(
        "{{ $labels.job.x }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:122: executing \"__alert_A\" at <$labels.job.x>: can't evaluate field x in type string>"
    ),
    PromtoolCase("{{ @ }}", value: 1.0, "PARSE: template: __alert_A:1: unexpected \"@\" in command"),
    PromtoolCase("{{ 1abc }}", value: 1.0, "PARSE: template: __alert_A:1: bad number syntax: \"1a\""),
    PromtoolCase("{{ 089 }}", value: 1.0, "PARSE: template: __alert_A:1: integer overflow: \"089\""),
    PromtoolCase("{{ 0x }}", value: 1.0, "PARSE: template: __alert_A:1: illegal number syntax: \"0x\""),
    PromtoolCase("{{ 1e }}", value: 1.0, "PARSE: template: __alert_A:1: illegal number syntax: \"1e\""),
    PromtoolCase("{{ . }}", value: 1.0, "{map[instance:host.example.com:9100 job:j] map[]  1}"),
    PromtoolCase(
        "{{ nil }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing \"__alert_A\" at <nil>: nil is not a command>"
    ),
    PromtoolCase("{{ print nil }}", value: 1.0, "<nil>"),
    PromtoolCase("{{ range $labels }}{{ . }}{{ end }}", value: 1.0, "host.example.com:9100j"),
    PromtoolCase("{{ break }}", value: 1.0, "PARSE: template: __alert_A:1: {{break}} outside {{range}}"),
    PromtoolCase("{{ range $i, $v := $labels }}{{ break }}{{ end }}", value: 1.0, ""),
    PromtoolCase("{{ with $labels.job }}{{ . }}{{ else }}none{{ end }}", value: 1.0, "j"),
    PromtoolCase("{{ with $labels.nope }}{{ . }}{{ else }}none{{ end }}", value: 1.0, "none"),
    PromtoolCase("{{ if and 1 0 }}a{{ else if 0 }}b{{ else }}c{{ end }}", value: 1.0, "c"),
    PromtoolCase("{{ $labels.job | printf \"%s-%s\" \"x\" }}", value: 1.0, "x-j"),
    PromtoolCase("{{ .Labels.job | len }}", value: 1.0, "1"),
    PromtoolCase("{{ \"a\\x41\\u00e9\\101\\t\" }}", value: 1.0, "aAéA\t"),
    PromtoolCase("{{ `raw\\n` }}", value: 1.0, "raw\\n"),
    PromtoolCase(
        "{{ \"a\" \"b\" }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing \"__alert_A\" at <\"a\">: can't give argument to non-function \"a\">"
    ),
    PromtoolCase(
        "{{ printf }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing \"__alert_A\" at <printf>: wrong number of args for printf: want at least 1 got 0>"
    ),
    PromtoolCase(
        "{{ len }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing \"__alert_A\" at <len>: wrong number of args for len: want 1 got 0>"
    ),
    PromtoolCase(
        "{{ len 1 2 }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing \"__alert_A\" at <len>: wrong number of args for len: want 1 got 2>"
    ),
    PromtoolCase(
        "{{ not }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing \"__alert_A\" at <not>: wrong number of args for not: want 1 got 0>"
    ),
    PromtoolCase(
        "{{ and }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing \"__alert_A\" at <and>: wrong number of args for and: want at least 1 got 0>"
    ),
    PromtoolCase(
        "{{ eq 1 }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing \"__alert_A\" at <eq 1>: error calling eq: missing argument for comparison>"
    ),
    PromtoolCase(
        "{{ title }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing \"__alert_A\" at <title>: wrong number of args for title: want 1 got 0>"
    ),
    PromtoolCase(
        "{{ humanize }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing \"__alert_A\" at <humanize>: wrong number of args for humanize: want 1 got 0>"
    ),
    PromtoolCase(
        "{{ humanize 1 2 }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing \"__alert_A\" at <humanize>: wrong number of args for humanize: want 1 got 2>"
    ),
    PromtoolCase("{{ true.x }}", value: 1.0, "PARSE: template: __alert_A:1: unexpected . after term \"true\""),
    PromtoolCase(
        "{{ (1).x }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:116: executing \"__alert_A\" at <1>: can't evaluate field x in type int>"
    ),
    PromtoolCase("{{ $.Labels.job }}", value: 1.0, "j"),
    PromtoolCase("{{ $ }}", value: 1.0, "{map[instance:host.example.com:9100 job:j] map[]  1}"),
    PromtoolCase("{{ if 1 }}{{ end }}{{ end }}", value: 1.0, "PARSE: template: __alert_A:1: unexpected {{end}}"),
    PromtoolCase("{{ else if 1 }}", value: 1.0, "PARSE: template: __alert_A:1: unexpected {{else}}"),
    PromtoolCase("{{ with }}{{ end }}", value: 1.0, "PARSE: template: __alert_A:1: missing value for with"),
    PromtoolCase("{{ range }}{{ end }}", value: 1.0, "PARSE: template: __alert_A:1: missing value for range"),
    PromtoolCase(
        "{{ range $a, $b, $c := . }}{{ end }}",
        value: 1.0,
        "PARSE: template: __alert_A:1: too many declarations in range"
    ),
    PromtoolCase("{{ $a, $b := 1 }}", value: 1.0, "PARSE: template: __alert_A:1: too many declarations in command"),
    PromtoolCase(
        "{{ range $a, $b = $labels }}{{ end }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:130: executing \"__alert_A\" at <$labels>: undefined variable: $a>"
    ),
    PromtoolCase("{{ continue }}", value: 1.0, "PARSE: template: __alert_A:1: {{continue}} outside {{range}}"),
    PromtoolCase(
        "{{ if true }}{{ else with 1 }}{{ end }}",
        value: 1.0,
        "PARSE: template: __alert_A:1: unexpected <with> in else"
    ),
    PromtoolCase("{{.Labels.job}}{{.Labels.job", value: 1.0, "PARSE: template: __alert_A:1: unclosed action"),
    PromtoolCase("a", value: 1.0, "a"),
    PromtoolCase("{{ 1 }}", value: 1.0, "1"),
    PromtoolCase("{{ bad_name }}", value: 1.0, "PARSE: template: __alert_A:1: function \"bad_name\" not defined"),
    PromtoolCase("{{ if 1 }}", value: 1.0, "PARSE: template: __alert_A:1: unexpected EOF"),
    PromtoolCase("{{ if 1 }}{{ else }}", value: 1.0, "PARSE: template: __alert_A:1: unexpected EOF"),
    PromtoolCase(
        "{{ gt $value 10 }}|{{ gt $value 10.0 }}|{{ gt .Value 0.5 }}|{{ eq $value 1.0 }}|{{ eq 1 1 }}|{{ eq \"a\" \"a\" }}|{{ eq 1 2 1 }}|{{ ne 1 2 }}|{{ lt \"a\" \"b\" }}|{{ le 2 2 }}|{{ ge 1.5 2.0 }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing \"__alert_A\" at <gt $value 10>: error calling gt: incompatible types for comparison>"
    ),
    PromtoolCase(
        "{{ eq $value 1 }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing \"__alert_A\" at <eq $value 1>: error calling eq: incompatible types for comparison>"
    ),
    PromtoolCase(
        "{{ eq \"a\" 1 }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing \"__alert_A\" at <eq \"a\" 1>: error calling eq: incompatible types for comparison>"
    ),
    PromtoolCase(
        "{{ lt true false }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing \"__alert_A\" at <lt true false>: error calling lt: invalid type for comparison>"
    ),
    PromtoolCase("{{ eq true true }}|{{ eq nil nil }}", value: 1.0, "true|true"),
    PromtoolCase(
        "{{ eq $labels $labels }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing \"__alert_A\" at <eq $labels $labels>: error calling eq: non-comparable type map[instance:host.example.com:9100 job:j]: map[string]string>"
    ),
    PromtoolCase(
        "{{ eq $labels.job \"j\" }}|{{ eq $labels.nope \"\" }}|{{ eq .Labels.job \"j\" \"k\" }}",
        value: 1.0,
        "true|true|true"
    ),
    PromtoolCase(
        "{{ lt 1 }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing \"__alert_A\" at <lt>: wrong number of args for lt: want 2 got 1>"
    ),
    PromtoolCase(
        "{{ lt 1 2 3 }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing \"__alert_A\" at <lt>: wrong number of args for lt: want 2 got 3>"
    ),
    PromtoolCase(
        "{{ and 1 0 2 }}|{{ and 1 2 }}|{{ or 0 \"\" 3 }}|{{ or 0 \"\" }}|{{ not 0 }}|{{ not \"x\" }}|{{ and $labels \"x\" }}|{{ or nil 0 }}|{{ not $labels }}|{{ not .ExternalLabels }}",
        value: 1.0,
        "0|2|3||true|false|x|0|false|true"
    ),
    PromtoolCase("{{ len $labels }}|{{ len \"héllo\" }}|{{ len .ExternalLabels }}", value: 1.0, "2|6|0"),
    PromtoolCase(
        "{{ len 3 }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing \"__alert_A\" at <len 3>: error calling len: len of type int>"
    ),
    PromtoolCase(
        "{{ index $labels \"job\" }}|{{ index $labels \"nope\" }}|{{ index .Labels \"instance\" }}|{{ index \"abc\" 1 }}",
        value: 1.0,
        "j||host.example.com:9100|98"
    ),
    PromtoolCase(
        "{{ index 3 1 }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing \"__alert_A\" at <index 3 1>: error calling index: can't index item of type int>"
    ),
    PromtoolCase(
        "{{ index \"abc\" 5 }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing \"__alert_A\" at <index \"abc\" 5>: error calling index: index out of range: 5>"
    ),
    PromtoolCase("{{ index $labels }}", value: 1.0, "map[instance:host.example.com:9100 job:j]"),
    PromtoolCase(
        "{{ index $labels \"job\" \"x\" }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing \"__alert_A\" at <index $labels \"job\" \"x\">: error calling index: cannot index slice/array with type string>"
    ),
    PromtoolCase(
        "{{ urlquery \"a b&c=d/é\" }}|{{ html \"<a href='x'>&\\\"</a>\" }}|{{ js \"it's \\\"q\\\" <b> & \\\\ \\n é\" }}|{{ urlquery 1 \"a\" }}|{{ html 1.5 }}",
        value: 1.0,
        "a+b%26c%3Dd%2F%C3%A9|&lt;a href=&#39;x&#39;&gt;&amp;&#34;&lt;/a&gt;|it\\'s \\\"q\\\" \\u003Cb\\u003E \\u0026 \\\\ \\u000A é|1a|1.5"
    ),
    PromtoolCase(
        "{{ toUpper \"abc é\" }}|{{ toLower \"ABC É\" }}|{{ title \"hello world foo-bar o'neil 3am\" }}",
        value: 1.0,
        "ABC É|abc é|Hello World Foo-Bar O'Neil 3am"
    ),
    PromtoolCase(
        "{{ match \"a.c\" \"xabcx\" }}|{{ match \"^a.c$\" \"xabcx\" }}|{{ reReplaceAll \"(\\\\w+)@(\\\\w+)\" \"$2 at $1\" \"bob@host x@y\" }}|{{ reReplaceAll \"a(b)\" \"${1}x$1x\" \"ab\" }}",
        value: 1.0,
        "true|false|host at bob y at x|bx"
    ),
    PromtoolCase(
        "{{ stripPort \"host:9090\" }}|{{ stripPort \"host\" }}|{{ stripPort \"[::1]:90\" }}|{{ stripPort \"::1\" }}|{{ stripPort \"a:b:c\" }}",
        value: 1.0,
        "host|host|::1|::1|a:b:c"
    ),
    PromtoolCase(
        "{{ stripDomain \"host.example.com:9090\" }}|{{ stripDomain \"host.example.com\" }}|{{ stripDomain \"[::1]:90\" }}|{{ stripDomain \"10.0.0.1:90\" }}|{{ stripDomain \"host\" }}",
        value: 1.0,
        "host:9090|host|[::1]:90|10.0.0.1:90|host"
    ),
    PromtoolCase(
        "{{ parseDuration \"1h30m\" }}|{{ parseDuration \"1d\" }}|{{ parseDuration \"1ms\" }}",
        value: 1.0,
        "5400|86400|0.001"
    ),
    PromtoolCase(
        "{{ parseDuration \"x\" }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing \"__alert_A\" at <parseDuration \"x\">: error calling parseDuration: not a valid duration string: \"x\">"
    ),
    PromtoolCase(
        "{{ toTime 1234567890.5 }}|{{ toTime \"1234567890\" }}",
        value: 1.0,
        "2009-02-13 23:31:30.5 +0000 UTC|2009-02-13 23:31:30 +0000 UTC"
    ),
    PromtoolCase(
        "{{ humanizeTimestamp 1234567890.123 }}|{{ humanizeTimestamp 0 }}|{{ humanizeTimestamp \"1234567890\" }}|{{ humanizeTimestamp 1.5 }}",
        value: 1.0,
        "2009-02-13 23:31:30.122 +0000 UTC|1970-01-01 00:00:00 +0000 UTC|2009-02-13 23:31:30 +0000 UTC|1970-01-01 00:00:01.5 +0000 UTC"
    ),
    PromtoolCase(
        "{{ humanize \"abc\" }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing \"__alert_A\" at <humanize \"abc\">: error calling humanize: strconv.ParseFloat: parsing \"abc\": invalid syntax>"
    ),
    PromtoolCase(
        "{{ humanize true }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing \"__alert_A\" at <humanize true>: error calling humanize: can't convert bool to float>"
    ),
    PromtoolCase(
        "{{ humanize \"1e3\" }}|{{ humanize 1000 }}|{{ humanize 0 }}|{{ humanize -1234567 }}|{{ humanize 0.00012 }}|{{ humanize 1e30 }}|{{ humanize 1e-30 }}|{{ humanize 999.99 }}|{{ humanize 999999 }}|{{ humanize 1.23456e6 }}",
        value: 1.0,
        "1k|1k|0|-1.235M|120u|1e+06Y|1e-06y|1000|1000k|1.235M"
    ),
    PromtoolCase(
        "{{ humanize1024 1024 }}|{{ humanize1024 1 }}|{{ humanize1024 0.5 }}|{{ humanize1024 1536 }}|{{ humanize1024 1e30 }}|{{ humanize1024 -2048 }}",
        value: 1.0,
        "1ki|1|0.5|1.5ki|8.272e+05Yi|-2ki"
    ),
    PromtoolCase(
        "{{ humanizeDuration 0 }}|{{ humanizeDuration 1 }}|{{ humanizeDuration 59.99 }}|{{ humanizeDuration 61 }}|{{ humanizeDuration 3661 }}|{{ humanizeDuration 90061.5 }}|{{ humanizeDuration -90 }}|{{ humanizeDuration 0.0012 }}|{{ humanizeDuration -0.5 }}|{{ humanizeDuration 1e-10 }}",
        value: 1.0,
        "0s|1s|59.99s|1m 1s|1h 1m 1s|1d 1h 1m 1s|-1m 30s|1.2ms|-500ms|100ps"
    ),
    PromtoolCase(
        "{{ humanizePercentage 0.5 }}|{{ humanizePercentage 0.123456 }}|{{ humanizePercentage 1 }}|{{ humanizePercentage 0 }}|{{ humanizePercentage 1e-7 }}",
        value: 1.0,
        "50%|12.35%|100%|0%|1e-05%"
    ),
    PromtoolCase(
        "{{ humanize $value }}|{{ humanize1024 $value }}|{{ humanizeDuration $value }}|{{ humanizePercentage $value }}|{{ humanizeTimestamp $value }}|{{ $value | humanize }}",
        value: 1.0,
        "1|1|1s|100%|1970-01-01 00:00:01 +0000 UTC|1"
    ),
    PromtoolCase(
        "{{ range $k, $v := $labels }}{{ $k }}={{ $v }};{{ end }}|{{ range $v := $labels }}{{ $v }}{{ end }}|{{ range .ExternalLabels }}x{{ else }}empty{{ end }}",
        value: 1.0,
        "instance=host.example.com:9100;job=j;|host.example.com:9100j|empty"
    ),
    PromtoolCase(
        "{{ range \"abc\" }}{{ . }}{{ end }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:121: executing \"__alert_A\" at <\"abc\">: range can't iterate over abc>"
    ),
    PromtoolCase(
        "{{ range 3 }}{{ . }}{{ end }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:121: executing \"__alert_A\" at <3>: range can't iterate over 3>"
    ),
    PromtoolCase(
        "{{ range $i, $c := \"ab\" }}{{ $i }}{{ $c }}{{ end }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:131: executing \"__alert_A\" at <\"ab\">: range can't iterate over ab>"
    ),
    PromtoolCase(
        "{{ if $labels }}y{{ end }}|{{ if .ExternalLabels }}y{{ else }}n{{ end }}|{{ if \"\" }}y{{ else }}n{{ end }}|{{ if 0.0 }}y{{ else }}n{{ end }}|{{ if nil }}y{{ else }}n{{ end }}|{{ if $value }}y{{ end }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:258: executing \"__alert_A\" at <nil>: nil is not a command>"
    ),
    PromtoolCase(
        "{{ $x := 1 }}{{ if true }}{{ $x := 2 }}{{ $x }}{{ end }}{{ $x }}|{{ $y := 1 }}{{ if true }}{{ $y = 2 }}{{ end }}{{ $y }}",
        value: 1.0,
        "21|2"
    ),
    PromtoolCase(
        "{{ $labels.job | toUpper | printf \"%q\" }}|{{ printf \"%s\" (toUpper \"a\") }}|{{ (print \"a\") }}|{{ (1) }}",
        value: 1.0,
        "\"J\"|A|a|1"
    ),
    PromtoolCase(
        "{{ .Labels.nope }}|{{ .Nope }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:134: executing \"__alert_A\" at <.Nope>: can't evaluate field Nope in type struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value float64 }>"
    ),
    PromtoolCase(
        "{{ $value.Foo }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:121: executing \"__alert_A\" at <$value.Foo>: can't evaluate field Foo in type float64>"
    ),
    PromtoolCase(
        "{{ .Labels.job.Foo }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:122: executing \"__alert_A\" at <.Labels.job.Foo>: can't evaluate field Foo in type string>"
    ),
    PromtoolCase(
        "{{ toUpper 1 }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:123: executing \"__alert_A\" at <1>: expected string; found 1>"
    ),
    PromtoolCase(
        "{{ toUpper nil }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:123: executing \"__alert_A\" at <nil>: cannot assign nil to string>"
    ),
    PromtoolCase(
        "{{ title $labels }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:121: executing \"__alert_A\" at <$labels>: wrong type for value; expected string; got map[string]string>"
    ),
    PromtoolCase("{{ printf \"%d\" }}", value: 1.0, "%!d(MISSING)"),
    PromtoolCase(
        "{{ printf 1 }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:122: executing \"__alert_A\" at <1>: expected string; found 1>"
    ),
    PromtoolCase("{{ 1 | printf \"%d %d\" 2 }}", value: 1.0, "2 1"),
    PromtoolCase("{{ \"x\" | len | printf \"%d\" }}", value: 1.0, "1"),
    PromtoolCase(
        "{{ printf \"%5.1f|%-7.2e|%+.3g|%08.3f|% .2f|%x|%X\" -3.14159 1234.5 1.0 -3.14159 2.0 1.5 255.0 }}",
        value: 1.0,
        " -3.1|1.23e+03|+1|-003.142| 2.00|0x1.8p+00|0X1.FEP+07"
    ),
    PromtoolCase(
        "{{ printf \"%v|%v|%v|%v|%v\" 1e-320 5e-324 1.7976931348623157e308 0.1 123456789012345678 }}",
        value: 1.0,
        "1e-320|5e-324|1.7976931348623157e+308|0.1|123456789012345678"
    ),
    PromtoolCase(
        "{{ printf \"%s\" nil }}|{{ printf \"%d\" nil }}|{{ printf \"%v\" \"\" }}|{{ printf \"%q\" 1.5 }}|{{ printf \"%c\" \"x\" }}",
        value: 1.0,
        "%!s(<nil>)|%!d(<nil>)||%!q(float64=1.5)|%!c(string=x)"
    ),
    PromtoolCase(
        "{{ printf \"%s\" (humanize \"abcdefghijklmnopqrstuvwxyz\") }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:128: executing \"__alert_A\" at <humanize \"abcdefghijklmnopqrstuvwxyz\">: error calling humanize: strconv.ParseFloat: parsing \"abcdefghijklmnopqrstuvwxyz\": invalid syntax>"
    ),
    PromtoolCase(
        "{{ $value | toUpper }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:124: executing \"__alert_A\" at <toUpper>: wrong type for value; expected string; got float64>"
    ),
    PromtoolCase(
        "{{ humanize \"abcdefghijklmnopqrstuvwxyz\" }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing \"__alert_A\" at <humanize \"abcdefghijklmnopqrstuvwxyz\">: error calling humanize: strconv.ParseFloat: parsing \"abcdefghijklmnopqrstuvwxyz\": invalid syntax>"
    ),
    PromtoolCase(
        "{{ $x := humanize \"zz\" }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:121: executing \"__alert_A\" at <humanize \"zz\">: error calling humanize: strconv.ParseFloat: parsing \"zz\": invalid syntax>"
    ),
    PromtoolCase(
        "{{ if humanize \"zz\" }}{{ end }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:118: executing \"__alert_A\" at <humanize \"zz\">: error calling humanize: strconv.ParseFloat: parsing \"zz\": invalid syntax>"
    ),
    PromtoolCase(
        "{{ toUpper (humanize \"zz\") }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:124: executing \"__alert_A\" at <humanize \"zz\">: error calling humanize: strconv.ParseFloat: parsing \"zz\": invalid syntax>"
    ),
    PromtoolCase(
        "{{ humanize nil }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing \"__alert_A\" at <humanize nil>: error calling humanize: can't convert <nil> to float>"
    ),
    PromtoolCase(
        "{{ humanize \"\" }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing \"__alert_A\" at <humanize \"\">: error calling humanize: strconv.ParseFloat: parsing \"\": invalid syntax>"
    ),
    PromtoolCase(
        "{{ humanize \" 12\" }}|{{ humanize \"0x10\" }}|{{ humanize \"1_000\" }}|{{ humanize \"inf\" }}|{{ humanize \"Infinity\" }}|{{ humanize \"nan\" }}|{{ humanize \"+5\" }}|{{ humanize \".5\" }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing \"__alert_A\" at <humanize \" 12\">: error calling humanize: strconv.ParseFloat: parsing \" 12\": invalid syntax>"
    ),
    PromtoolCase(
        "{{ printf \"%s %v %d\" (toTime 1.5) (toTime 1.5) (toTime 1.5) }}",
        value: 1.0,
        "1970-01-01 00:00:01.5 +0000 UTC 1970-01-01 00:00:01.5 +0000 UTC &{500000000 62135596801 0}"
    ),
    PromtoolCase(
        "{{ toTime \"x\" }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing \"__alert_A\" at <toTime \"x\">: error calling toTime: strconv.ParseFloat: parsing \"x\": invalid syntax>"
    ),
    PromtoolCase(
        "{{ humanizeTimestamp -1.5 }}|{{ toTime -1.5 }}|{{ humanizeTimestamp 1e10 }}|{{ humanizeTimestamp 253402300800 }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:162: executing \"__alert_A\" at <humanizeTimestamp 1e10>: error calling humanizeTimestamp: 1e+10 cannot be represented as a nanoseconds timestamp since it overflows int64>"
    ),
    PromtoolCase(
        "{{ humanizeTimestamp 1e20 }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing \"__alert_A\" at <humanizeTimestamp 1e20>: error calling humanizeTimestamp: 1e+20 cannot be represented as a nanoseconds timestamp since it overflows int64>"
    ),
    PromtoolCase(
        "{{ index \"abc\" 3 }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing \"__alert_A\" at <index \"abc\" 3>: error calling index: reflect: string index out of range>"
    ),
    PromtoolCase("{{ eq (index \"abc\" 1) 98 }}", value: 1.0, "true"),
    PromtoolCase(
        "{{ printf \"%T %T %T %T %T\" 1 1.5 \"s\" true $labels }}",
        value: 1.0,
        "int float64 string bool map[string]string"
    ),
    PromtoolCase(
        "{{ printf \"%5t|%-6v|%06d|%-06d|%x|% x|%#q|%+q\" true 12 -42 42 -255 -255 \"a`b\" \"é\" }}",
        value: 1.0,
        " true|12    |-00042|42    |-ff|-ff|\"a`b\"|\"\\u00e9\""
    ),
    PromtoolCase(
        "{{ printf \"%.3s|%.0s|%5.1s|%q|%x\" \"héllo\" \"abc\" \"xyz\" \"é\\x01\\u2028\" \"é\" }}",
        value: 1.0,
        "hél||    x|\"é\\x01\\u2028\"|c3a9"
    ),
    PromtoolCase(
        "{{ printf \"%08.3e|%-12g|%+g|%10.4v|%.2v\" 1234.5 1.5 2.0 3.14159 123.0 }}",
        value: 1.0,
        "1.234e+03|1.5         |+2|     3.142|1.2e+02"
    ),
    PromtoolCase(
        "{{ printf \"%v\" 1e100 }}|{{ printf \"%.30f\" 0.1 }}|{{ printf \"%.20e\" 1.0 }}|{{ printf \"%g\" 0.000001 }}|{{ printf \"%g\" 1e-7 }}",
        value: 1.0,
        "1e+100|0.100000000000000005551115123126|1.00000000000000000000e+00|1e-06|1e-07"
    ),
    PromtoolCase(
        "{{ printf \"%d\" 9223372036854775807 }}|{{ 9223372036854775808 }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:153: executing \"__alert_A\" at <9223372036854775808>: 9223372036854775808 overflows int>"
    ),
    PromtoolCase("{{ print 1 \"a\" 2 3 nil \"b\" }}|{{ println }}|{{ print }}", value: 1.0, "1a2 3 <nil>b|\n|"),
    PromtoolCase(
        "{{ js \"\\u2028<>'\\\"=&\\x7f\\x00\" }}|{{ html \"\\x00\" }}|{{ urlquery \"~-_.*!()'\" }}",
        value: 1.0,
        "\\u2028\\u003C\\u003E\\'\\\"\\u003D\\u0026\u{7f}\\u0000|�|~-_.%2A%21%28%29%27"
    ),
    PromtoolCase(
        "{{ title \"ñandú über ÉCOLE a_b a.b a1b\" }}|{{ toUpper \"ß\" }}|{{ toLower \"İ\" }}",
        value: 1.0,
        "Ñandú Über ÉCOLE A_b A.B A1b|ß|i"
    ),
    PromtoolCase(
        "{{ reReplaceAll \"o\" \"0\" \"foo\" }}|{{ reReplaceAll \"\" \"-\" \"ab\" }}|{{ reReplaceAll \"a*\" \"-\" \"baaac\" }}|{{ reReplaceAll \"(?P<x>b)\" \"[$x][${x}][$1a][$$]\" \"abc\" }}",
        value: 1.0,
        "f00|-a-b-|-b-c-|a[b][b][][$]c"
    ),
    PromtoolCase("{{ match \"^[a-z]+\\\\d$\" \"abc1\" }}|{{ match \"(?i)ABC\" \"abc\" }}", value: 1.0, "true|true"),
    PromtoolCase(
        "{{ with $x := 5 }}{{ $x }}{{ . }}{{ end }}|{{ range $k, $v := .Labels }}{{ . }}{{ end }}",
        value: 1.0,
        "55|host.example.com:9100j"
    ),
    PromtoolCase("{{ if eq 1 1 }}a{{ else if eq 1 2 }}b{{ end }}", value: 1.0, "a"),
    PromtoolCase("{{- /* comment */ -}}", value: 1.0, ""),
    PromtoolCase("x", value: 1.0, "x"),
    PromtoolCase("  {{- \" trim \" -}}", value: 1.0, " trim "),
    PromtoolCase("  y", value: 1.0, "  y"),
    PromtoolCase("line1{{ $labels.job }}", value: 1.0, "line1j"),
    PromtoolCase(
        "{{ range $k, $v := $labels }}{{ if eq $k \"job\" }}{{ continue }}{{ end }}{{ $k }}={{ $v }}{{ end }}",
        value: 1.0,
        "instance=host.example.com:9100"
    ),
    PromtoolCase(
        "{{ range $k, $v := $labels }}{{ $k }}{{ break }}{{ end }}|{{ range $labels }}{{ . }}{{ else }}none{{ end }}",
        value: 1.0,
        "instance|host.example.com:9100j"
    ),
    PromtoolCase(
        "{{ with $x := $labels.job }}{{ $x }}-{{ . }}{{ end }}{{ with \"\" }}a{{ else }}b{{ end }}",
        value: 1.0,
        "j-jb"
    ),
    PromtoolCase(
        "{{ $r := \"\" }}{{ range $k, $v := $labels }}{{ $r = printf \"%s%s,\" $r $k }}{{ end }}{{ $r }}",
        value: 1.0,
        "instance,job,"
    ),
    PromtoolCase("{{ $r := \"\" }}{{ range $labels }}{{ $r := \"inner\" }}{{ end }}[{{ $r }}]", value: 1.0, "[]"),
    PromtoolCase(
        "{{ range $i, $v = $labels }}{{ end }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:130: executing \"__alert_A\" at <$labels>: undefined variable: $i>"
    ),
    PromtoolCase(
        "{{ .Labels | len }}|{{ $labels | len | printf \"%03d\" }}|{{ \"abc\" | printf \"%s-%s\" \"x\" }}",
        value: 1.0,
        "2|002|x-abc"
    ),
    PromtoolCase(
        "{{ if and (gt $value 0.5) (lt $value 2.0) }}in{{ end }}|{{ if or (eq $labels.job \"x\") (eq $labels.job \"j\") }}or{{ end }}",
        value: 1.0,
        "in|or"
    ),
    PromtoolCase(
        "{{ printf \"%-10s|%10.3f|%+d|%x|%X|%o|%c|%U|%08b\" \"ab\" 3.14159 5 \"héllo\" 3054 64 9731 9731 5 }}",
        value: 1.0,
        "ab        |     3.142|+5|68c3a96c6c6f|BEE|100|☃|U+2603|00000101"
    ),
    PromtoolCase(
        "{{ printf \"%v %v\" 1 }}|{{ printf \"%d %s\" 1 \"a\" 2 3 }}|{{ printf \"100%%\" }}|{{ printf \"%5%\" }}|{{ printf \"%-5d|\" -3 }}",
        value: 1.0,
        "1 %!v(MISSING)|1 a%!(EXTRA int=2, int=3)|100%|%|-3   |"
    ),
    PromtoolCase(
        "{{ printf \"%[1]s %[1]s\" \"x\" }}|{{ printf \"%[3]d\" 1 2 }}|{{ printf \"%.*f\" 2 3.14159 }}|{{ printf \"%[2]*[1]d\" 12 5 }}",
        value: 1.0,
        "x x|%!d(BADINDEX)|3.14|   12"
    ),
    PromtoolCase(
        "{{ printf \"%6.2v|%-8q|%x|% X\" \"hello\" \"q\" 255 \"hi\" }}",
        value: 1.0,
        "    he|\"q\"     |ff|68 69"
    ),
    PromtoolCase(
        "{{ printf \"%q\" \"\\u00e9\\t\\x00\\u2028\\U0001F600\" }}|{{ printf \"%+q\" \"é😀\" }}|{{ printf \"%#q\" \"a\\tb\" }}",
        value: 1.0,
        "\"é\\t\\x00\\u2028😀\"|\"\\u00e9\\U0001f600\"|`a\tb`"
    ),
    PromtoolCase(
        "{{ printf \"%t\" 1 }}|{{ printf \"%s\" $labels }}|{{ printf \"%d\" $labels }}|{{ printf \"%v\" . }}|{{ printf \"%s\" true }}",
        value: 1.0,
        "%!t(int=1)|map[instance:host.example.com:9100 job:j]|map[%!d(string=instance):%!d(string=host.example.com:9100) %!d(string=job):%!d(string=j)]|{map[instance:host.example.com:9100 job:j] map[]  1}|%!s(bool=true)"
    ),
    PromtoolCase(
        "{{ printf \"%e\" 0.0 }}|{{ printf \"%g\" 0.0 }}|{{ printf \"%f\" -0.0 }}|{{ printf \"%v\" -0.0 }}|{{ printf \"%.3e\" 123456.0 }}|{{ printf \"%G\" 1e-10 }}|{{ printf \"%.0e\" 15.0 }}",
        value: 1.0,
        "0.000000e+00|0|-0.000000|-0|1.235e+05|1E-10|2e+01"
    ),
    PromtoolCase(
        "{{ printf \"%08.2f|%-8.2f|%+.2f|% .2f|%+08.2f\" -1.5 1.5 1.5 -1.5 1.5 }}|{{ printf \"%5.1f%%\" 99.44 }}",
        value: 1.0,
        "-0001.50|1.50    |+1.50|-1.50|+0001.50| 99.4%"
    ),
    PromtoolCase(
        "{{ printf \"%x|%X|%b\" 1.0 -0.5 2.0 }}|{{ printf \"%v\" 1e-7 }}|{{ printf \"%.10g\" 1.0 }}|{{ printf \"%.3g\" 1e-5 }}",
        value: 1.0,
        "0x1p+00|-0X1P-01|4503599627370496p-51|1e-07|1|1e-05"
    ),
    PromtoolCase(
        "{{ index .Labels \"job\" | toUpper }}|{{ toLower .Labels.job }}|{{ title \"foo bar\" }}",
        value: 1.0,
        "J|j|Foo Bar"
    ),
    PromtoolCase("{{ $v := 3 }}{{ $v }}{{ $v = 4.5 }}{{ $v }}{{ $v = \"s\" }}{{ $v }}", value: 1.0, "34.5s"),
    PromtoolCase("{{ \"a\" }}{{ `b` }}{{ 'c' }}{{ true }}{{ false }}", value: 1.0, "ab99truefalse"),
    PromtoolCase("{{/* comment */}}x{{- /* trimmed */ -}}   y", value: 1.0, "xy"),
    PromtoolCase("a  {{- 1 }}  b {{ 2 -}}   c", value: 1.0, "a1  b 2c"),
    PromtoolCase("{{ if false }}a{{ else if false }}b{{ else if true }}c{{ else }}d{{ end }}", value: 1.0, "c"),
    PromtoolCase(
        "{{ \"\\a\\b\\f\\n\\r\\t\\v\\\\\\\"\" | printf \"%q\" }}|{{ \"\\101\\x42\\u0043\" }}",
        value: 1.0,
        "\"\\a\\b\\f\\n\\r\\t\\v\\\\\\\"\"|ABC"
    ),
    PromtoolCase("{{ len \"\" }}{{ len .ExternalLabels }}{{ index \"\" }}", value: 1.0, "00"),
    PromtoolCase(
        "{{ not true }}{{ not 0.0 }}{{ not \"\" }}{{ and 1 \"\" }}{{ or \"\" 0 }}{{ and }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:181: executing \"__alert_A\" at <and>: wrong number of args for and: want at least 1 got 0>"
    ),
    PromtoolCase(
        "{{ eq 1.5 1.5 }}|{{ eq \"a\" \"b\" \"a\" }}|{{ ne \"a\" \"a\" }}|{{ le 1 1 }}|{{ ge \"b\" \"a\" }}|{{ gt 2.0 1.5 }}|{{ lt -1 0 }}",
        value: 1.0,
        "true|true|false|true|true|true|true"
    ),
    PromtoolCase(
        "{{ eq .Labels.job $labels.job }}|{{ eq $value .Value }}|{{ eq nil 1 }}|{{ eq 1 nil }}",
        value: 1.0,
        "true|true|false|false"
    ),
    PromtoolCase(
        "{{ lt nil 1 }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing \"__alert_A\" at <lt nil 1>: error calling lt: invalid type for comparison>"
    ),
    PromtoolCase(
        "{{ lt 1.0 2 }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing \"__alert_A\" at <lt 1.0 2>: error calling lt: incompatible types for comparison>"
    ),
    PromtoolCase(
        "{{ $labels.job.x.y }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:122: executing \"__alert_A\" at <$labels.job.x.y>: can't evaluate field x in type string>"
    ),
    PromtoolCase(
        "{{ .Value.x }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:121: executing \"__alert_A\" at <.Value.x>: can't evaluate field x in type float64>"
    ),
    PromtoolCase(
        "{{ $.Value }}|{{ $.Labels.job }}|{{ .ExternalURL }}|{{ $externalLabels }}|{{ $externalURL }}",
        value: 1.0,
        "1|j||map[]|"
    ),
    PromtoolCase(
        "{{ humanize 12345 }}|{{ humanize \"12345\" }}|{{ humanize1024 \"1048576\" }}|{{ humanizeDuration \"3600\" }}|{{ humanizePercentage \"0.25\" }}",
        value: 1.0,
        "12.35k|12.35k|1Mi|1h 0m 0s|25%"
    ),
    PromtoolCase(
        "{{ humanize (index $labels \"nope\") }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing \"__alert_A\" at <humanize (index $labels \"nope\")>: error calling humanize: strconv.ParseFloat: parsing \"\": invalid syntax>"
    ),
    PromtoolCase(
        "{{ humanize 1.0 2.0 }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing \"__alert_A\" at <humanize>: wrong number of args for humanize: want 1 got 2>"
    ),
    PromtoolCase(
        "{{ parseDuration \"1y2w3d4h5m6s7ms\" }}|{{ parseDuration \"0\" }}|{{ parseDuration \"90s\" | humanizeDuration }}",
        value: 1.0,
        "3.3019506007e+07|0|1m 30s"
    ),
    PromtoolCase(
        "{{ parseDuration \"\" }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing \"__alert_A\" at <parseDuration \"\">: error calling parseDuration: empty duration string>"
    ),
    PromtoolCase(
        "{{ parseDuration \"1m1h\" }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing \"__alert_A\" at <parseDuration \"1m1h\">: error calling parseDuration: not a valid duration string: \"1m1h\">"
    ),
    PromtoolCase(
        "{{ stripPort \"[fe80::1%eth0]:80\" }}|{{ stripPort \"a]:b\" }}|{{ stripPort \":80\" }}|{{ stripDomain \"::1\" }}|{{ stripDomain \"fe80::1\" }}|{{ stripDomain \"a.b:c:d\" }}|{{ stripDomain \"[a.b.c]:1\" }}",
        value: 1.0,
        "fe80::1%eth0|a]:b||::1|fe80::1|a|a:1"
    ),
    PromtoolCase(
        "{{ match \"^h\" .Labels.instance }}|{{ reReplaceAll \":.*\" \"\" .Labels.instance }}|{{ reReplaceAll \"(.*):(\\\\d+)\" \"$2/$1\" $labels.instance }}|{{ reReplaceAll \"x\" \"$\" \"axb\" }}|{{ reReplaceAll \"x\" \"${\" \"axb\" }}",
        value: 1.0,
        "true|host.example.com|9100/host.example.com|a$b|a${b"
    ),
    PromtoolCase(
        "{{ urlquery $labels.instance \"?\" }}|{{ html $value }}|{{ js 1 2 }}|{{ urlquery }}",
        value: 1.0,
        "host.example.com%3A9100%3F|1|1 2|"
    ),
    PromtoolCase("{{", value: 1.0, "PARSE: template: __alert_A:1: unclosed action"),
    PromtoolCase("  $labels.job", value: 1.0, "  $labels.job"),
    PromtoolCase("}}", value: 1.0, "}}"),
    PromtoolCase("{{ if true }}", value: 1.0, "PARSE: template: __alert_A:1: unexpected EOF"),
    PromtoolCase("  multi", value: 1.0, "  multi"),
    PromtoolCase("{{ end }}", value: 1.0, "PARSE: template: __alert_A:1: unexpected {{end}}"),
    PromtoolCase("{{ foo", value: 1.0, "PARSE: template: __alert_A:1: function \"foo\" not defined"),
    PromtoolCase("}}", value: 1.0, "}}"),
    PromtoolCase("a", value: 1.0, "a"),
    PromtoolCase("{{ bar }}", value: 1.0, "PARSE: template: __alert_A:1: function \"bar\" not defined"),
    PromtoolCase("{{ $labels.job | }}", value: 1.0, "j"),
    PromtoolCase(
        "{{ 1 2 | print }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing \"__alert_A\" at <1>: can't give argument to non-function 1>"
    ),
    PromtoolCase(
        "{{ print 1 | 2 }}",
        value: 1.0,
        "PARSE: template: __alert_A:1: non executable command in pipeline stage 2"
    ),
    PromtoolCase(
        "{{ if true }}{{ $q := 1 }}{{ end }}{{ $q }}",
        value: 1.0,
        "PARSE: template: __alert_A:1: undefined variable \"$q\""
    ),
    PromtoolCase("{{ .Labels.job | printf \"%s\" | printf \"%q\" }}", value: 1.0, "\"j\""),
    PromtoolCase(
        "{{ (print \"a\").x }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:122: executing \"__alert_A\" at <\"a\">: can't evaluate field x in type string>"
    ),
    PromtoolCase("{{ print (1) (2.5) (\"s\") }}", value: 1.0, "1 2.5s"),
    PromtoolCase("{{ - 3 }}", value: 1.0, "PARSE: template: __alert_A:1: illegal number syntax: \"-\""),
    PromtoolCase(
        "{{ -3 }}|{{ +3 }}|{{ .5 }}|{{ 1. }}|{{ 0x1p4 }}|{{ 0b101 }}|{{ 0o17 }}|{{ 017 }}|{{ 1e3 }}|{{ 1E3 }}",
        value: 1.0,
        "-3|3|0.5|1|16|5|15|15|1000|1000"
    ),
    PromtoolCase("{{ '\\n' }}|{{ '\\'' }}|{{ 'é' }}|{{ '\\u00e9' }}|{{ '\\x41' }}", value: 1.0, "10|39|233|233|65"),
    PromtoolCase("{{ \"\\q\" }}", value: 1.0, "PARSE: template: __alert_A:1: invalid syntax"),
    PromtoolCase(
        "{{ 9223372036854775807 }}|{{ -9223372036854775808 }}",
        value: 1.0,
        "9223372036854775807|-9223372036854775808"
    ),
    PromtoolCase(
        "{{ 18446744073709551615 }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing \"__alert_A\" at <18446744073709551615>: 18446744073709551615 overflows int>"
    ),
    PromtoolCase("{{ 1e400 }}", value: 1.0, "PARSE: template: __alert_A:1: illegal number syntax: \"1e400\""),
    PromtoolCase("{{ printf \"%d\" 'a' }}|{{ printf \"%c\" 0x1F600 }}|{{ printf \"%q\" 'x' }}", value: 1.0, "97|😀|'x'"),
    PromtoolCase("{{ $ }}", value: 1.0, "{map[instance:host.example.com:9100 job:j] map[]  1}"),
    PromtoolCase("{{ $x := 1 }}{{ $x := 2 }}{{ $x }}", value: 1.0, "2"),
    PromtoolCase("{{ with $labels.nope }}{{ else }}{{ $labels.job }}{{ end }}", value: 1.0, "j"),
    PromtoolCase(
        "{{ range .Nope }}{{ end }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:121: executing \"__alert_A\" at <.Nope>: can't evaluate field Nope in type struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value float64 }>"
    ),
    PromtoolCase(
        "{{ range $value }}{{ end }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:121: executing \"__alert_A\" at <$value>: range can't iterate over 1>"
    ),
    PromtoolCase(
        "{{ range nil }}{{ end }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:121: executing \"__alert_A\" at <nil>: nil is not a command>"
    ),
    PromtoolCase(
        "{{ if $labels.job }}{{ else }}{{ end }}{{ end }}",
        value: 1.0,
        "PARSE: template: __alert_A:1: unexpected {{end}}"
    ),
    PromtoolCase("{{ else }}", value: 1.0, "PARSE: template: __alert_A:1: unexpected {{else}}"),
    PromtoolCase(
        "{{ with 1 }}{{ else if 2 }}{{ end }}",
        value: 1.0,
        "PARSE: template: __alert_A:1: unexpected <if> in input"
    ),
    PromtoolCase(
        "{{ range $k, $v := $labels }}{{ else if true }}{{ end }}",
        value: 1.0,
        "PARSE: template: __alert_A:1: unexpected <if> in input"
    ),
    PromtoolCase("{{ $x := }}", value: 1.0, "PARSE: template: __alert_A:1: missing value for command"),
    PromtoolCase("{{ $x := 1 | }}", value: 1.0, ""),
    PromtoolCase("{{ printf \"%s\" | }}", value: 1.0, "%!s(MISSING)"),
    PromtoolCase("{{ ( ) }}", value: 1.0, "PARSE: template: __alert_A:1: missing value for parenthesized pipeline"),
    PromtoolCase(
        "{{ (1 2) }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:116: executing \"__alert_A\" at <1>: can't give argument to non-function 1>"
    ),
    PromtoolCase("{{ , }}", value: 1.0, "PARSE: template: __alert_A:1: unexpected \",\" in command"),
    PromtoolCase("{{ $a, $b := 1 }}", value: 1.0, "PARSE: template: __alert_A:1: too many declarations in command"),
    PromtoolCase(
        "{{ range $a, := $labels }}{{ end }}",
        value: 1.0,
        "PARSE: template: __alert_A:1: range can only initialize variables"
    ),
    PromtoolCase(
        "{{ range $a, 1 := $labels }}{{ end }}",
        value: 1.0,
        "PARSE: template: __alert_A:1: range can only initialize variables"
    ),
    PromtoolCase("{{ .Labels.job)}}", value: 1.0, "PARSE: template: __alert_A:1: unexpected \")\" in command"),
    PromtoolCase("{{ \"a\" | len }}", value: 1.0, "1"),
    PromtoolCase(
        "{{ nil | print }}",
        value: 1.0,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing \"__alert_A\" at <nil>: nil is not a command>"
    ),
    PromtoolCase("{{ true | not }}", value: 1.0, "false"),
    PromtoolCase("{{ 1 }}{{ end", value: 1.0, "PARSE: template: __alert_A:1: unclosed action"),
    PromtoolCase(
        "{{ $value }}|{{ printf \"%.2f|%e|%g|%5.1f|%d\" $value $value $value $value $value }}",
        value: 1e6,
        "1e+06|1000000.00|1.000000e+06|1e+06|1000000.0|%!d(float64=1e+06)"
    ),
    PromtoolCase(
        "{{ humanize $value }}|{{ humanize1024 $value }}|{{ humanizeDuration $value }}|{{ humanizePercentage $value }}",
        value: 1e6,
        "1M|976.6ki|11d 13h 46m 40s|1e+08%"
    ),
    PromtoolCase("{{ humanizeTimestamp $value }}", value: 1e6, "1970-01-12 13:46:40 +0000 UTC"),
    PromtoolCase("{{ if gt $value 100.0 }}big{{ else }}small{{ end }}", value: 1e6, "big"),
    PromtoolCase(
        "{{ $value }}|{{ printf \"%.2f|%e|%g|%5.1f|%d\" $value $value $value $value $value }}",
        value: 0.0001,
        "0.0001|0.00|1.000000e-04|0.0001|  0.0|%!d(float64=0.0001)"
    ),
    PromtoolCase(
        "{{ humanize $value }}|{{ humanize1024 $value }}|{{ humanizeDuration $value }}|{{ humanizePercentage $value }}",
        value: 0.0001,
        "100u|0.0001|100us|0.01%"
    ),
    PromtoolCase("{{ humanizeTimestamp $value }}", value: 0.0001, "1970-01-01 00:00:00 +0000 UTC"),
    PromtoolCase("{{ if gt $value 100.0 }}big{{ else }}small{{ end }}", value: 0.0001, "small"),
    PromtoolCase(
        "{{ $value }}|{{ printf \"%.2f|%e|%g|%5.1f|%d\" $value $value $value $value $value }}",
        value: 123456789.0,
        "1.23456789e+08|123456789.00|1.234568e+08|1.23456789e+08|123456789.0|%!d(float64=1.23456789e+08)"
    ),
    PromtoolCase(
        "{{ humanize $value }}|{{ humanize1024 $value }}|{{ humanizeDuration $value }}|{{ humanizePercentage $value }}",
        value: 123456789.0,
        "123.5M|117.7Mi|1428d 21h 33m 9s|1.235e+10%"
    ),
    PromtoolCase("{{ humanizeTimestamp $value }}", value: 123456789.0, "1973-11-29 21:33:09 +0000 UTC"),
    PromtoolCase("{{ if gt $value 100.0 }}big{{ else }}small{{ end }}", value: 123456789.0, "big"),
    PromtoolCase(
        "{{ $value }}|{{ printf \"%.2f|%e|%g|%5.1f|%d\" $value $value $value $value $value }}",
        value: 1e21,
        "1e+21|1000000000000000000000.00|1.000000e+21|1e+21|1000000000000000000000.0|%!d(float64=1e+21)"
    ),
    PromtoolCase(
        "{{ humanize $value }}|{{ humanize1024 $value }}|{{ humanizeDuration $value }}|{{ humanizePercentage $value }}",
        value: 1e21,
        "1Z|867.4Ei|-106751991167300d -15h -30m -8s|1e+23%"
    ),
    PromtoolCase(
        "{{ humanizeTimestamp $value }}",
        value: 1e21,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing \"__alert_A\" at <humanizeTimestamp $value>: error calling humanizeTimestamp: 1e+21 cannot be represented as a nanoseconds timestamp since it overflows int64>"
    ),
    PromtoolCase("{{ if gt $value 100.0 }}big{{ else }}small{{ end }}", value: 1e21, "big"),
    PromtoolCase(
        "{{ $value }}|{{ printf \"%.2f|%e|%g|%5.1f|%d\" $value $value $value $value $value }}",
        value: 1e-5,
        "1e-05|0.00|1.000000e-05|1e-05|  0.0|%!d(float64=1e-05)"
    ),
    PromtoolCase(
        "{{ humanize $value }}|{{ humanize1024 $value }}|{{ humanizeDuration $value }}|{{ humanizePercentage $value }}",
        value: 1e-5,
        "10u|1e-05|10us|0.001%"
    ),
    PromtoolCase("{{ humanizeTimestamp $value }}", value: 1e-5, "1970-01-01 00:00:00 +0000 UTC"),
    PromtoolCase("{{ if gt $value 100.0 }}big{{ else }}small{{ end }}", value: 1e-5, "small"),
    PromtoolCase(
        "{{ $value }}|{{ printf \"%.2f|%e|%g|%5.1f|%d\" $value $value $value $value $value }}",
        value: .nan,
        "NaN|NaN|NaN|NaN|  NaN|%!d(float64=NaN)"
    ),
    PromtoolCase(
        "{{ humanize $value }}|{{ humanize1024 $value }}|{{ humanizeDuration $value }}|{{ humanizePercentage $value }}",
        value: .nan,
        "NaN|NaN|NaN|NaN%"
    ),
    PromtoolCase("{{ humanizeTimestamp $value }}", value: .nan, "NaN"),
    PromtoolCase("{{ if gt $value 100.0 }}big{{ else }}small{{ end }}", value: .nan, "big"),
    PromtoolCase(
        "{{ $value }}|{{ printf \"%.2f|%e|%g|%5.1f|%d\" $value $value $value $value $value }}",
        value: .infinity,
        "+Inf|+Inf|+Inf|+Inf| +Inf|%!d(float64=+Inf)"
    ),
    PromtoolCase(
        "{{ humanize $value }}|{{ humanize1024 $value }}|{{ humanizeDuration $value }}|{{ humanizePercentage $value }}",
        value: .infinity,
        "+Inf|+Inf|+Inf|+Inf%"
    ),
    PromtoolCase("{{ humanizeTimestamp $value }}", value: .infinity, "+Inf"),
    PromtoolCase("{{ if gt $value 100.0 }}big{{ else }}small{{ end }}", value: .infinity, "big"),
    PromtoolCase(
        "{{ $value }}|{{ printf \"%.2f|%e|%g|%5.1f|%d\" $value $value $value $value $value }}",
        value: -.infinity,
        "-Inf|-Inf|-Inf|-Inf| -Inf|%!d(float64=-Inf)"
    ),
    PromtoolCase(
        "{{ humanize $value }}|{{ humanize1024 $value }}|{{ humanizeDuration $value }}|{{ humanizePercentage $value }}",
        value: -.infinity,
        "-Inf|-Inf|-Inf|-Inf%"
    ),
    PromtoolCase("{{ humanizeTimestamp $value }}", value: -.infinity, "-Inf"),
    PromtoolCase("{{ if gt $value 100.0 }}big{{ else }}small{{ end }}", value: -.infinity, "small"),
    PromtoolCase(
        "{{ $value }}|{{ printf \"%.2f|%e|%g|%5.1f|%d\" $value $value $value $value $value }}",
        value: -0.5,
        "-0.5|-0.50|-5.000000e-01|-0.5| -0.5|%!d(float64=-0.5)"
    ),
    PromtoolCase(
        "{{ humanize $value }}|{{ humanize1024 $value }}|{{ humanizeDuration $value }}|{{ humanizePercentage $value }}",
        value: -0.5,
        "-500m|-0.5|-500ms|-50%"
    ),
    PromtoolCase("{{ humanizeTimestamp $value }}", value: -0.5, "1969-12-31 23:59:59.5 +0000 UTC"),
    PromtoolCase("{{ if gt $value 100.0 }}big{{ else }}small{{ end }}", value: -0.5, "small"),
    PromtoolCase(
        "{{ $value }}|{{ printf \"%.2f|%e|%g|%5.1f|%d\" $value $value $value $value $value }}",
        value: 0.0,
        "0|0.00|0.000000e+00|0|  0.0|%!d(float64=0)"
    ),
    PromtoolCase(
        "{{ humanize $value }}|{{ humanize1024 $value }}|{{ humanizeDuration $value }}|{{ humanizePercentage $value }}",
        value: 0.0,
        "0|0|0s|0%"
    ),
    PromtoolCase("{{ humanizeTimestamp $value }}", value: 0.0, "1970-01-01 00:00:00 +0000 UTC"),
    PromtoolCase("{{ if gt $value 100.0 }}big{{ else }}small{{ end }}", value: 0.0, "small"),
    PromtoolCase(
        "{{ $value }}|{{ printf \"%.2f|%e|%g|%5.1f|%d\" $value $value $value $value $value }}",
        value: 100.0,
        "100|100.00|1.000000e+02|100|100.0|%!d(float64=100)"
    ),
    PromtoolCase(
        "{{ humanize $value }}|{{ humanize1024 $value }}|{{ humanizeDuration $value }}|{{ humanizePercentage $value }}",
        value: 100.0,
        "100|100|1m 40s|1e+04%"
    ),
    PromtoolCase("{{ humanizeTimestamp $value }}", value: 100.0, "1970-01-01 00:01:40 +0000 UTC"),
    PromtoolCase("{{ if gt $value 100.0 }}big{{ else }}small{{ end }}", value: 100.0, "small"),
    PromtoolCase(
        "{{ $value }}|{{ printf \"%.2f|%e|%g|%5.1f|%d\" $value $value $value $value $value }}",
        value: 1.5,
        "1.5|1.50|1.500000e+00|1.5|  1.5|%!d(float64=1.5)"
    ),
    PromtoolCase(
        "{{ humanize $value }}|{{ humanize1024 $value }}|{{ humanizeDuration $value }}|{{ humanizePercentage $value }}",
        value: 1.5,
        "1.5|1.5|1.5s|150%"
    ),
    PromtoolCase("{{ humanizeTimestamp $value }}", value: 1.5, "1970-01-01 00:00:01.5 +0000 UTC"),
    PromtoolCase("{{ if gt $value 100.0 }}big{{ else }}small{{ end }}", value: 1.5, "small"),
    PromtoolCase(
        "{{ $value }}|{{ printf \"%.2f|%e|%g|%5.1f|%d\" $value $value $value $value $value }}",
        value: 0.1,
        "0.1|0.10|1.000000e-01|0.1|  0.1|%!d(float64=0.1)"
    ),
    PromtoolCase(
        "{{ humanize $value }}|{{ humanize1024 $value }}|{{ humanizeDuration $value }}|{{ humanizePercentage $value }}",
        value: 0.1,
        "100m|0.1|100ms|10%"
    ),
    PromtoolCase("{{ humanizeTimestamp $value }}", value: 0.1, "1970-01-01 00:00:00.1 +0000 UTC"),
    PromtoolCase("{{ if gt $value 100.0 }}big{{ else }}small{{ end }}", value: 0.1, "small"),
    PromtoolCase(
        "{{ $value }}|{{ printf \"%.2f|%e|%g|%5.1f|%d\" $value $value $value $value $value }}",
        value: 1234567.0,
        "1.234567e+06|1234567.00|1.234567e+06|1.234567e+06|1234567.0|%!d(float64=1.234567e+06)"
    ),
    PromtoolCase(
        "{{ humanize $value }}|{{ humanize1024 $value }}|{{ humanizeDuration $value }}|{{ humanizePercentage $value }}",
        value: 1234567.0,
        "1.235M|1.177Mi|14d 6h 56m 7s|1.235e+08%"
    ),
    PromtoolCase("{{ humanizeTimestamp $value }}", value: 1234567.0, "1970-01-15 06:56:07 +0000 UTC"),
    PromtoolCase("{{ if gt $value 100.0 }}big{{ else }}small{{ end }}", value: 1234567.0, "big"),
    PromtoolCase(
        "{{ $value }}|{{ printf \"%.2f|%e|%g|%5.1f|%d\" $value $value $value $value $value }}",
        value: 100000.0,
        "100000|100000.00|1.000000e+05|100000|100000.0|%!d(float64=100000)"
    ),
    PromtoolCase(
        "{{ humanize $value }}|{{ humanize1024 $value }}|{{ humanizeDuration $value }}|{{ humanizePercentage $value }}",
        value: 100000.0,
        "100k|97.66ki|1d 3h 46m 40s|1e+07%"
    ),
    PromtoolCase("{{ humanizeTimestamp $value }}", value: 100000.0, "1970-01-02 03:46:40 +0000 UTC"),
    PromtoolCase("{{ if gt $value 100.0 }}big{{ else }}small{{ end }}", value: 100000.0, "big"),
    PromtoolCase(
        "{{ $value }}|{{ printf \"%.2f|%e|%g|%5.1f|%d\" $value $value $value $value $value }}",
        value: .leastNonzeroMagnitude,
        "5e-324|0.00|4.940656e-324|5e-324|  0.0|%!d(float64=5e-324)"
    ),
    PromtoolCase(
        "{{ humanize $value }}|{{ humanize1024 $value }}|{{ humanizeDuration $value }}|{{ humanizePercentage $value }}",
        value: .leastNonzeroMagnitude,
        "4.941e-300y|4.941e-324|4.941e-300ys|4.941e-322%"
    ),
    PromtoolCase("{{ humanizeTimestamp $value }}", value: .leastNonzeroMagnitude, "1970-01-01 00:00:00 +0000 UTC"),
    PromtoolCase("{{ if gt $value 100.0 }}big{{ else }}small{{ end }}", value: .leastNonzeroMagnitude, "small"),
    PromtoolCase(
        "{{ $value }}|{{ printf \"%.2f|%e|%g|%5.1f|%d\" $value $value $value $value $value }}",
        value: 1.7976931348623157e308,
        "1.7976931348623157e+308|179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878171540458953514382464234321326889464182768467546703537516986049910576551282076245490090389328944075868508455133942304583236903222948165808559332123348274797826204144723168738177180919299881250404026184124858368.00|1.797693e+308|1.7976931348623157e+308|179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878171540458953514382464234321326889464182768467546703537516986049910576551282076245490090389328944075868508455133942304583236903222948165808559332123348274797826204144723168738177180919299881250404026184124858368.0|%!d(float64=1.7976931348623157e+308)"
    ),
    PromtoolCase(
        "{{ humanize $value }}|{{ humanize1024 $value }}|{{ humanizeDuration $value }}|{{ humanizePercentage $value }}",
        value: 1.7976931348623157e308,
        "1.798e+284Y|1.487e+284Yi|-106751991167300d -15h -30m -8s|+Inf%"
    ),
    PromtoolCase(
        "{{ humanizeTimestamp $value }}",
        value: 1.7976931348623157e308,
        "<error expanding template: error executing template __alert_A: template: __alert_A:1:115: executing \"__alert_A\" at <humanizeTimestamp $value>: error calling humanizeTimestamp: 1.7976931348623157e+308 cannot be represented as a nanoseconds timestamp since it overflows int64>"
    ),
    PromtoolCase("{{ if gt $value 100.0 }}big{{ else }}small{{ end }}", value: 1.7976931348623157e308, "big"),
    PromtoolCase(
        "{{ $value }}|{{ printf \"%.2f|%e|%g|%5.1f|%d\" $value $value $value $value $value }}",
        value: 0.3333333333333333,
        "0.3333333333333333|0.33|3.333333e-01|0.3333333333333333|  0.3|%!d(float64=0.3333333333333333)"
    ),
    PromtoolCase(
        "{{ humanize $value }}|{{ humanize1024 $value }}|{{ humanizeDuration $value }}|{{ humanizePercentage $value }}",
        value: 0.3333333333333333,
        "333.3m|0.3333|333.3ms|33.33%"
    ),
    PromtoolCase("{{ humanizeTimestamp $value }}", value: 0.3333333333333333, "1970-01-01 00:00:00.333 +0000 UTC"),
    PromtoolCase("{{ if gt $value 100.0 }}big{{ else }}small{{ end }}", value: 0.3333333333333333, "small"),
    PromtoolCase(
        "{{ $value }}|{{ printf \"%.2f|%e|%g|%5.1f|%d\" $value $value $value $value $value }}",
        value: 12345.678,
        "12345.678|12345.68|1.234568e+04|12345.678|12345.7|%!d(float64=12345.678)"
    ),
    PromtoolCase(
        "{{ humanize $value }}|{{ humanize1024 $value }}|{{ humanizeDuration $value }}|{{ humanizePercentage $value }}",
        value: 12345.678,
        "12.35k|12.06ki|3h 25m 45s|1.235e+06%"
    ),
    PromtoolCase("{{ humanizeTimestamp $value }}", value: 12345.678, "1970-01-01 03:25:45.678 +0000 UTC"),
    PromtoolCase("{{ if gt $value 100.0 }}big{{ else }}small{{ end }}", value: 12345.678, "big"),
]
