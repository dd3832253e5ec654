import AllyCore
import AllyStore
import ArgumentParser

/// `ally pledge`: the 36-minute weekly pledge.
struct PledgeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pledge",
        abstract: "Track the 36-minute weekly pledge: 30 mentoring, 5 shout-out, 1 telling leaders.",
        discussion: """
            A firm asked senior men for 36 minutes a week: 30 minutes of coffee with a talented junior woman \
            colleague about her career, 5 minutes giving a colleague a shout-out, 1 minute telling senior \
            leaders about it. Minutes come from action entries with --minutes and --pledge; weeks start on \
            Monday unless the config says otherwise (week_starts).

            Examples:
              ally pledge
              ally pledge log mentoring 30 "Coffee with J. about her fellowship"
              ally pledge --weeks 12 --json
            """,
        subcommands: [PledgeShow.self, PledgeLog.self],
        defaultSubcommand: PledgeShow.self)
}

/// `ally pledge [show]`.
struct PledgeShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show this week's pledge minutes, the streak of weeks met, and recent gaps.",
        discussion: """
            Examples:
              ally pledge
              ally pledge show --weeks 26
            """)

    @OptionGroup var journalOptions: JournalOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "How many weeks of history to show (1–520).") var weeks = 8
    @Flag(help: "Draw bars with # instead of Unicode blocks.") var ascii = false

    struct Summary: Encodable {
        var week: Week
        var mentoring: Int
        var shoutOut: Int
        var tellLeaders: Int
        var met: Bool
        var streak: Int
        var history: [Pledge.WeekProgress]
        var gaps: [Week]
    }

    func validate() throws {
        guard (1...520).contains(weeks) else { throw ValidationError("--weeks must be between 1 and 520") }
    }

    func run() throws {
        let context = CLIContext.current
        let practice = try Practice(context: context)
        let journal = try journalOptions.openExisting(in: context)
        let current = practice.currentWeek
        let entries = try journal.allEntries()
        let history = Pledge.progress(
            of: entries, from: current.adding(weeks: -max(weeks, 52) + 1), through: current,
            startsOn: practice.weekStartsOn)
        // Weeks before the journal's first entry are not gaps: the practice had not started.
        let firstDay = entries.compactMap { $0.occurredOn ?? LocalDate(dayNumber: Int($0.createdAt / 86_400_000)) }
            .min()
        let started = firstDay.map { Week(containing: $0, startsOn: practice.weekStartsOn) } ?? current
        let shown = Array(history.suffix(weeks).filter { $0.week >= started })
        guard let this = history.last else { throw CLIError("no weeks to show") }
        let gaps = shown.filter { !$0.isMet && $0.week < current }.map(\.week)
        let summary = Summary(
            week: current, mentoring: this.mentoring, shoutOut: this.shoutOut, tellLeaders: this.tellLeaders,
            met: this.isMet, streak: Pledge.streak(in: history, current: current), history: shown, gaps: gaps)
        if output.json {
            context.print(try JSONOutput.string(summary))
            return
        }
        let style = Style(enabled: context.usesColour)
        let chart = BarChart(unicode: BarChart.unicodeAllowed(in: context, ascii: ascii), style: style, width: 30)
        context.print(
            style.bold("Week of \(current.start) – \(current.end)")
                + (this.isMet
                    ? "  pledge met" : "  in progress (\(current.end.dayNumber - practice.today.dayNumber) days left)"))
        for line in chart.render(
            PledgeCategory.allCases.map { category in
                BarChart.Bar(
                    label: category.rawValue, value: this.minutes(for: category), colour: "32",
                    target: Pledge.target(for: category))
            })
        { context.print("  " + line) }
        context.print("")
        context.print("Streak: \(plural(summary.streak, "week")) in a row with the pledge met")
        let marks = shown.map {
            PledgeMarks.mark(met: $0.isMet, inProgress: $0.week == current, unicode: chart.unicode)
        }
        context.print(
            "Last \(plural(shown.count, "week")): \(marks.joined(separator: " "))   (oldest first; "
                + PledgeMarks.legend(unicode: chart.unicode) + ")")
        if !gaps.isEmpty {
            context.print("Gaps: " + gaps.suffix(6).map { "week of \($0.start)" }.joined(separator: ", "))
        }
    }
}

/// `ally pledge log CATEGORY MINUTES [TEXT]`.
struct PledgeLog: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Log pledge minutes: a shortcut for an action entry.",
        discussion: """
            CATEGORY is mentoring, shout-out or tell-leaders. Same as `ally new action TEXT --minutes MINUTES \
            --pledge CATEGORY`.

            Examples:
              ally pledge log mentoring 30 "Coffee with J. about her fellowship"
              ally pledge log shout-out 5 "Thanked S. at grand rounds for the sepsis audit" --on yesterday
              ally pledge log tell-leaders 1 --goal 7c21
            """)

    @OptionGroup var journalOptions: JournalOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "mentoring, shout-out or tell-leaders.") var category: PledgeCategory
    @Argument(help: "Minutes spent.") var minutes: Int
    @Argument(help: "What you did ('-' reads standard input). Defaults to a line naming the category.") var text:
        String?
    @Option(name: .customLong("on"), help: "When (default today).") var occurredOn: String?
    @Option(name: .customLong("goal"), help: "The goal this serves.") var goal: String?
    @OptionGroup var phi: PHIOptions

    func validate() throws {
        guard (1...1_440).contains(minutes) else { throw ValidationError("MINUTES must be between 1 and 1440") }
    }

    func run() throws {
        var arguments = [
            "new", "action", text ?? "Pledge: \(minutes) min \(category.rawValue)", "--minutes", String(minutes),
            "--pledge", category.rawValue,
        ]
        if let occurredOn { arguments += ["--on", occurredOn] }
        if let goal { arguments += ["--goal", goal] }
        if let journal = journalOptions.journal { arguments += ["--journal", journal] }
        if output.json { arguments.append("--json") }
        if phi.allowPHI { arguments.append("--allow-phi") }
        if phi.redactPHI { arguments.append("--redact-phi") }
        var command = try New.parse(Array(arguments.dropFirst()))
        try command.run()
    }
}
