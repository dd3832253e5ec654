import AllyCore
import AllyStore
import ArgumentParser

/// `ally goals`: open learning goals, overdue first, with what has been done for each.
struct Goals: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List open learning goals, overdue first, with their linked entries and actions.",
        discussion: """
            A goal's linked entries are those it links to and those that link to it (a mistake that motivated \
            it, an action that served it: `ally new action … --goal ID`). Close a goal with \
            `ally edit ID --status done` (or dropped), optionally with --reflection TEXT.

            Examples:
              ally goals
              ally goals --all
              ally goals --json
            """)

    @OptionGroup var journalOptions: JournalOptions
    @OptionGroup var output: OutputOptions
    @Flag(help: "Include done and dropped goals.") var all = false

    struct Item: Encodable {
        var goal: Entry
        var overdue: Bool
        var linked: [Entry]
        var actionMinutes: Int
    }

    func run() throws {
        let context = CLIContext.current
        let journal = try journalOptions.openExisting(in: context)
        let today = try Practice(context: context).today
        var query = EntryQuery()
        query.kinds = [.goal]
        if !all { query.statuses = [.open] }
        var items: [Item] = []
        for goal in try journal.entries(matching: query) {
            let linked =
                try journal.backlinks(to: goal.id)
                + goal.links.compactMap { try journal.entry($0) }.filter { !$0.isTrashed }
            let actions = linked.filter { $0.kind == .action }
            items.append(
                Item(
                    goal: goal, overdue: goal.status == .open && (goal.due.map { $0 < today } ?? false), linked: linked,
                    actionMinutes: actions.reduce(0) { $0 + ($1.minutes ?? 0) }))
        }
        items.sort { a, b in
            if a.overdue != b.overdue { return a.overdue }
            switch (a.goal.due, b.goal.due) {
            case let (x?, y?) where x != y: return x < y
            case (_?, nil): return true
            case (nil, _?): return false
            default: return a.goal.createdAt < b.goal.createdAt
            }
        }
        if output.json {
            context.print(try JSONOutput.string(items))
            return
        }
        guard !items.isEmpty else {
            context.note(
                all ? "no goals yet; write one with `ally new goal`" : "no open goals; write one with `ally new goal`")
            return
        }
        let renderer = try EntryRenderer(
            journal: journal, entries: items.flatMap { [$0.goal] + $0.linked }, context: context)
        let style = renderer.style
        for item in items {
            var due = item.goal.due.map { "due \($0)" } ?? "no due date"
            if item.overdue { due = style.warning("overdue since \(item.goal.due?.description ?? "")") }
            let status = item.goal.status.map { $0 == .open ? "" : " (\($0.rawValue))" } ?? ""
            context.print(
                "\(style.id(renderer.short(item.goal.id)))  \(style.bold(item.goal.headline))\(status)  \(due)")
            let actions = item.linked.filter { $0.kind == .action }
            context.print(
                "          \(plural(actions.count, "action")) logged, \(item.actionMinutes) min; "
                    + "\(plural(item.linked.count, "linked entry", "linked entries"))")
            for linked in item.linked {
                context.print(
                    "          \(style.id(renderer.short(linked.id)))  \(linked.kind.rawValue.fitted(to: 10)) \(linked.headline.fitted(to: 50))"
                )
            }
        }
    }
}
