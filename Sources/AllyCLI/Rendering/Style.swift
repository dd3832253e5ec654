import AllyCore

/// ANSI styling that switches itself off when colour is not wanted (NO_COLOR, a pipe, TERM=dumb).
struct Style {
    let enabled: Bool

    func paint(_ text: String, _ code: String) -> String { enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
    func id(_ text: String) -> String { paint(text, "33") }
    func dim(_ text: String) -> String { paint(text, "2") }
    func bold(_ text: String) -> String { paint(text, "1") }
    func warning(_ text: String) -> String { paint(text, "1;31") }

    func kind(_ kind: EntryKind) -> String {
        let code =
            switch kind {
            case .reflection: "36"
            case .mistake: "35"
            case .goal: "32"
            case .action: "34"
            case .feedback: "33"
            case .audit: "37"
            }
        return paint(kind.rawValue, code)
    }
}

extension String {
    /// Pads or cuts to `width` characters, with an ellipsis when cut.
    func fitted(to width: Int) -> String {
        if count <= width { return self + String(repeating: " ", count: width - count) }
        return String(prefix(max(0, width - 1))) + "…"
    }
}
