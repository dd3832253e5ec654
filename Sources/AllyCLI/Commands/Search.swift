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
        let hits = try journal.searchHits(query, limit: limit)
        if output.json || hits.entries.isEmpty {
            try EntryList.print(
                hits.entries, journal: journal, json: output.json, context: context, empty: "no entries match")
            return
        }
        let renderer = try EntryRenderer(journal: journal, entries: hits.entries, context: context)
        let style = Style(enabled: context.usesColour)
        for entry in hits.entries {
            context.print(renderer.line(entry))
            if let snippet = hits.snippets[entry.id] {
                // The matched words stand out: bold on a colour terminal, [between brackets] otherwise.
                let (open, close) = style.enabled ? ("\u{1B}[1;4m", "\u{1B}[0m") : ("[", "]")
                context.print(
                    "          "
                        + snippet.replacingOccurrences(of: Journal.matchStart, with: open)
                        .replacingOccurrences(of: Journal.matchEnd, with: close))
            }
        }
        if hits.total > hits.entries.count {
            context.note(
                "Showing the best \(hits.entries.count) of \(hits.total) matches; `--limit \(min(hits.total, 1000))` "
                    + "shows more, and more words narrow the search.")
        }
    }
}
