/// Horizontal bar charts for the terminal: Unicode eighth-blocks, or `#` when the terminal may not show them.
struct BarChart {
    /// One bar.
    struct Bar {
        var label: String
        var value: Int
        /// ANSI colour code for the bar, if colour is on.
        var colour: String?
        /// A target to mark, for pledge bars.
        var target: Int?
    }

    let unicode: Bool
    let style: Style
    var width = 30

    /// The chart, one line per bar, scaled to the largest value; a bar with a target is scaled to its own target
    /// instead (full width = target met), so 1 of 1 minute looks as done as 30 of 30.
    func render(_ bars: [Bar]) -> [String] {
        let top = max(1, bars.map { max($0.value, $0.target ?? 0) }.max() ?? 1)
        let labelWidth = bars.map(\.label.count).max() ?? 0
        return bars.map { bar in
            let scale = max(1, bar.target ?? top)
            let eighths = min(bar.value, scale) * width * 8 / scale
            var drawn =
                unicode ? String(repeating: "█", count: eighths / 8) : String(repeating: "#", count: eighths / 8)
            if unicode, eighths % 8 > 0 { drawn += ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"][eighths % 8] }
            if unicode, bar.value == 0 { drawn = "·" }
            let padded = drawn + String(repeating: " ", count: max(0, width + 1 - drawn.count))
            var line =
                "\(bar.label.fitted(to: labelWidth))  \(bar.colour.map { style.paint(padded, $0) } ?? padded) \(bar.value)"
            if let target = bar.target {
                line += " / \(target)" + (bar.value >= target ? (unicode ? " ✓" : " ok") : "")
            }
            return line
        }
    }

    /// ANSI colour per theme, stable across the terminal and the HTML report's palette.
    static func colour(for theme: String) -> String {
        switch theme {
        case "humility": "36"
        case "capability": "34"
        case "agency": "32"
        case "reliability": "33"
        case "integrity": "35"
        default: "37"
        }
    }

    /// Whether the terminal likely shows Unicode blocks: a UTF-8 locale and not `--ascii`.
    static func unicodeAllowed(in context: CLIContext, ascii: Bool) -> Bool {
        if ascii { return false }
        let locale =
            context.environment["LC_ALL"] ?? context.environment["LC_CTYPE"] ?? context.environment["LANG"] ?? ""
        return locale.isEmpty || locale.uppercased().contains("UTF-8") || locale.uppercased().contains("UTF8")
    }
}
