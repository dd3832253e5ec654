import AllyCore
import AllyStore
import ArgumentParser

/// `ally list`: entries, newest first, filtered.
struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List entries, newest first.",
        discussion: """
            Filters combine: an entry must match all of them. Repeating a filter (--kind goal --kind action) \
            matches any of its values; repeated --theme and --tag must all be present.

            Examples:
              ally list --since monday
              ally list --kind goal --status open
              ally list --theme integrity --level public --limit 10
              ally list --trashed
              ally list --json | jq '.[].title'
            """)

    @OptionGroup var journalOptions: JournalOptions
    @OptionGroup var output: OutputOptions

    @Option(name: .customLong("kind"), help: "Only this kind (repeatable).") var kinds: [EntryKind] = []
    @Option(name: .customLong("theme"), help: "Only entries with this theme (repeatable: all must match).")
    var themes: [Theme] = []
    @Option(name: .customLong("level"), help: "Only this level (repeatable).") var levels: [Level] = []
    @Option(name: .customLong("tag"), help: "Only entries with this tag (repeatable: all must match).")
    var tags: [String] = []
    @Option(name: .customLong("status"), help: "Only goals with this status (repeatable).")
    var statuses: [GoalStatus] = []
    @Option(help: "Only entries on or after this date.") var since: String?
    @Option(help: "Only entries on or before this date.") var until: String?
    @Flag(help: "List the trash instead of the journal.") var trashed = false
    @Option(help: "At most this many entries.") var limit: Int?

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
        let context = CLIContext.current
        let journal = try journalOptions.openExisting(in: context)
        var query = EntryQuery()
        query.kinds = kinds
        query.themes = themes
        query.levels = levels
        query.tags = try tags.map { try Parse.tag($0, option: "--tag") }
        query.statuses = statuses
        query.since = try since.map { try Parse.date($0, option: "--since", context: context) }
        query.until = try until.map { try Parse.date($0, option: "--until", context: context) }
        query.trashed = trashed
        query.limit = limit
        let entries = try journal.entries(matching: query)
        try EntryList.print(entries, journal: journal, json: output.json, context: context)
    }
}

/// Printing of entry lists, shared by list, search and conflicts.
enum EntryList {
    static func print(_ entries: [Entry], journal: Journal, json: Bool, context: CLIContext, empty: String? = nil)
        throws
    {
        if json {
            context.print(try JSONOutput.string(entries))
            return
        }
        if entries.isEmpty {
            if let empty { context.note(empty) }
            return
        }
        let renderer = try EntryRenderer(journal: journal, entries: entries, context: context)
        for entry in entries { context.print(renderer.line(entry)) }
    }
}
