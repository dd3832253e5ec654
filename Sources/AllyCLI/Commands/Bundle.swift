import AllyCore
import AllyProtocol
import AllyStore
import AllySync
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

            A plain bundle holds your entries in clear. `--encrypt` seals it under a passphrase (scrypt and \
            ChaCha20-Poly1305); import recognises a sealed bundle and asks for the passphrase.

            Example (laptop A to laptop B and back):
              A$ ally bundle export --encrypt /media/usb/a.allybundle
              B$ ally bundle import /media/usb/a.allybundle
              B$ ally bundle export --encrypt /media/usb/b.allybundle
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
            Without --encrypt the file holds the journal's text in clear: keep it on media you control, and \
            delete it once imported. With --encrypt it is sealed under a bundle passphrase of at least 10 \
            characters, read from --passphrase-file, else $ALLY_BUNDLE_PASSPHRASE, else the terminal (twice). \
            The passphrase is not stored anywhere: the laptop that imports needs it too. '-' writes to \
            standard output.

            Examples:
              ally bundle export --encrypt /media/usb/laptop-a.allybundle
              ally bundle export /media/usb/laptop-a.allybundle        # in clear
            """)

    @OptionGroup var journalOptions: JournalOptions
    @OptionGroup var output: OutputOptions
    @Flag(help: "Seal the bundle under a passphrase.") var encrypt = false
    @OptionGroup var passphrase: BundlePassphrase
    @Argument(help: "The bundle file to write ('-' for standard output).") var file: String

    func validate() throws {
        if passphrase.passphraseFile != nil, !encrypt {
            throw ValidationError("--passphrase-file goes with --encrypt")
        }
    }

    struct Summary: Encodable {
        var file: String
        var changes: Int
        var device: String
        var encrypted: Bool
    }

    func run() throws {
        let context = CLIContext.current
        let journal = try journalOptions.openExisting(in: context)
        let changes = try journal.allChanges()
        var bytes = try ChangeBundle.encode(changes, from: journal.deviceID)
        if encrypt {
            bytes = try SealedBundle.seal(bytes, passphrase: try passphrase.read(forSealing: true, context: context))
        }
        try OutputFile.write(bytes, to: file, context: context)
        guard file != "-" else { return }
        let summary = Summary(file: file, changes: changes.count, device: journal.deviceID.short, encrypted: encrypt)
        if output.json {
            context.print(try JSONOutput.string(summary))
        } else {
            let sealed = encrypt ? ", sealed under your bundle passphrase" : ""
            context.print("Wrote \(changes.count) changes from device \(journal.deviceID.short) to \(file)\(sealed)")
            if !encrypt, context.stderrIsTerminal {
                context.note("This bundle holds your entries in clear; `--encrypt` seals it under a passphrase.")
            }
        }
    }
}

/// `ally bundle import FILE`.
struct BundleImport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Merge a bundle file's changes into this journal.",
        discussion: """
            The bundle is checked whole before anything is written: a truncated, damaged or altered file \
            (each change and the whole carry a SHA-256 digest) imports nothing. A change that contradicts the \
            copy this journal holds under the same id is held aside and reported, and everything else merges \
            (`ally check` lists it, `ally check --settle` keeps both). A sealed bundle (export --encrypt) needs \
            its passphrase: --passphrase-file, else $ALLY_BUNDLE_PASSPHRASE, else the terminal; a wrong one \
            imports nothing (exit 6). '-' reads standard input.

            Example:
              ally bundle import /media/usb/laptop-b.allybundle && ally conflicts
            """)

    @OptionGroup var journalOptions: JournalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var passphrase: BundlePassphrase
    @Argument(help: "The bundle file to read ('-' for standard input).") var file: String

    struct Summary: Encodable {
        var from: String
        var inserted: Int
        var duplicates: Int
        var entries: Int
        var conflicts: Int
        var clockAhead: [String: String]
        var waiting: Int
        var differing: [String]
        /// Changes this version cannot apply (from a newer ally, or failing the checks), kept aside.
        var unreadable: Int
        /// Set when this journal moved to a new device id because another copy of it wrote under its id.
        var fork: Journal.Fork?
        /// Purges and redactions new to this journal, and stored changes replaced by stubs or redacted copies
        /// (SPEC §2.3); the journal's files were rewritten after them.
        var erasures: Int
        var changesErased: Int
        /// Entries this import brought in or changed that look like they hold patient identifiers (full ids).
        var identifierEntries: [String]
    }

    func run() throws {
        let context = CLIContext.current
        var data = try InputFile.read(file, context: context)
        if SealedBundle.isSealed(data) {
            let secret = try passphrase.read(forSealing: false, context: context)
            do {
                data = try SealedBundle.open(data, passphrase: secret)
            } catch .wrongPassphraseOrDamaged {
                throw CLIError(
                    "\(file): \(SealedBundle.Failure.wrongPassphraseOrDamaged); nothing was imported", exitCode: 6)
            } catch {
                throw CLIError("\(file): \(error); nothing was imported", exitCode: 2)
            }
        }
        let bundle: (device: DeviceID, changes: [Change], unreadable: [(refusal: ReceivedChange.Refusal, json: String)])
        do {
            bundle = try ChangeBundle.decodeKeepingUnreadable(data)
        } catch let error as ChangeBundle.FormatError {
            throw CLIError("\(file): \(error.description); nothing was imported", exitCode: 2)
        }
        let journal = try journalOptions.openOrCreate(in: context)
        let outcome = try journal.apply(bundle.changes, unreadable: bundle.unreadable)
        let fork = try journal.resolveFork(otherIsAccepted: false)
        if outcome.erased > 0 || !outcome.erasures.isEmpty { try journal.scrubIfNeeded() }
        let flagged = try outcome.touchedEntries.filter { try SyncEngine.looksIdentifying($0, in: journal) }
        try journal.noteIdentifierEntries(
            adding: flagged, stillFlagged: { try SyncEngine.looksIdentifying($0, in: journal) })
        var differing = outcome.differing.map(\.description)
        if let fork { differing.removeAll { $0.hasPrefix(fork.formerDeviceID.rawValue + ".") } }
        let summary = Summary(
            from: bundle.device.short, inserted: outcome.inserted + (fork?.merged ?? 0), duplicates: outcome.duplicates,
            entries: outcome.entriesTouched, conflicts: try journal.conflicts().count,
            clockAhead: outcome.clockAheadStamps, waiting: outcome.waiting, differing: differing,
            unreadable: bundle.unreadable.count, fork: fork, erasures: outcome.erasures.count,
            changesErased: outcome.erased, identifierEntries: flagged.map(\.rawValue))
        SyncSupport.warnClockAhead(summary.clockAhead, context: context)
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
        if summary.erasures > 0 || summary.changesErased > 0 {
            context.print(
                "Applied \(plural(summary.erasures, "purge or redaction", "purges and redactions")): "
                    + "\(plural(summary.changesErased, "stored change")) replaced by stubs or redacted copies; "
                    + "nothing erased remains in this journal's files")
        }
        if !flagged.isEmpty {
            context.note(
                "\(plural(flagged.count, "entry", "entries")) from device \(bundle.device.short) "
                    + "\(flagged.count == 1 ? "looks" : "look") like \(flagged.count == 1 ? "it holds" : "they hold") "
                    + "patient identifiers: `ally scan`")
        }
        if summary.waiting > 0 {
            context.print(
                "\(plural(summary.waiting, "change waits", "changes wait")) for earlier changes from the same laptop "
                    + "(a bundle that skipped some); they apply once those arrive")
        }
        if let fork {
            SyncSupport.noteFork(fork, context: context)
        }
        if summary.unreadable > 0 {
            context.print(
                "\(plural(summary.unreadable, "change")) cannot be applied by this version (from a newer ally, or "
                    + "damaged); kept aside, everything else merged: see `ally check`")
        }
        if !summary.differing.isEmpty {
            context.print(
                "\(plural(summary.differing.count, "change differs", "changes differ")) from this journal's copy under "
                    + "the same id (two copies of one journal?); held aside, everything else merged: see `ally check`")
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

/// `--passphrase-file` for sealed bundles, and where their passphrase comes from.
struct BundlePassphrase: ParsableArguments {
    @Option(
        name: .customLong("passphrase-file"),
        help:
            "Read the bundle passphrase from the first line of this file (else $ALLY_BUNDLE_PASSPHRASE, else the terminal)."
    )
    var passphraseFile: String?

    /// The passphrase: a new one for sealing (asked twice on a terminal, 10 characters or more), or the one a
    /// sealed bundle was made with.
    func read(forSealing: Bool, context: CLIContext) throws -> String {
        try Secrets.read(
            "bundle passphrase", file: passphraseFile, variable: "ALLY_BUNDLE_PASSPHRASE", confirm: forSealing,
            minimumLength: forSealing ? 10 : 0, context: context)
    }
}
