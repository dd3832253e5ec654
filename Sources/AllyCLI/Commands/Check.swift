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
            sync and bundle import settle that by moving one copy to a new device id, and --settle keeps both \
            copies of any that remain, writing the other copy's content again as a new change of this journal, \
            so its words merge like any concurrent edit (see `ally conflicts` afterwards). A change this version \
            cannot apply (an operation from a newer ally, or one that fails the checks) is kept as received and \
            applied once a newer ally can read it.

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
            heldAside: HeldSummary(try journal.heldChanges(), unreadable: try journal.unreadableChanges()),
            settled: settled,
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

    /// Changes this version cannot apply: an operation from a newer ally (`unknown`), or not a valid change
    /// (`invalid`). Kept as received; a newer ally applies what it can read.
    var unreadable: [Unreadable]

    struct Unreadable: Encodable {
        var change: String
        var entry: String?
        var reason: String
        var problem: String
    }

    init(_ held: [HeldChange], unreadable: [UnreadableChange] = []) {
        self.unreadable = unreadable.map {
            Unreadable(
                change: $0.id.description, entry: $0.entryID?.rawValue, reason: $0.reason.rawValue, problem: $0.problem)
        }
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
        for item in unreadable {
            let entry = item.entry.map { ", entry \($0.prefix(8))" } ?? ""
            lines.append(
                item.reason == ReceivedChange.Reason.unknown.rawValue
                    ? "change \(item.change)\(entry) needs a newer ally (\(item.problem)); kept aside until then"
                    : "change \(item.change)\(entry) is not a valid change (\(item.problem)); kept aside, the rest merged"
            )
        }
        return lines
    }
}
