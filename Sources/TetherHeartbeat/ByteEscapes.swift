/// Binary-safe byte strings written as text: `\n \r \t \0 \\ \xHH`.
public enum ByteEscapes {
    public struct Error: Swift.Error, Sendable, CustomStringConvertible {
        public var text: String
        public var reason: String
        public var description: String { "invalid escape in '\(self.text)': \(self.reason)" }
    }

    public static func unescape(_ text: String) throws(Error) -> [UInt8] {
        var out: [UInt8] = []
        var bytes = Array(text.utf8)[...]
        while let byte = bytes.popFirst() {
            guard byte == UInt8(ascii: "\\") else {
                out.append(byte)
                continue
            }
            guard let next = bytes.popFirst() else { throw Error(text: text, reason: "trailing backslash") }
            switch next {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "0"): out.append(0x00)
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "x"):
                guard bytes.count >= 2, let value = UInt8(String(decoding: bytes.prefix(2), as: UTF8.self), radix: 16)
                else { throw Error(text: text, reason: "\\x needs two hex digits") }
                out.append(value)
                bytes = bytes.dropFirst(2)
            default:
                throw Error(text: text, reason: "unknown escape \\\(Character(UnicodeScalar(next)))")
            }
        }
        return out
    }

    public static func escape(_ bytes: [UInt8]) -> String {
        var out = ""
        for byte in bytes {
            switch byte {
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case UInt8(ascii: "\\"): out += "\\\\"
            case 0x20..<0x7F: out.append(Character(UnicodeScalar(byte)))
            default:
                let hex = String(byte, radix: 16)
                out += "\\x" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }
}
