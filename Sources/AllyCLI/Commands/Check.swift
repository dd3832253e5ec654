import AllyCore
import AllyStore
import ArgumentParser

/// `ally check`: verify the journal file.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Verify the journal: SQLite integrity, and that every entry matches its change log.",
        discussion: """
            Reads every page and every change; on a large journal this takes a few seconds. Exits 4 if a \
            problem is found.

            Example:
              ally check
            """)

    @OptionGroup var journalOptions: JournalOptions
    @OptionGroup var output: OutputOptions

    struct Report: Encodable {
        var path: String
        var device: String
        var integrity: String
        var entries: Int
        var trashed: Int
        var conflicts: Int
        var changes: Int
        var mismatchedEntries: [String]
        var ok: Bool
    }

    func run() throws {
        let context = CLIContext.current
        let journal = try journalOptions.openExisting(in: context)
        let integrity = try journal.integrityCheck()
        let mismatches = try journal.projectionMismatches()
        let counts = try journal.counts()
        let report = Report(
            path: journal.path, device: journal.deviceID.rawValue, integrity: integrity, entries: counts.entries,
            trashed: counts.trashed, conflicts: counts.conflicts, changes: counts.changes,
            mismatchedEntries: mismatches.map(\.rawValue), ok: integrity == "ok" && mismatches.isEmpty)
        if output.json {
            context.print(try JSONOutput.string(report))
        } else {
            context.print("journal   \(report.path)")
            context.print("device    \(report.device)")
            context.print(
                "entries   \(report.entries) (+\(report.trashed) in the trash, \(report.conflicts) with conflicts)")
            context.print("changes   \(report.changes)")
            context.print("integrity \(integrity)")
            context.print(
                "projection " + (mismatches.isEmpty ? "ok" : "\(mismatches.count) entries differ from their log"))
        }
        if !report.ok { throw ExitCode(4) }
    }
}
