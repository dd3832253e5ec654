import AllyCore
import AllyStore
import ArgumentParser

/// `ally check`: verify the journal file.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Verify the journal: SQLite integrity, and that every entry matches its change log.",
        discussion: """
            Reads every page and every change, in one consistent snapshot (another ally may be writing); on a \
            large journal this takes a few seconds. Exits 4 if a problem is found.

            Also lists received changes held aside (Protocol/SPEC.md §2.1). A change that came after a gap in \
            its laptop's numbering waits and is applied by itself once the missing ones arrive. A change that \
            differs from the copy this journal holds under the same id (two copies of one journal wrote under \
            one device id, or a laptop restored from a backup) is never applied over the journal's own copy; \
            --settle keeps both, writing the other copy's content again as a new change of this journal, so \
            its words merge like any concurrent edit (see `ally conflicts` afterwards).

            Examples:
              ally check
              ally check --settle && ally conflicts
            """)

    @OptionGroup var journalOptions: JournalOptions
    @OptionGroup var output: OutputOptions
    @Flag(help: "Keep both copies of every held change that differs from this journal's (see above).")
    var settle = false

    struct Report: Encodable {
        var path: String
        var device: String
        var integrity: String
        var entries: Int
        var trashed: Int
        var conflicts: Int
        var changes: Int
        var mismatchedEntries: [String]
        var heldAside: HeldSummary
        var settled: Int
        var ok: Bool
    }

    func run() throws {
        let context = CLIContext.current
        let journal = try journalOptions.openExisting(in: context)
        let settlement = settle ? try journal.settleDifferingChanges() : Journal.Settlement()
        let settled = settlement.settled
        let snapshot = try journal.verify()
        let report = Report(
            path: journal.path, device: (settlement.newDeviceID ?? journal.deviceID).rawValue,
            integrity: snapshot.integrity,
            entries: snapshot.entries, trashed: snapshot.trashed, conflicts: snapshot.conflicts,
            changes: snapshot.changes, mismatchedEntries: snapshot.mismatches.map(\.rawValue),
            heldAside: HeldSummary(try journal.heldChanges()), settled: settled,
            ok: snapshot.integrity == "ok" && snapshot.mismatches.isEmpty && snapshot.devicesWithGaps == 0
                && snapshot.searchMismatches == 0)
        if output.json {
            context.print(try JSONOutput.string(report))
        } else {
            context.print("journal   \(report.path)")
            context.print("device    \(report.device)")
            context.print(
                "entries   \(report.entries) (+\(report.trashed) in the trash, \(report.conflicts) with conflicts)")
            context.print("changes   \(report.changes)")
            context.print("integrity \(snapshot.integrity)")
            context.print(
                "projection "
                    + (snapshot.mismatches.isEmpty
                        ? "ok" : "\(snapshot.mismatches.count) entries differ from their log"))
            if snapshot.devicesWithGaps > 0 {
                context.print(
                    "numbering \(plural(snapshot.devicesWithGaps, "device has", "devices have")) gaps in their changes")
            }
            if snapshot.searchMismatches > 0 {
                context.print("search    \(plural(snapshot.searchMismatches, "entry", "entries")) wrongly indexed")
            }
            if settled > 0 {
                context.print(
                    "settled   \(plural(settled, "differing change")): both copies kept; see `ally conflicts`")
            }
            if let newDevice = settlement.newDeviceID {
                context.print(
                    "device    another copy of this journal wrote under its device id; this one now writes as "
                        + "\(newDevice.short)")
            }
            for line in report.heldAside.lines { context.print("held      " + line) }
        }
        if !report.ok { throw ExitCode(4) }
    }
}

/// Received changes held aside, as `ally check` and `ally status` report them (SPEC §2.1).
struct HeldSummary: Encodable {
    /// Changes waiting for the missing changes before them, by device.
    var waiting: Int
    /// Changes that differ from this journal's copy under the same id: `DEVICE.SEQ` of entry `ENTRY`.
    var differing: [Differing]

    struct Differing: Encodable {
        var change: String
        var entry: String
        var operation: String
    }

    init(_ held: [HeldChange]) {
        waiting = held.count { $0.reason == .gap }
        differing = held.filter { $0.reason == .differs }.map {
            Differing(
                change: $0.change.id.description, entry: $0.change.entryID.rawValue,
                operation: $0.change.operation.name)
        }
    }

    /// One line per kind of held change, for people.
    var lines: [String] {
        var lines: [String] = []
        if waiting > 0 {
            lines.append(
                "\(plural(waiting, "change")) wait for earlier changes from the same laptop; they apply once those arrive"
            )
        }
        for item in differing {
            lines.append(
                "change \(item.change) (\(item.operation), entry \(item.entry.prefix(8))) differs from this journal's "
                    + "copy; `ally check --settle` keeps both")
        }
        return lines
    }
}
