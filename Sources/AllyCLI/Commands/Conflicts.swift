import AllyCore
import AllyStore
import ArgumentParser

/// `ally conflicts`: entries that need a decision.
struct Conflicts: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List entries whose edits on different laptops need your decision.",
        discussion: """
            Two kinds: a body edited in overlapping places on two laptops (both versions are kept), and an \
            entry trashed on one laptop while edited on another (it stays visible). `ally show ID` shows both \
            sides; `ally resolve ID` settles one.

            Example:
              ally conflicts
            """)

    @OptionGroup var journalOptions: JournalOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let context = CLIContext.current
        let journal = try journalOptions.openExisting(in: context)
        let entries = try journal.conflicts()
        try EntryList.print(entries, journal: journal, json: output.json, context: context, empty: "no conflicts")
    }
}
