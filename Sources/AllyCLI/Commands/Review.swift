import AllyCore
import AllyStore
import ArgumentParser
import Foundation

/// `ally review`: the weekly or monthly look back.
struct ReviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Review a week or a month: pledge, themes and levels, goals, mistakes, feedback, next prompt.",
        discussion: """
            Shows the 36-minute pledge for each week in the period, entries per trust theme and per level of \
            allyship as bar charts (where is the practice thin?), open and overdue goals, the period's mistakes \
            with the lessons drawn (a line starting "Lesson:"), feedback no action has followed yet, and a \
            prompt for the week ahead chosen for the thinnest theme.

            --week (the default) is the current week so far; --month the current calendar month so far. \
            --html writes the same review as one self-contained, printable HTML file (no network fetches).

            Examples:
              ally review
              ally review --month --html ~/review-november.html
              ally review --since 2026-09-01 --until 2026-09-30 --json
            """)

    @OptionGroup var journalOptions: JournalOptions
    @OptionGroup var output: OutputOptions
    @Flag(help: "The current week so far (the default, except on the week's first day).") var week = false
    @Flag(name: .customLong("last-week"), help: "The week just ended (the default on the week's first day).")
    var lastWeek = false
    @Flag(help: "The current calendar month so far.") var month = false
    @Option(help: "First day of a custom period.") var since: String?
    @Option(help: "Last day of a custom period (default today).") var until: String?
    @Option(help: "Also write the review as a self-contained HTML file.") var html: String?
    @Flag(help: "Draw bars with # instead of Unicode blocks.") var ascii = false

    func validate() throws {
        if [week, month, lastWeek].filter({ $0 }).count > 1 {
            throw ValidationError("give one of --week, --last-week and --month")
        }
        if (week || month || lastWeek) && (since != nil || until != nil) {
            throw ValidationError("--since/--until set a custom period; leave out --week and --month")
        }
        if until != nil && since == nil { throw ValidationError("--until needs --since") }
    }

    func run() throws {
        let context = CLIContext.current
        let practice = try Practice(context: context)
        let journal = try journalOptions.openExisting(in: context)
        let today = practice.today
        var first: LocalDate
        var last = today
        if let since {
            first = try Parse.date(since, option: "--since", today: today)
            if let until { last = try Parse.date(until, option: "--until", today: today) }
            guard first <= last else { throw CLIError("--since \(first) is after --until \(last)", exitCode: 2) }
        } else if month {
            let parts = today.parts
            first = LocalDate(year: parts.year, month: parts.month, day: 1) ?? today
        } else if lastWeek || (!week && today == practice.currentWeek.start) {
            // On the week's first day the week just ended is what there is to review.
            first = practice.currentWeek.start.adding(days: -7)
            last = practice.currentWeek.start.adding(days: -1)
            if !lastWeek, !output.json { context.note("The week just ended (`--week` shows this one so far)") }
        } else {
            first = practice.currentWeek.start
        }
        let review = Review(
            entries: try journal.allEntries(), since: first, until: last, today: today,
            weekStartsOn: practice.weekStartsOn, prompts: practice.prompts)
        if let html {
            let document = ReviewHTML(review: review, generatedAt: ISOTimestamp.format(context.clock())).render()
            try OutputFile.write(Data(document.utf8), to: html, context: context)
            context.note("Wrote the review to \(html)")
        }
        if output.json {
            context.print(try JSONOutput.string(review))
        } else if html == nil || context.stdoutIsTerminal {
            let ids = try journal.shortIDs(
                for: review.goals.map(\.id) + review.mistakes.map(\.id) + review.feedbackWithoutAction.map(\.id))
            let text = ReviewText(
                review: review, style: Style(enabled: context.usesColour),
                unicode: BarChart.unicodeAllowed(in: context, ascii: ascii), shortIDs: ids)
            context.print(text.render())
        }
    }
}
