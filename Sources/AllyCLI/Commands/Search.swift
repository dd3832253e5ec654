import Foundation
import AllyCore
import AllyStore
import ArgumentParser

/// `ally search QUERY`: full-text search, best match first.
struct Search: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Search titles, bodies and tags, best match first.",
        discussion: """
            Type plain words: every word must appear, in any order; punctuation and hyphens are fine \
            (Dr. Kaur, shout-out). Accents and case are ignored. The trash is not searched. For more: \
            "quoted phrases", OR, NOT, prefix* matches, parentheses, and title:, body: or tags: in front of a \
            word to look only there.

            Examples:
              ally search Dr. Kaur
              ally search shout-out
              ally search interrupt*
              ally search '"stayed silent" OR silence'
              ally search 'title:rounds NOT night'
            """)

    @OptionGroup var journalOptions: JournalOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "What to look for: plain words (no quotes needed), or the forms above.") var words: [String] = []

    var query: String { words.joined(separator: " ") }
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
