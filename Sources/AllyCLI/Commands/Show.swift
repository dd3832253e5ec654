import AllyCore
import AllyStore
import ArgumentParser

/// `ally show ID`: one entry in full.
struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show one entry in full.",
        discussion: """
            ID is the entry's id or any unique prefix of 4 or more hex digits. A conflicted entry shows every \
            version that needs deciding and how to settle it.

            Example:
              ally show 3fa2c9d1
            """)

    @OptionGroup var journalOptions: JournalOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The entry's id or a unique prefix (4+ hex digits).", completion: Completions.entryIDs) var id:
        String

    func run() throws {
        let context = CLIContext.current
        let journal = try journalOptions.openExisting(in: context)
        let entryID = try journal.resolveID(id)
        guard let entry = try journal.entry(entryID) else { throw CLIError("no entry \(id)", exitCode: 3) }
        let backlinks = try journal.backlinks(to: entryID)
        if output.json {
            context.print(try JSONOutput.string(entry))
        } else {
            let renderer = try EntryRenderer(journal: journal, entries: [entry] + backlinks, context: context)
            context.print(
                renderer.detail(entry, linkedFrom: backlinks, linked: try entry.links.compactMap(journal.entry)))
        }
    }
}
