import AllyCore
import Foundation

/// The user's settings, from `$ALLY_CONFIG` or `$XDG_CONFIG_HOME/ally/config.toml` (docs/CONFIG.md).
///
/// The file is a small subset of TOML: `key = value` lines (strings, booleans), `#` comments, and
/// `[[prompts]]` tables with `text`, `theme` and `kinds`.
struct Config: Equatable {
    /// ISO weekday weeks start on: 1 = Monday … 7 = Sunday.
    var weekStartsOn = 1
    /// An IANA time zone for "today" and week boundaries; nil means the system's.
    var timeZone: String?
    /// Keep text that looks like patient identifiers without asking.
    var allowPHI = false
    /// How to read `01/02/2026`: "DMY" or "MDY"; nil means from the locale ($LC_ALL, $LC_TIME, $LANG).
    var dateOrder: DateExpression.DayOrder?
    /// The user's own prompts, added to the built-in ones.
    var prompts: [Prompt] = []

    /// Where the config file is for this context.
    static func path(in context: CLIContext) -> String {
        if let path = context.environment["ALLY_CONFIG"], !path.isEmpty { return path }
        let base =
            context.environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((context.environment["HOME"] ?? NSHomeDirectory()) + "/.config")
        return base + "/ally/config.toml"
    }

    /// Loads the config for `context`; a missing file gives the defaults, a malformed one an error naming the line.
    static func load(in context: CLIContext) throws -> Config {
        let path = path(in: context)
        guard let data = FileManager.default.contents(atPath: path) else { return Config() }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CLIError("the config file \(path) is not UTF-8 text", exitCode: 2)
        }
        do {
            return try parse(text)
        } catch let error as ParseError {
            throw CLIError("the config file \(path), line \(error.line): \(error.message)", exitCode: 2)
        }
    }

    struct ParseError: Error {
        var line: Int
        var message: String
    }

    static let weekdays = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

    /// Parses the TOML subset.
    static func parse(_ text: String) throws -> Config {
        var config = Config()
        var prompt: [String: Value]?
        var promptLine = 0
        func finishPrompt() throws {
            guard let fields = prompt else { return }
            guard case .string(let text)? = fields["text"], !text.isEmpty else {
                throw ParseError(line: promptLine, message: "a [[prompts]] table needs text = \"…\"")
            }
            guard case .string(let themeName)? = fields["theme"], let theme = Theme(rawValue: themeName) else {
                throw ParseError(
                    line: promptLine,
                    message: "a [[prompts]] table needs theme = one of "
                        + Theme.allCases.map(\.rawValue).joined(separator: ", "))
            }
            var kinds = EntryKind.allCases
            if let value = fields["kinds"] {
                guard case .array(let names) = value, !names.isEmpty else {
                    throw ParseError(line: promptLine, message: "kinds must be a list such as [\"reflection\"]")
                }
                kinds = try names.map { name in
                    guard let kind = EntryKind(rawValue: name) else {
                        throw ParseError(line: promptLine, message: "'\(name)' is not an entry kind")
                    }
                    return kind
                }
            }
            config.prompts.append(Prompt(text, theme: theme, kinds: kinds))
            prompt = nil
        }
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            let line = stripComment(String(raw)).trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            if line == "[[prompts]]" {
                try finishPrompt()
                prompt = [:]
                promptLine = number
                continue
            }
            guard let equals = line.firstIndex(of: "=") else {
                throw ParseError(line: number, message: "expected key = value")
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            let value = try Value.parse(
                line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces), line: number)
            if prompt != nil {
                guard ["text", "theme", "kinds"].contains(key) else {
                    throw ParseError(line: number, message: "unknown key '\(key)' in [[prompts]] (text, theme, kinds)")
                }
                prompt?[key] = value
                continue
            }
            switch (key, value) {
            case ("week_starts", .string(let day)):
                guard let position = weekdays.firstIndex(of: day.lowercased()) else {
                    throw ParseError(line: number, message: "week_starts must be a weekday name such as \"monday\"")
                }
                config.weekStartsOn = position + 1
            case ("time_zone", .string(let zone)):
                guard TimeZone(identifier: zone) != nil else {
                    throw ParseError(line: number, message: "'\(zone)' is not a time zone (e.g. \"Europe/London\")")
                }
                config.timeZone = zone
            case ("allow_phi", .bool(let allow)):
                config.allowPHI = allow
            case ("date_order", .string(let order)):
                guard let parsed = DateExpression.DayOrder(rawValue: order.uppercased()) else {
                    throw ParseError(
                        line: number, message: "date_order must be \"DMY\" (31/12/2026) or \"MDY\" (12/31/2026)")
                }
                config.dateOrder = parsed
            case ("week_starts", _), ("time_zone", _), ("allow_phi", _), ("date_order", _):
                throw ParseError(line: number, message: "\(key) has the wrong type of value")
            default:
                throw ParseError(
                    line: number,
                    message: "unknown key '\(key)' (week_starts, time_zone, allow_phi, date_order, [[prompts]])")
            }
        }
        try finishPrompt()
        return config
    }

    /// A TOML value of the kinds the config uses.
    enum Value: Equatable {
        case string(String)
        case bool(Bool)
        case array([String])

        static func parse(_ text: String, line: Int) throws -> Value {
            if text == "true" { return .bool(true) }
            if text == "false" { return .bool(false) }
            if text.hasPrefix("[") {
                guard text.hasSuffix("]") else { throw ParseError(line: line, message: "a list must end with ]") }
                let inner = text.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                if inner.isEmpty { return .array([]) }
                return .array(
                    try splitList(inner).map { item in
                        guard case .string(let value) = try parse(item, line: line) else {
                            throw ParseError(line: line, message: "lists hold strings")
                        }
                        return value
                    })
            }
            for quote in ["\"", "'"] where text.hasPrefix(quote) {
                guard text.count >= 2, text.hasSuffix(quote) else {
                    throw ParseError(line: line, message: "unterminated string")
                }
                let body = String(text.dropFirst().dropLast())
                return .string(quote == "\"" ? body.replacingOccurrences(of: "\\\"", with: "\"") : body)
            }
            throw ParseError(line: line, message: "values are \"strings\", true/false, or [\"lists\"]")
        }

        static func splitList(_ text: String) -> [String] {
            var items: [String] = []
            var current = ""
            var quote: Character?
            for character in text {
                if let open = quote {
                    current.append(character)
                    if character == open { quote = nil }
                } else if character == "\"" || character == "'" {
                    quote = character
                    current.append(character)
                } else if character == "," {
                    items.append(current.trimmingCharacters(in: .whitespaces))
                    current = ""
                } else {
                    current.append(character)
                }
            }
            let last = current.trimmingCharacters(in: .whitespaces)
            if !last.isEmpty { items.append(last) }
            return items
        }
    }

    /// Drops a `#` comment that is not inside a string.
    static func stripComment(_ line: String) -> String {
        var quote: Character?
        for (offset, character) in line.enumerated() {
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == "#" {
                return String(line.prefix(offset))
            }
        }
        return line
    }
}
