import AllyCore
import AllyStore
import AllySync
import ArgumentParser
import Foundation

/// `ally sync`: exchange encrypted changes with the server.
struct SyncCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Push this journal's changes to the server, then pull everyone else's.",
        discussion: """
            Changes are encrypted here before they leave. Each pulled page is checked whole and applied in one \
            transaction with its position, so a cut connection or a crash resumes where it stopped, without loss \
            or duplicates; just run `ally sync` again. Network failures are retried with backoff.

            Examples:
              ally sync
              ally sync --json
            """)
    @OptionGroup var journalOptions: JournalOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let context = CLIContext.current
        let journal = try journalOptions.openExisting(in: context)
        let link = try SyncSupport.link(journal)
        let transport = try SyncSupport.transport(for: link)
        let engine = SyncEngine(journal: journal, transport: transport, link: link)
        let showProgress = context.stderrIsTerminal && !output.json
        let report: SyncEngine.Report
        do {
            report = try engine.sync { progress in
                guard showProgress else { return }
                switch progress {
                case .pushing(let done, let total):
                    let width = 24
                    let filled = total == 0 ? width : done * width / max(total, 1)
                    context.noteInline(
                        "\rpushing [\(String(repeating: "#", count: filled))\(String(repeating: ".", count: width - filled))] \(done)/\(total)"
                    )
                case .pulling(let changes, let pages):
                    context.noteInline("\rpulling \(changes) changes in \(pages) pages                    ")
                }
            }
        } catch let error as SyncError {
            // End the progress line before the message, and say what a failed sync means for the entries.
            if showProgress { context.noteInline("\r\u{1B}[K") }
            if error.code == .unauthorized {
                // `ally status` says from when this laptop has been refused (revoked, or its token replaced).
                let state = try journal.syncState()
                if state["refusedSince"] == nil {
                    try journal.updateSyncState(["refusedSince": ISOTimestamp.format(context.clock())])
                }
            }
            throw SyncError(
                error.code,
                error.message.trimmingCharacters(in: CharacterSet(charactersIn: ". "))
                    + ". Every entry is safe in this journal; what was not sent goes at the next `ally sync`")
        }
        if showProgress { context.noteInline("\r\u{1B}[K") }
        try journal.updateSyncState(["refusedSince": nil])
        // Learn the laptops' names, so conflicts and history can say "from work-laptop" offline.
        if let devices = try? transport.devices(token: link.token).devices {
            SyncSupport.remember(devices, in: journal)
        }
        SyncSupport.warnClockAhead(report.clockAhead, context: context)
        if let fork = report.fork { SyncSupport.noteFork(fork, context: context) }
        if output.json {
            context.print(try JSONOutput.string(report))
            return
        }
        var line = "Synced with \(link.server): pushed \(report.pushed), pulled \(report.pulled)"
        if report.entriesUpdated > 0 { line += " (\(plural(report.entriesUpdated, "entry", "entries")) updated)" }
        if report.conflicts > 0 { line += "; \(plural(report.conflicts, "conflict")) to resolve: `ally conflicts`" }
        context.print(line)
        if report.erasuresReceived > 0 || report.changesErased > 0 {
            context.print(
                "Applied \(plural(report.erasuresReceived, "purge or redaction", "purges and redactions")) from other "
                    + "laptops: \(plural(report.changesErased, "stored change")) replaced by stubs or redacted copies; "
                    + "nothing erased remains in this journal's files")
        }
        if !report.identifierEntries.isEmpty {
            context.note(
                "\(plural(report.identifierEntries.count, "entry", "entries")) from other laptops "
                    + "\(report.identifierEntries.count == 1 ? "looks" : "look") like "
                    + "\(report.identifierEntries.count == 1 ? "it holds" : "they hold") patient identifiers: `ally scan`"
            )
        }
        if report.replacedOnServer > 0 {
            context.print(
                "Replaced the server's copy of \(plural(report.replacedOnServer, "change")) (purged or redacted); "
                    + "`ally purge --status` shows which laptops have applied it")
        }
        if !report.tooLargeToPush.isEmpty {
            context.print(
                "\(plural(report.tooLargeToPush.count, "change is", "changes are")) larger than this server accepts; "
                    + "they stay on this laptop (and travel by `ally bundle`)")
        }
        if report.unreadable > 0 {
            context.print(
                "\(plural(report.unreadable, "pulled change", "pulled changes")) cannot be applied by this version "
                    + "(from a newer ally, or damaged); kept aside, everything else merged: see `ally check`")
        }
        if !report.differing.isEmpty {
            context.print(
                "\(plural(report.differing.count, "pulled change differs", "pulled changes differ")) from this journal's "
                    + "copy under the same id; held aside, everything else merged: see `ally check`")
        }
        if report.serverLostData {
            context.note(
                "The server's copy is not the one this laptop last read (restored from a backup?): this laptop sent "
                    + "again the \(plural(report.resent, "change")) it lacked and read everything after position "
                    + "\(report.rereadFrom ?? "0") again. Sync your other laptops too; nothing is lost.")
        }
    }
}

/// `ally status`.
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the server, account, pending changes, last sync and conflicts.",
        discussion: """
            Reads only this journal; it does not contact the server.

            Example:
              ally status --json
            """)
    @OptionGroup var journalOptions: JournalOptions
    @OptionGroup var output: OutputOptions

    struct Report: Encodable {
        var journal: String
        var device: String
        var server: String?
        var username: String?
        var pendingChanges: Int
        var lastSync: String?
        var entries: Int
        var conflicts: Int
        var heldAside: HeldSummary
        var refusedSince: String?
        /// Entries that arrived by sync or bundle looking like they hold patient identifiers, and still do.
        var identifierEntries: Int
        /// When a sync last found the server's copy restored or behind, and how many changes it sent again.
        var serverRestored: ServerRestored?

        struct ServerRestored: Encodable {
            var detectedAt: String
            var resent: Int
        }
    }

    func run() throws {
        let context = CLIContext.current
        let journal = try journalOptions.openExisting(in: context)
        let state = try journal.syncState()
        let counts = try journal.counts()
        let report = Report(
            journal: journal.path, device: journal.deviceID.rawValue, server: state["server"],
            username: state["username"],
            pendingChanges: try journal.unpushedCount(), lastSync: state["lastSync"], entries: counts.entries,
            conflicts: counts.conflicts,
            heldAside: HeldSummary(try journal.heldChanges(), unreadable: try journal.unreadableChanges()),
            refusedSince: state["refusedSince"],
            identifierEntries: try journal.identifierEntries().filter {
                try SyncEngine.looksIdentifying($0, in: journal)
            }
            .count,
            serverRestored: state["serverRestored"].map {
                Report.ServerRestored(detectedAt: $0, resent: Int(state["serverRestoredResent"] ?? "") ?? 0)
            })
        if output.json {
            context.print(try JSONOutput.string(report))
            return
        }
        context.print("journal    \(report.journal) (device \(journal.deviceID.short))")
        if let server = report.server, let username = report.username {
            context.print("account    \(username) on \(server)")
            context.print("pending    \(plural(report.pendingChanges, "change")) not yet on the server")
            context.print("last sync  \(report.lastSync ?? "never")")
            if let restored = report.serverRestored {
                let when =
                    ISOTimestamp.parse(restored.detectedAt).map { Humane(context: context, journal: journal).time($0) }
                    ?? restored.detectedAt
                context.print(
                    "restored   \(when) the server's copy turned out older than this laptop's (a restored backup); "
                        + "\(plural(restored.resent, "change")) sent again, nothing lost")
            }
            if let refused = report.refusedSince {
                let when =
                    ISOTimestamp.parse(refused).map { Humane(context: context, journal: journal).time($0) } ?? refused
                context.print(
                    "refused    since \(when) the server refuses this laptop (revoked from another laptop, or logged "
                        + "in elsewhere with this journal): `ally account login` again, or `ally devices` from another")
            }
        } else {
            context.print("account    not linked (`ally account register` or `ally account login`)")
        }
        context.print("entries    \(report.entries), \(plural(report.conflicts, "conflict"))")
        if report.identifierEntries > 0 {
            context.print(
                "privacy    \(plural(report.identifierEntries, "entry", "entries")) from other laptops "
                    + "\(report.identifierEntries == 1 ? "looks" : "look") like \(report.identifierEntries == 1 ? "it holds" : "they hold") "
                    + "patient identifiers: `ally scan`")
        }
        for line in report.heldAside.lines { context.print("held       " + line) }
    }
}

/// `ally devices`.
struct Devices: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the laptops logged in to your account, or revoke one.",
        discussion: """
            A revoked laptop's token stops working at once; its journal keeps its entries but can no longer sync.

            Examples:
              ally devices
              ally devices rename 3fa2c9d1 work-laptop
              ally devices revoke 3fa2c9d1
            """,
        subcommands: [DevicesList.self, DevicesRename.self, DevicesRevoke.self], defaultSubcommand: DevicesList.self)
}

struct DevicesList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List your devices.")
    @OptionGroup var journalOptions: JournalOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let context = CLIContext.current
        let journal = try journalOptions.openExisting(in: context)
        let link = try SyncSupport.link(journal)
        let devices = try SyncSupport.transport(for: link).devices(token: link.token).devices
        SyncSupport.remember(devices, in: journal)
        if output.json {
            context.print(try JSONOutput.string(devices))
            return
        }
        let humane = Humane(context: context, journal: journal)
        for device in devices {
            var line =
                "\(device.deviceID.prefix(8))  \(device.name.fitted(to: 24))  last seen "
                + (ISOTimestamp.parse(device.lastSeenAt).map(humane.time) ?? device.lastSeenAt)
            if device.current { line += "  (this laptop)" }
            if device.revoked { line += "  revoked" }
            context.print(line)
        }
    }
}

struct DevicesRename: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rename", abstract: "Give a laptop a name you recognise (shown in conflicts and history).",
        discussion: "Example:\n  ally devices rename 3fa2c9d1 work-laptop")
    @OptionGroup var journalOptions: JournalOptions
    @Argument(help: "The device id, or a unique prefix of it, from `ally devices`.", completion: Completions.deviceIDs)
    var id: String
    @Argument(help: "The new name (1–64 characters).") var name: String

    func run() throws {
        let context = CLIContext.current
        let journal = try journalOptions.openExisting(in: context)
        let link = try SyncSupport.link(journal)
        let transport = try SyncSupport.transport(for: link)
        let device = try SyncSupport.device(matching: id, transport: transport, link: link)
        try transport.rename(deviceID: device.deviceID, name: name, token: link.token)
        SyncSupport.remember(try transport.devices(token: link.token).devices, in: journal)
        context.print("Renamed \(device.deviceID.prefix(8)) from \(Quoted(device.name)) to \(Quoted(name))")
    }
}

struct DevicesRevoke: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Revoke a device: its token stops working at once.",
        discussion: "Example:\n  ally devices revoke 3fa2c9d1")
    @OptionGroup var journalOptions: JournalOptions
    @Argument(help: "The device id, or a unique prefix of it, from `ally devices`.", completion: Completions.deviceIDs)
    var id: String
    @Flag(help: "Revoke this laptop itself without asking.") var yes = false

    func run() throws {
        let context = CLIContext.current
        let journal = try journalOptions.openExisting(in: context)
        let link = try SyncSupport.link(journal)
        let transport = try SyncSupport.transport(for: link)
        let device = try SyncSupport.device(matching: id, transport: transport, link: link)
        if device.current, !yes {
            // Revoking the laptop you are on ends its syncing: ask, or require --yes in a script.
            guard context.stdinIsTerminal else {
                throw CLIError(
                    "\(device.deviceID.prefix(8)) is this laptop; revoking it stops its syncing. Add --yes to do it",
                    exitCode: 2)
            }
            let answer = context.ask("\(device.deviceID.prefix(8)) (\(device.name)) is this laptop; revoke it? [y/N] ")
            guard ["y", "yes"].contains(answer?.lowercased().trimmingCharacters(in: .whitespaces) ?? "") else {
                context.print("Nothing revoked.")
                return
            }
        }
        try transport.revoke(deviceID: device.deviceID, token: link.token)
        context.print(
            "Revoked \(device.deviceID.prefix(8)) (\(device.name))"
                + (device.current ? "; this laptop can no longer sync" : ""))
    }
}
