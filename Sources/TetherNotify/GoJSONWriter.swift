/// Writes JSON as Go's `encoding/json` does, so that tether's payloads are byte for byte what Alertmanager and
/// Prometheus send: fields in struct order, map keys in byte order, and Go's string escaping.
///
/// Foundation's `JSONEncoder` would give valid but different bytes (key order, `\/`, no HTML escaping); a receiver
/// verifying a signature or comparing payloads to Alertmanager's sees the difference.
struct GoJSONWriter {
    private(set) var bytes: [UInt8] = []

    /// Punctuation and literals, written as they are.
    mutating func raw(_ text: String) {
        self.bytes.append(contentsOf: text.utf8)
    }

    /// A JSON string escaped as Go's `json.Marshal` escapes it (with `SetEscapeHTML(true)`, the default): `\"`
    /// and `\\`; `\b \f \n \r \t`; other control characters as `\u00XX`; `<`, `>` and `&` as `\u003c`, `\u003e`,
    /// `\u0026`; U+2028 and U+2029 as `\u2028` and `\u2029`; everything else as UTF-8.
    mutating func string(_ text: String) {
        let hexDigits = Array("0123456789abcdef".utf8)
        self.bytes.append(UInt8(ascii: "\""))
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": self.raw("\\\"")
            case "\\": self.raw("\\\\")
            case "\u{08}": self.raw("\\b")
            case "\u{0C}": self.raw("\\f")
            case "\n": self.raw("\\n")
            case "\r": self.raw("\\r")
            case "\t": self.raw("\\t")
            case "\u{2028}": self.raw("\\u2028")
            case "\u{2029}": self.raw("\\u2029")
            default:
                let value = scalar.value
                if value < 0x20 || value == 0x3c || value == 0x3e || value == 0x26 {
                    self.raw("\\u00")
                    self.bytes.append(hexDigits[Int(value >> 4)])
                    self.bytes.append(hexDigits[Int(value & 0xf)])
                } else {
                    self.bytes.append(contentsOf: String(scalar).utf8)
                }
            }
        }
        self.bytes.append(UInt8(ascii: "\""))
    }

    /// A `map[string]string`: keys sorted by bytes, as Go sorts map keys.
    mutating func object(_ map: [String: String]) {
        self.raw("{")
        for (index, key) in map.keys.sorted(by: goLess).enumerated() {
            if index > 0 { self.raw(",") }
            self.string(key)
            self.raw(":")
            self.string(map[key, default: ""])
        }
        self.raw("}")
    }

    /// `"name":` — the start of an object member.
    mutating func key(_ name: String) {
        self.string(name)
        self.raw(":")
    }
}
