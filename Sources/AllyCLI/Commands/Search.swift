import Foundation
import AllyCore
import AllyStore
import ArgumentParser

/// `ally search QUERY`: full-text search, best match first.
struct Search: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Search titles, bodies and tags, best match first.",
        discussion: """
            QUERY uses SQLite FTS5 syntax: words must all appear (AND is implied), "quoted phrases", OR, NOT, \
            prefix* matches, and column filters such as title:handover or tags:mentoring. Accents are ignored. \
            The trash is not searched.

            Examples:
              ally search interrupt*
              ally search '"stayed silent" OR silence'
              ally search 'title:rounds NOT night'
            """)

    @OptionGroup var journalOptions: JournalOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "What to look for (FTS5 syntax).") var query: String
    @Option(help: "At most this many results.") var limit = 50

    func validate() throws {
        if limit < 1 { throw ValidationError("--limit must be at least 1") }
        if query.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("the query is empty") }
    }

    func run() throws {
        let context = CLIContext.current
        let journal = try journalOptions.openExisting(in: context)
        let entries = try journal.search(query, limit: limit)
        try EntryList.print(entries, journal: journal, json: output.json, context: context, empty: "no entries match")
    }
}
