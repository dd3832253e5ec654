import AllyCore
import AllyStore
import ArgumentParser

/// `ally trash ID`: move an entry to the trash.
struct Trash: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Move an entry to the trash.",
        discussion: """
            Nothing is destroyed: the entry leaves `ally list` and `ally search` and shows in `ally list \
            --trashed` until restored. If another laptop edits the entry before it hears of the trash, the \
            entry comes back as a conflict instead of losing that edit.

            Example:
              ally trash 3fa2c9d1
            """)

    @OptionGroup var journalOptions: JournalOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The entry's id or a unique prefix (4+ hex digits).", completion: Completions.entryIDs) var id:
        String

    func run() throws {
        let context = CLIContext.current
        let journal = try journalOptions.openExisting(in: context)
        let entry = try journal.trash(try journal.resolveID(id))
        try FlagOutput.print(entry, verb: "Trashed", journal: journal, json: output.json, context: context)
    }
}

/// `ally restore ID`: take an entry out of the trash.
struct Restore: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Take an entry out of the trash.",
        discussion: """
            Also settles a "trashed on one laptop while edited on another" conflict by keeping the entry.

            Example:
              ally list --trashed
              ally restore 3fa2c9d1
            """)

    @OptionGroup var journalOptions: JournalOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The entry's id or a unique prefix (4+ hex digits).", completion: Completions.entryIDs) var id:
        String

    func run() throws {
        let context = CLIContext.current
        let journal = try journalOptions.openExisting(in: context)
        let entry = try journal.restore(try journal.resolveID(id))
        try FlagOutput.print(entry, verb: "Restored", journal: journal, json: output.json, context: context)
    }
}

enum FlagOutput {
    static func print(_ entry: Entry, verb: String, journal: Journal, json: Bool, context: CLIContext) throws {
        if json {
            context.print(try JSONOutput.string(entry))
        } else {
            let short = try journal.shortIDs(for: [entry.id])[entry.id] ?? entry.id.rawValue
            context.print("\(verb) \(entry.kind.rawValue) \(short): \(entry.headline)")
        }
    }
}
