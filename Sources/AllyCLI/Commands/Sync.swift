import AllyCore
import AllyProtocol
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
        var engine = SyncEngine(journal: journal, transport: transport, link: link)
        engine.passphrase = context.environment["ALLY_PASSPHRASE"].flatMap { $0.isEmpty ? nil : $0 }
        let showProgress = context.stderrIsTerminal && !output.json
        let report: SyncEngine.Report
        do {
            if engine.passphrase == nil, context.stdinIsTerminal {
                do {
                    _ = try engine.refreshKey()
                } catch let error as SyncError where error.code == .needsPassphrase {
                    // The journal key was rotated and not sealed to this laptop: once, the passphrase opens it.
                    context.note(error.message)
                    engine.passphrase = try Secrets.readHidden("Passphrase: ", context: context)
                } catch {
                    // Anything else shows in the sync itself.
                }
            }
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
            A revoked laptop's token stops working at once; its journal keeps its entries but can no longer sync. \
            For a lost or stolen laptop, `ally devices revoke ID --lost` also rotates the journal key, seals the \
            server's copy again under it, and reports what the laptop held (docs/PRIVACY.md, "If a laptop is lost").

            Examples:
              ally devices
              ally devices rename 3fa2c9d1 work-laptop
              ally devices revoke 3fa2c9d1 --lost
              ally devices report 3fa2c9d1 --json
            """,
        subcommands: [DevicesList.self, DevicesRename.self, DevicesRevoke.self, DevicesReport.self],
        defaultSubcommand: DevicesList.self)
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
        discussion: """
            With --lost (a laptop lost or stolen), in one command: the device is revoked; the journal key is \
            rotated, so that the lost laptop's copy of it opens nothing new; every envelope on the server is sealed \
            again under the new key (resumable: run the command again if it is interrupted); and the exposure \
            report says when the laptop last synced, which entries it held and which of them look like they hold \
            patient identifiers — what an incident report asks. Your other laptops pick the new key up at their \
            next sync. Asks for your passphrase (or $ALLY_PASSPHRASE).

            Examples:
              ally devices revoke 3fa2c9d1
              ally devices revoke 3fa2c9d1 --lost
              ally devices revoke 3fa2c9d1 --lost --json > incident.json
            """)
    @OptionGroup var journalOptions: JournalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var passphrase: PassphraseOptions
    @Argument(help: "The device id, or a unique prefix of it, from `ally devices`.", completion: Completions.deviceIDs)
    var id: String
    @Flag(help: "Revoke this laptop itself without asking.") var yes = false
    @Flag(help: "The laptop is lost or stolen: also rotate the journal key and report what it held.") var lost = false

    func run() throws {
        let context = CLIContext.current
        let journal = try journalOptions.openExisting(in: context)
        let link = try SyncSupport.link(journal)
        let transport = try SyncSupport.transport(for: link)
        let device = try SyncSupport.device(matching: id, transport: transport, link: link)
        if lost {
            guard !device.current else {
                throw CLIError(
                    "\(device.deviceID.prefix(8)) is this laptop: run `ally devices revoke ID --lost` on another one",
                    exitCode: 2)
            }
            try LostLaptop.respond(
                to: device, journal: journal, link: link, transport: transport, passphrase: passphrase,
                json: output.json, context: context)
            return
        }
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
        if !device.current {
            context.note(
                "If it was lost or stolen, its copy of the journal key still opens the server's copy: run "
                    + "`ally devices revoke \(device.deviceID.prefix(8)) --lost` to rotate the key and see what it held."
            )
        }
    }
}

/// `ally devices report ID`: what a (lost) laptop held.
struct DevicesReport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Show what a laptop held: its last sync, its entries, which look identifying.",
        discussion: """
            The exposure report of `ally devices revoke ID --lost`, again: when the laptop last synced, how far \
            it had read the account's log, every entry it held (title, date) and which of them the identifier guard \
            flags. Entries it wrote after its last sync never reached the server and cannot be listed.

            Examples:
              ally devices report 3fa2c9d1
              ally devices report 3fa2c9d1 --json
            """)
    @OptionGroup var journalOptions: JournalOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The device id, or a unique prefix of it, from `ally devices`.", completion: Completions.deviceIDs)
    var id: String

    func run() throws {
        let context = CLIContext.current
        let journal = try journalOptions.openExisting(in: context)
        let link = try SyncSupport.link(journal)
        let transport = try SyncSupport.transport(for: link)
        let device = try SyncSupport.device(matching: id, transport: transport, link: link)
        // What this laptop holds must be current to name what the other one held.
        _ = try? SyncEngine(journal: journal, transport: transport, link: link).sync()
        let report = try ExposureReport.make(
            deviceID: device.deviceID, journal: journal, transport: transport, link: link)
        try LostLaptop.print(report, rotation: nil, json: output.json, context: context)
    }
}

/// `ally devices revoke ID --lost` (SPEC §8.1).
enum LostLaptop {
    struct Output: Encodable {
        var revoked: String
        var rotation: KeyRotator.Report?
        var exposure: ExposureReport
    }

    static func respond(
        to device: Wire.Device, journal: Journal, link: AccountLink, transport: HTTPSyncTransport,
        passphrase: PassphraseOptions, json: Bool, context: CLIContext
    ) throws {
        let secret = try Secrets.read(
            "passphrase", file: passphrase.passphraseFile, variable: "ALLY_PASSPHRASE", context: context)
        // 1. No more requests from it.
        try transport.revoke(deviceID: device.deviceID, token: link.token)
        if !json { context.note("Revoked \(device.deviceID.prefix(8)) (\(device.name)): its token stops working now.") }
        // What this laptop holds must be current: the report is made from it, and the re-seal needs every key.
        var engine = SyncEngine(journal: journal, transport: transport, link: link)
        engine.passphrase = secret
        _ = try engine.sync()
        let report = try ExposureReport.make(
            deviceID: device.deviceID, journal: journal, transport: transport, link: engine.link)
        // 2–4. A new key the lost laptop cannot open, and the server's copy sealed again under it.
        let rotation = try KeyRotation.run(
            journal: journal, transport: transport, link: engine.link, passphrase: secret, fresh: true, json: json,
            context: context)
        try print(report, rotation: rotation, json: json, context: context)
    }

    static func print(_ report: ExposureReport, rotation: KeyRotator.Report?, json: Bool, context: CLIContext) throws {
        if json {
            context.print(
                try JSONOutput.string(Output(revoked: report.device, rotation: rotation, exposure: report)))
            return
        }
        if let rotation {
            context.print(
                "Journal key rotated to key \(rotation.keyID); \(plural(rotation.resealed, "envelope")) on the server "
                    + "sealed again under it. The lost laptop's key opens none of them.")
            if !rotation.needPassphrase.isEmpty {
                context.print(
                    "\(plural(rotation.needPassphrase.count, "other laptop")) will ask for the passphrase once at its "
                        + "next sync: " + rotation.needPassphrase.map { String($0.prefix(8)) }.joined(separator: ", "))
            }
        }
        context.print("")
        context.print("Exposure report for \(report.name) (\(report.device.prefix(8)))")
        context.print("  last synced  \(report.lastSeen)")
        context.print(
            "  held         \(plural(report.entries.filter { !$0.purgedSince }.count, "entry", "entries")), "
                + "\(plural(report.changes, "change")) (and whatever it wrote after its last sync)")
        let purged = report.entries.filter(\.purgedSince).count
        if purged > 0 {
            context.print("  purged since \(plural(purged, "entry", "entries")) whose text it still holds")
        }
        let flagged = report.entries.filter { !$0.identifiers.isEmpty }
        context.print("  identifiers  \(plural(flagged.count, "entry", "entries")) the guard flags")
        for item in report.entries {
            let date = item.occurredOn ?? String((item.createdAt ?? "").prefix(10))
            let title = item.purgedSince ? "(purged since)" : (item.title ?? item.kind ?? "")
            let flags = item.identifiers.isEmpty ? "" : "  ! " + item.identifiers.joined(separator: ", ")
            context.print(
                "  \(item.id.prefix(8))  \(date)  \(title.fitted(to: 50))\(item.trashed ? "  (trashed)" : "")\(flags)")
        }
    }
}

/// Runs a rotation with a progress bar on a terminal.
enum KeyRotation {
    static func run(
        journal: Journal, transport: HTTPSyncTransport, link: AccountLink, passphrase: String, fresh: Bool, json: Bool,
        context: CLIContext
    ) throws -> KeyRotator.Report {
        let recovery = context.environment["ALLY_RECOVERY_KEY"].flatMap(RecoveryKey.init(printed:))
        let rotator = KeyRotator(
            journal: journal, transport: transport, link: link, crashAt: context.environment["ALLY_TEST_CRASH_AT"])
        let showProgress = context.stderrIsTerminal && !json
        defer { if showProgress { context.noteInline("\r\u{1B}[K") } }
        return try rotator.rotate(passphrase: passphrase, recoveryKey: recovery, fresh: fresh) { progress in
            guard showProgress, case .resealing(let done, let total) = progress else { return }
            let width = 24
            let filled = total == 0 ? width : min(width, done * width / max(total, 1))
            context.noteInline(
                "\rsealing again [\(String(repeating: "#", count: filled))\(String(repeating: ".", count: width - filled))] \(done)/\(total)"
            )
        }
    }
}
