import AllyCore

/// The review as terminal text: headed sections and bar charts.
struct ReviewText {
    let review: Review
    let style: Style
    let unicode: Bool
    let shortIDs: [EntryID: String]

    func short(_ id: EntryID) -> String { shortIDs[id] ?? String(id.rawValue.prefix(8)) }

    func render() -> String {
        var lines: [String] = []
        let chart = BarChart(unicode: unicode, style: style, width: 28)
        func heading(_ text: String, _ note: String = "") {
            lines.append("")
            lines.append(style.bold(text) + (note.isEmpty ? "" : "  " + style.dim(note)))
        }
        lines.append(
            style.bold("Review \(review.since) – \(review.until)") + "  "
                + style.dim("\(plural(review.entryCount, "entry", "entries")) written in the period"))

        heading("The 36-minute pledge", "30 mentoring · 5 shout-out · 1 telling leaders, per week")
        for week in review.pledgeWeeks {
            lines.append("  week of \(week.week.start)" + (week.isMet ? style.paint("  met", "32") : ""))
            for line in chart.render(
                PledgeCategory.allCases.map { category in
                    BarChart.Bar(
                        label: "  " + category.rawValue, value: week.minutes(for: category), colour: "32",
                        target: Pledge.target(for: category))
                })
            { lines.append("  " + line) }
        }
        lines.append("  streak: \(plural(review.pledgeStreak, "week")) in a row with the pledge met")
        let marks = review.pledgeHistory.map {
            PledgeMarks.mark(met: $0.isMet, inProgress: $0.week.end >= review.today, unicode: unicode)
        }
        lines.append(
            "  last \(plural(marks.count, "week")): \(marks.joined(separator: " "))  "
                + style.dim("(oldest first; " + PledgeMarks.legend(unicode: unicode) + ")"))

        heading("Entries per theme", "where is the practice thin?")
        lines += chart.render(
            review.themes.map { BarChart.Bar(label: $0.name, value: $0.count, colour: BarChart.colour(for: $0.name)) }
        )
        .map { "  " + $0 }
        heading("Entries per level")
        lines += chart.render(review.levels.map { BarChart.Bar(label: $0.name, value: $0.count, colour: "37") }).map {
            "  " + $0
        }

        heading("Open goals", "overdue first")
        if review.goals.isEmpty { lines.append("  none open — what do you want to learn next? `ally new goal`") }
        for goal in review.goals {
            var due = goal.due.map { "due \($0)" } ?? "no due date"
            if goal.isOverdue { due = style.warning("overdue since \(goal.due?.description ?? "")") }
            lines.append("  \(style.id(short(goal.id)))  \(goal.headline.fitted(to: 44))  \(due)")
            lines.append(
                style.dim(
                    "            \(plural(goal.actions, "action")), \(goal.actionMinutes) min; \(plural(goal.linkedEntries, "linked entry", "linked entries"))"
                ))
        }

        heading("Mistakes and lessons")
        if review.mistakes.isEmpty { lines.append("  none written this period") }
        for mistake in review.mistakes {
            lines.append("  \(style.id(short(mistake.id)))  \(mistake.headline)")
            lines.append(
                "            "
                    + (mistake.lesson.map { "Lesson: \($0)" } ?? mistake.learningGoal.map { "Learning goal: \($0)" }
                        ?? style.dim("no lesson written yet (add a line \"Lesson: …\")")))
        }

        heading("Feedback with no follow-up action")
        if review.feedbackWithoutAction.isEmpty { lines.append("  none: every piece of feedback has an action linked") }
        for feedback in review.feedbackWithoutAction {
            lines.append(
                "  \(style.id(short(feedback.id)))  \(feedback.occurredOn?.description ?? "")  \(feedback.headline)")
        }

        heading("For the week ahead", "thinnest theme: \(review.thinnestTheme.rawValue)")
        lines.append("  " + (review.prompt?.text ?? "Write about \(review.thinnestTheme.rawValue)."))
        return lines.joined(separator: "\n")
    }
}
