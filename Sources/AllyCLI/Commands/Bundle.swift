import AllyCore
import AllyStore
import ArgumentParser
import Foundation

/// `ally bundle`: offline exchange of changes between journals.
struct BundleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle",
        abstract: "Carry changes between journals in a file (sync by USB stick).",
        discussion: """
            A bundle holds every change this journal knows, its own and those it merged from others. Importing \
            merges them: edits on both sides combine, overlapping body edits become conflicts (`ally conflicts`), \
            nothing is lost, and importing the same bundle twice changes nothing.

            Example (laptop A to laptop B and back):
              A$ ally bundle export /media/usb/a.allybundle
              B$ ally bundle import /media/usb/a.allybundle
              B$ ally bundle export /media/usb/b.allybundle
              A$ ally bundle import /media/usb/b.allybundle
            """,
        subcommands: [BundleExport.self, BundleImport.self])
}

/// `ally bundle export FILE`.
struct BundleExport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write this journal's changes to a bundle file.",
        discussion: """
            The file holds the journal's text in clear: keep it on media you control, and delete it once \
            imported. '-' writes to standard output.

            Example:
              ally bundle export /media/usb/laptop-a.allybundle
            """)

    @OptionGroup var journalOptions: JournalOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The bundle file to write ('-' for standard output).") var file: String

    struct Summary: Encodable {
        var file: String
        var changes: Int
        var device: String
    }

    func run() throws {
        let context = CLIContext.current
        let journal = try journalOptions.openExisting(in: context)
        let changes = try journal.allChanges()
        try OutputFile.write(try ChangeBundle.encode(changes, from: journal.deviceID), to: file, context: context)
        guard file != "-" else { return }
        let summary = Summary(file: file, changes: changes.count, device: journal.deviceID.short)
        if output.json {
            context.print(try JSONOutput.string(summary))
        } else {
            context.print("Wrote \(changes.count) changes from device \(journal.deviceID.short) to \(file)")
        }
    }
}

/// `ally bundle import FILE`.
struct BundleImport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Merge a bundle file's changes into this journal.",
        discussion: """
            The bundle is checked whole before anything is written; a truncated or damaged file, or a change \
            that contradicts one this journal holds, imports nothing. '-' reads standard input.

            Example:
              ally bundle import /media/usb/laptop-b.allybundle && ally conflicts
            """)

    @OptionGroup var journalOptions: JournalOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The bundle file to read ('-' for standard input).") var file: String

    struct Summary: Encodable {
        var from: String
        var inserted: Int
        var duplicates: Int
        var entries: Int
        var conflicts: Int
    }

    func run() throws {
        let context = CLIContext.current
        let data = try InputFile.read(file, context: context)
        let bundle: (device: DeviceID, changes: [Change])
        do {
            bundle = try ChangeBundle.decode(data)
        } catch let error as ChangeBundle.FormatError {
            throw CLIError("\(file): \(error.description); nothing was imported", exitCode: 2)
        }
        let journal = try journalOptions.openOrCreate(in: context)
        let outcome = try journal.apply(bundle.changes)
        let summary = Summary(
            from: bundle.device.short, inserted: outcome.inserted, duplicates: outcome.duplicates,
            entries: outcome.entriesTouched, conflicts: try journal.conflicts().count)
        if output.json {
            context.print(try JSONOutput.string(summary))
            return
        }
        if outcome.inserted == 0 {
            context.print(
                "Nothing new from device \(bundle.device.short): all \(outcome.duplicates) changes were already here")
        } else {
            context.print(
                "Merged \(plural(outcome.inserted, "new change")) from device \(bundle.device.short) into "
                    + "\(plural(outcome.entriesTouched, "entry", "entries")) (\(outcome.duplicates) already here)")
        }
        if summary.conflicts > 0 {
            context.print(
                "\(plural(summary.conflicts, "entry needs", "entries need")) your decision: see `ally conflicts`")
        }
    }
}

/// "1 entry", "2 entries".
func plural(_ count: Int, _ one: String, _ many: String? = nil) -> String {
    "\(count) " + (count == 1 ? one : (many ?? one + "s"))
}
