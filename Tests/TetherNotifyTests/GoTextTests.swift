import Testing

@testable import TetherNotify

struct GoTextTests {
    @Test(
        arguments: [
            ("plain", #""plain""#),
            ("q\"\\é\n\u{a0}", #""q\"\\é\n\u00a0""#),
            ("\u{07}\u{08}\u{0C}\r\t\u{0B}", #""\a\b\f\r\t\v""#),
            ("\u{01}\u{7f}", #""\x01\x7f""#),
            ("\u{ad}\u{2028}", #""\u00ad\u2028""#),
            ("日本\u{1F600}", "\"日本\u{1F600}\""),
            ("\u{E0001}", #""\U000e0001""#),
        ]
    )
    func quoteIsStrconvQuote(text: String, expected: String) {
        #expect(GoText.quote(text) == expected)
    }

    @Test func labelSetSortsNamesAndQuotesValues() {
        #expect(GoText.labelSet([:]) == "{}")
        #expect(
            GoText.labelSet(["team": "db", "alertname": "Disk \"Full\" é"])
                == #"{alertname="Disk \"Full\" é", team="db"}"#
        )
        // Names in byte order, as current prometheus/common sorts them ("a" before "a0").
        #expect(GoText.labelSet(["a0": "1", "a": "x", "a10": "y"]) == #"{a="x", a0="1", a10="y"}"#)
    }

    @Test func quoteMetaEscapesRegexpMetacharacters() {
        #expect(GoText.quoteMeta("team.ops") == #"team\.ops"#)
        #expect(GoText.quoteMeta(#"a+b*c?(d)|[e]{f}^$\"#) == #"a\+b\*c\?\(d\)\|\[e\]\{f\}\^\$\\"#)
        #expect(GoText.quoteMeta("oncall-1") == "oncall-1")
    }

    @Test(
        arguments: [
            (1_795_326_000.0, "2026-11-22T05:40:00Z"),
            (1_795_326_000.123, "2026-11-22T05:40:00.123Z"),
            (1_795_326_000.5, "2026-11-22T05:40:00.5Z"),
            (1_795_326_000.000_001, "2026-11-22T05:40:00.000001Z"),
            (951_825_600, "2000-02-29T12:00:00Z"),
            (0, "1970-01-01T00:00:00Z"),
            (-1, "1969-12-31T23:59:59Z"),
            (-0.25, "1969-12-31T23:59:59.75Z"),
        ] as [(Double, String)]
    )
    func jsonTimeIsGosTimeMarshalJSON(seconds: Double, expected: String) {
        #expect(GoText.jsonTime(seconds) == expected)
    }

    @Test func jsonTimeOfNilIsGosZeroTime() {
        #expect(GoText.jsonTime(nil) == "0001-01-01T00:00:00Z")
    }

    @Test func millisecondTimeAlwaysHasThreeDigits() {
        #expect(GoText.millisecondTime(1_795_326_000) == "2026-11-22T05:40:00.000Z")
        #expect(GoText.millisecondTime(1_795_326_000.123) == "2026-11-22T05:40:00.123Z")
        #expect(GoText.millisecondTime(1_795_326_000.9996) == "2026-11-22T05:40:01.000Z")
    }

    @Test func jsonStringsEscapeAsEncodingJSON() {
        var writer = GoJSONWriter()
        writer.string("a\"b\\c\u{08}\u{0C}\n\r\t\u{01}<>&\u{2028}\u{2029}é/")
        #expect(
            String(decoding: writer.bytes, as: UTF8.self)
                == #""a\"b\\c\b\f\n\r\t\u0001\u003c\u003e\u0026\u2028\u2029é/""#
        )
    }

    @Test func jsonObjectsSortKeysByBytes() {
        var writer = GoJSONWriter()
        writer.object(["b": "2", "a": "1", "B": "3", "é": "4"])
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #"{"B":"3","a":"1","b":"2","é":"4"}"#)
    }
}
