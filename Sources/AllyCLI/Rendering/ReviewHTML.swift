import AllyCore

/// The review as one self-contained HTML page: inline CSS and SVG charts, no scripts, no network fetches,
/// readable on screen and in print.
struct ReviewHTML {
    let review: Review
    let generatedAt: String

    /// The theme palette, matching the terminal's colours.
    static func colour(for theme: String) -> String {
        switch theme {
        case "humility": "#0f8b8d"
        case "capability": "#3a5fcd"
        case "agency": "#2e8b57"
        case "reliability": "#c9860a"
        case "integrity": "#9b3d9b"
        default: "#6b7280"
        }
    }

    func render() -> String {
        var body = ""
        body += "<header><h1>Allyship review</h1><p class=\"period\">\(review.since) – \(review.until) · "
        body +=
            "\(review.entryCount) \(review.entryCount == 1 ? "entry" : "entries") written · made \(escape(generatedAt))</p></header>\n"

        body += "<section id=\"pledge\"><h2>The 36-minute pledge</h2>"
        body += "<p class=\"note\">30 minutes mentoring · 5 giving a shout-out · 1 telling leaders, each week. "
        body +=
            "Streak: <strong>\(review.pledgeStreak) \(review.pledgeStreak == 1 ? "week" : "weeks")</strong> in a row met.</p>"
        body += history()
        for week in review.pledgeWeeks {
            body += "<h3>Week of \(week.week.start)\(week.isMet ? " <span class=\"met\">met</span>" : "")</h3>"
            body += chart(
                id: "pledge-\(week.week.start)",
                bars: PledgeCategory.allCases.map {
                    ($0.rawValue, week.minutes(for: $0), "#2e8b57", Pledge.target(for: $0))
                })
        }
        body += "</section>\n"

        body += "<section id=\"themes\"><h2>Entries per theme</h2><p class=\"note\">Where is the practice thin? "
        body += "Thinnest this period: <strong>\(review.thinnestTheme.rawValue)</strong>.</p>"
        body += chart(
            id: "theme-chart", bars: review.themes.map { ($0.name, $0.count, Self.colour(for: $0.name), nil) })
        body += "</section>\n"

        body += "<section id=\"levels\"><h2>Entries per level of allyship</h2>"
        body += chart(id: "level-chart", bars: review.levels.map { ($0.name, $0.count, "#6b7280", nil) })
        body += "</section>\n"

        body += "<section id=\"goals\"><h2>Open goals</h2>"
        if review.goals.isEmpty { body += "<p class=\"empty\">No open goals. What do you want to learn next?</p>" }
        body += "<ul>"
        for goal in review.goals {
            let due =
                goal.due.map { goal.isOverdue ? "<span class=\"overdue\">overdue since \($0)</span>" : "due \($0)" }
                ?? "no due date"
            body += "<li><strong>\(escape(goal.headline))</strong> — \(due)<br><span class=\"meta\">\(goal.actions) "
            body +=
                "\(goal.actions == 1 ? "action" : "actions"), \(goal.actionMinutes) min · \(goal.linkedEntries) linked</span></li>"
        }
        body += "</ul></section>\n"

        body += "<section id=\"mistakes\"><h2>Mistakes and lessons</h2>"
        if review.mistakes.isEmpty { body += "<p class=\"empty\">None written this period.</p>" }
        body += "<ul>"
        for mistake in review.mistakes {
            body += "<li><strong>\(escape(mistake.headline))</strong>"
            body +=
                mistake.lesson.map { "<br>Lesson: \(escape($0))" }
                ?? mistake.learningGoal.map { "<br>Learning goal: \(escape($0))" }
                ?? "<br><span class=\"meta\">No lesson written yet.</span>"
            body += "</li>"
        }
        body += "</ul></section>\n"

        body += "<section id=\"feedback\"><h2>Feedback with no follow-up action</h2>"
        if review.feedbackWithoutAction.isEmpty {
            body += "<p class=\"empty\">Every piece of feedback has an action.</p>"
        }
        body += "<ul>"
        for feedback in review.feedbackWithoutAction {
            body +=
                "<li>\(feedback.occurredOn.map { "<span class=\"meta\">\($0)</span> " } ?? "")\(escape(feedback.headline))</li>"
        }
        body += "</ul></section>\n"

        body += "<section id=\"prompt\"><h2>For the week ahead</h2><blockquote>"
        body += escape(review.prompt?.text ?? "Write about \(review.thinnestTheme.rawValue).")
        body +=
            "</blockquote><p class=\"note\">Chosen for the thinnest theme, \(review.thinnestTheme.rawValue).</p></section>\n"

        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Allyship review \(review.since) – \(review.until)</title>
            <style>
            :root { color-scheme: light; }
            body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1f2933;
                   max-width: 760px; margin: 2rem auto; padding: 0 1.25rem; background: #fcfcfb; }
            h1 { font-size: 1.7rem; margin: 0; } h2 { font-size: 1.2rem; margin: 1.8rem 0 .4rem; border-bottom: 1px solid #e4e7eb; }
            h3 { font-size: .95rem; margin: .8rem 0 .2rem; color: #52606d; }
            .period, .note, .meta, .empty { color: #616e7c; } .met { color: #2e8b57; font-weight: 600; }
            .overdue { color: #b42318; font-weight: 600; } ul { padding-left: 1.1rem; } li { margin: .35rem 0; }
            blockquote { margin: .5rem 0; padding: .6rem 1rem; border-left: 4px solid #3a5fcd; background: #eef2fb; font-size: 1.05rem; }
            svg text { font: 13px system-ui, "DejaVu Sans", sans-serif; fill: #1f2933; }
            @media print { body { margin: 0; max-width: none; background: white; } section { break-inside: avoid; } }
            </style>
            </head>
            <body>
            \(body)<footer class="note"><p>Made by ally. This page is private: it may name colleagues.</p></footer>
            </body>
            </html>

            """
    }

    /// The last weeks as a row of circles: filled when the pledge was met.
    func history() -> String {
        let weeks = review.pledgeHistory
        var svg =
            "<svg class=\"chart\" id=\"pledge-history\" role=\"img\" aria-label=\"pledge history\" width=\"\(weeks.count * 70 + 10)\" "
        svg += "height=\"56\" xmlns=\"http://www.w3.org/2000/svg\">"
        for (index, week) in weeks.enumerated() {
            let x = index * 70 + 30
            let fill = week.isMet ? "#2e8b57" : "#fcfcfb"
            svg += "<circle cx=\"\(x)\" cy=\"16\" r=\"11\" fill=\"\(fill)\" stroke=\"#2e8b57\" stroke-width=\"2\"/>"
            let parts = week.week.start.parts
            svg += "<text x=\"\(x)\" y=\"46\" text-anchor=\"middle\">\(parts.day)/\(parts.month)</text>"
        }
        return svg + "</svg>\n"
    }

    /// A horizontal SVG bar chart; a dashed line marks a target where one is given.
    func chart(id: String, bars: [(label: String, value: Int, colour: String, target: Int?)]) -> String {
        let labelWidth = 130
        let barWidth = 460
        let rowHeight = 26
        let top = max(1, bars.map { max($0.value, $0.target ?? 0) }.max() ?? 1)
        let height = bars.count * rowHeight + 8
        var svg =
            "<svg class=\"chart\" id=\"\(id)\" role=\"img\" aria-label=\"\(id.replacingOccurrences(of: "-", with: " "))\" "
        svg +=
            "width=\"\(labelWidth + barWidth + 90)\" height=\"\(height)\" viewBox=\"0 0 \(labelWidth + barWidth + 90) \(height)\" "
        svg += "xmlns=\"http://www.w3.org/2000/svg\">"
        for (index, bar) in bars.enumerated() {
            let y = index * rowHeight + 4
            let width = bar.value * barWidth / top
            svg += "<text x=\"0\" y=\"\(y + 17)\">\(escape(bar.label))</text>"
            svg +=
                "<rect x=\"\(labelWidth)\" y=\"\(y + 3)\" width=\"\(barWidth)\" height=\"18\" fill=\"#eef0f2\" rx=\"3\"/>"
            svg +=
                "<rect class=\"bar\" x=\"\(labelWidth)\" y=\"\(y + 3)\" width=\"\(max(width, bar.value > 0 ? 2 : 0))\" height=\"18\" fill=\"\(bar.colour)\" rx=\"3\"/>"
            var label = "\(bar.value)"
            if let target = bar.target {
                let x = labelWidth + target * barWidth / top
                svg +=
                    "<line x1=\"\(x)\" y1=\"\(y)\" x2=\"\(x)\" y2=\"\(y + 24)\" stroke=\"#1f2933\" stroke-dasharray=\"3 2\"/>"
                label += " / \(target)"
            }
            svg += "<text x=\"\(labelWidth + barWidth + 8)\" y=\"\(y + 17)\">\(label)</text>"
        }
        return svg + "</svg>\n"
    }

    func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
