/// User-typed text as an error message shows it: in single quotes, on one line, with control characters and
/// terminal escapes written out (`\n`, `\u{1B}`), and cut at 80 characters. Echoing raw input could break the
/// line or drive the terminal.
public struct Quoted: CustomStringConvertible, Sendable {
    /// The text as typed.
    public var text: String
    /// How many characters to show before `…`.
    public var limit: Int

    /// Quotes `text`.
    public init(_ text: String, limit: Int = 80) {
        self.text = text
        self.limit = limit
    }

    public var description: String {
        let shown = text.count > limit ? String(text.prefix(limit)) : text
        return "'" + Quoted.escaped(shown) + (text.count > limit ? "…" : "") + "'"
    }

    /// `text` with every control character (C0, DEL, C1) and bidirectional override written out as an escape.
    /// - Complexity: O(n).
    public static func escaped(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                let value = scalar.value
                if value < 0x20 || (0x7F...0x9F).contains(value) || (0x202A...0x202E).contains(value)
                    || (0x2066...0x2069).contains(value)
                {
                    result += "\\u{" + String(value, radix: 16, uppercase: true) + "}"
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result
    }
}
