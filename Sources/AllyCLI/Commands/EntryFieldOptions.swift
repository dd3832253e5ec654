import AllyCore
import AllyStore
import ArgumentParser

/// The field options of `ally new`.
struct EntryFieldOptions: ParsableArguments {
    @Option(help: "A short title (one line).")
    var title: String?

    @Option(
        name: .customLong("theme"),
        help: "A trust theme: humility, capability, agency, reliability, integrity. Repeatable.")
    var themes: [Theme] = []

    @Option(help: "The level of allyship: interpersonal, public or systemic.")
    var level: Level?

    @Option(name: .customLong("tag"), help: "A tag (a leading # or @ is dropped). Repeatable.")
    var tags: [String] = []

    @Option(
        name: .customLong("on"),
        help:
            "When it happened (default today): YYYY-MM-DD, yesterday, '3 days ago', 'last friday', a weekday (the last one)."
    )
    var occurredOn: String?

    @Option(
        help:
            "For a goal: when it is due: YYYY-MM-DD, friday (the coming one), 'in 2 weeks', 'end of month', DD/MM/YYYY."
    )
    var due: String?

    @Option(help: "For a goal: open, done or dropped (default open).")
    var status: GoalStatus?

    @Option(help: "For an action: minutes spent.")
    var minutes: Int?

    @Option(help: "For an action: the pledge part it counts towards: mentoring, shout-out or tell-leaders.")
    var pledge: PledgeCategory?

    @Option(name: .customLong("link"), help: "The id (or a unique prefix) of a related entry. Repeatable.")
    var links: [String] = []

    func validate(for kind: EntryKind) throws {
        if kind != .goal, due != nil || status != nil {
            throw ValidationError("--due and --status are for goals; this entry is a \(kind.rawValue)")
        }
        if kind != .action, minutes != nil || pledge != nil {
            throw ValidationError("--minutes and --pledge are for actions; this entry is a \(kind.rawValue)")
        }
        if let minutes, !(0...100_000).contains(minutes) {
            throw ValidationError("--minutes must be between 0 and 100000")
        }
        if let title, title.contains("\n") || title.count > 500 {
            throw ValidationError("--title must be one line of at most 500 characters")
        }
    }

    func patch(journal: Journal, context: CLIContext, today: LocalDate) throws -> EntryPatch {
        var patch = EntryPatch()
        if let title { patch.scalars[.title] = title }
        if let level { patch.scalars[.level] = level.rawValue }
        if let occurredOn {
            patch.scalars[.occurredOn] = try Parse.date(occurredOn, option: "--on", today: today).description
        }
        if let due {
            patch.scalars[.due] = try Parse.date(due, option: "--due", direction: .future, today: today).description
        }
        if let status { patch.scalars[.status] = status.rawValue }
        if let minutes { patch.scalars[.minutes] = String(minutes) }
        if let pledge { patch.scalars[.pledge] = pledge.rawValue }
        patch.additions[.themes] = themes.map(\.rawValue)
        patch.additions[.tags] = try tags.map { try Parse.tag($0, option: "--tag") }
        patch.additions[.links] = try links.map { try journal.resolveID($0).rawValue }
        return patch
    }
}
