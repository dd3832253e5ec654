import AllyCore
import AllyProtocol
import AllyStore
import AllySync
import ArgumentParser
import Foundation

/// `ally purge ID`: destroy an entry and its whole history everywhere; `ally purge --status`: the receipt.
struct Purge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge",
        abstract: "Destroy an entry and its whole history on every laptop and on the server.",
        discussion: """
            Unlike `ally trash`, which only hides an entry, a purge destroys it: every version of its text, its \
            title, tags, links and search words, here at once and on every other laptop at its next sync or \
            bundle import. What remains is a stub per change (its id and time, no content) so that sync knows \
            the changes existed. The journal file is rewritten so that no byte of the text remains in it; the \
            server's copies are replaced at the next `ally sync`. A copy made before the purge (a bundle file, a \
            backup of a laptop) cannot be reached: see docs/PRIVACY.md. A purge cannot be undone.

            `ally purge --status` is the receipt: for each purge and redaction, which laptops have applied it \
            (and when they last synced) and whether the server's copy is replaced. It asks the server; offline \
            it shows what this laptop knows.

            Examples:
              ally purge 3fa2c9d1
              ally purge 3fa2c9d1 --yes --json
              ally sync && ally purge --status
            """)

    @OptionGroup var journalOptions: JournalOptions
    @OptionGroup var output: OutputOptions
    @Flag(name: .long, help: "Show which laptops have applied each purge and redaction, and the server's copy.")
    var status = false
    @Flag(name: .shortAndLong, help: "Do not ask for confirmation (for scripts).") var yes = false
    @Argument(help: "The entry's id or a unique prefix (4+ hex digits).", completion: Completions.entryIDs) var id:
        String?

    func validate() throws {
        if !status, id == nil { throw ValidationError("give the id of the entry to purge (or --status)") }
    }

    struct Purged: Encodable {
        var entry: String
        var purge: String
        var changesReplaced: Int
        var fileRewritten: Bool
    }

    func run() throws {
        let context = CLIContext.current
        let journal = try journalOptions.openExisting(in: context)
        if status {
            try ErasureStatus.show(journal: journal, id: id, json: output.json, context: context)
            return
        }
        guard let id else { return }
        let entryID = try journal.resolveID(id)
        guard let entry = try journal.entry(entryID) else { throw JournalError(.unknownEntry, "no entry \(id)") }
        if !yes {
            guard context.stdinIsTerminal else {
                throw CLIError(
                    "purging destroys the entry everywhere and cannot be undone: add --yes to confirm; nothing was "
                        + "written", exitCode: 2)
            }
            context.note("Purge \(entry.kind.rawValue) \(entryID.rawValue.prefix(8)): \(entry.headline)")
            context.note("Every version of it is destroyed on every laptop and on the server. This cannot be undone.")
            let answer = context.ask("Type 'purge' to go ahead: ")?.trimmingCharacters(in: .whitespaces).lowercased()
            guard answer == "purge" else {
                context.note("Nothing was purged.")
                throw ExitCode(1)
            }
        }
        let result = try journal.purge(entryID)
        let purged = Purged(
            entry: entryID.rawValue, purge: result.change.description, changesReplaced: result.replaced,
            fileRewritten: result.scrubbed)
        if output.json {
            context.print(try JSONOutput.string(purged))
            return
        }
        context.print(
            "Purged \(entry.kind.rawValue) \(entryID.rawValue.prefix(8)): \(plural(result.replaced, "change")) "
                + "replaced by stubs; nothing of its text remains in this journal's files")
        ErasureStatus.nextSteps(journal: journal, context: context)
    }
}

/// `ally redact ID --text …`: take strings out of every version of an entry, everywhere.
struct Redact: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redact",
        abstract: "Replace a detail by [redacted] in every version of an entry, on every laptop and the server.",
        discussion: """
            `ally edit --redact-phi` only writes a new version; the old ones keep the detail. `ally redact` \
            rewrites the entry's history: every occurrence of each --text (ignoring case) in every body version, \
            title and tag becomes [redacted], here at once and on every other laptop at its next sync. With \
            --phi, every identifier the guard finds in any version (`ally scan --history`) is taken out. The \
            strings themselves are never stored or sent. Give --text - to read one string per line from standard \
            input, so that the detail does not stay in your shell history.

            Examples:
              ally redact 3fa2c9d1 --phi
              ally redact 3fa2c9d1 --text "Mrs Jones" --text 4857773456
              printf '%s\\n' "Mrs Jones" | ally redact 3fa2c9d1 --text -
            """)

    @OptionGroup var journalOptions: JournalOptions
    @OptionGroup var output: OutputOptions
    @Option(name: .long, help: "A string to take out (repeatable; '-' reads one per line from standard input).")
    var text: [String] = []
    @Flag(name: .long, help: "Take out every identifier the guard finds in any version of the entry.") var phi = false
    @Argument(help: "The entry's id or a unique prefix (4+ hex digits).", completion: Completions.entryIDs) var id:
        String

    func validate() throws {
        if text.isEmpty, !phi { throw ValidationError("say what to take out: --text STRING (repeatable) or --phi") }
        if text.contains(where: { $0.isEmpty }) { throw ValidationError("--text needs a non-empty string") }
    }

    struct Redacted: Encodable {
        var entry: String
        var redaction: String
        var changesRedacted: Int
        var stringsTakenOut: Int
        var fileRewritten: Bool
    }

    func run() throws {
        let context = CLIContext.current
        let journal = try journalOptions.openExisting(in: context)
        let entryID = try journal.resolveID(id)
        var strings: [String] = []
        for item in text {
            if item == "-" {
                let input = String(decoding: context.readAllInput(), as: UTF8.self)
                strings += input.split(whereSeparator: \.isNewline).map(String.init).filter {
                    !$0.trimmingCharacters(in: .whitespaces).isEmpty
                }
            } else {
                strings.append(item)
            }
        }
        if phi {
            for change in try journal.changes(for: entryID) {
                for text in HistoryScan.texts(of: change) {
                    strings += IdentifierScanner.scan(text).map(\.text)
                }
            }
            if strings.isEmpty {
                throw CLIError(
                    "no version of entry \(entryID.rawValue.prefix(8)) looks like it holds an identifier; nothing was "
                        + "written (give --text for anything else)", exitCode: 1)
            }
        }
        let distinct = Array(Set(strings))
        let result = try journal.redact(entryID, strings: distinct, identifiers: phi)
        if output.json {
            context.print(
                try JSONOutput.string(
                    Redacted(
                        entry: entryID.rawValue, redaction: result.change.description, changesRedacted: result.replaced,
                        stringsTakenOut: distinct.count, fileRewritten: result.scrubbed)))
            return
        }
        context.print(
            "Redacted \(plural(result.replaced, "change")) of entry \(entryID.rawValue.prefix(8)) "
                + "(\(plural(distinct.count, "string")) taken out of every version); nothing of them remains in this "
                + "journal's files")
        ErasureStatus.nextSteps(journal: journal, context: context)
    }
}

/// The text an identifier scan reads in one stored change: a title, a tag, a body version.
enum HistoryScan {
    static func texts(of change: Change) -> [String] {
        switch change.operation {
        case .set(.title, let value?): [value]
        case .add(.tags, let element), .remove(.tags, let element, _): [element]
        case .editBody(let text, _): [text]
        default: []
        }
    }
}

/// `ally purge --status`: the receipt.
enum ErasureStatus {
    struct Laptop: Encodable {
        var device: String
        var name: String
        var applied: Bool
        var lastSeen: String?
        var revoked: Bool
    }

    struct Item: Encodable {
        var kind: String
        var entry: String
        var change: String
        var writtenAt: String
        /// Of the changes it replaced, how many this laptop knows the server holds in replaced form.
        var serverReplaced: Int
        var changesReplaced: Int
        var serverCopyReplaced: Bool
        /// Nil when the server could not be asked (offline, or not linked).
        var laptops: [Laptop]?
    }

    struct Report: Encodable {
        var erasures: [Item]
        var serverAsked: Bool
        var serverProblem: String?
    }

    static func nextSteps(journal: Journal, context: CLIContext) {
        if (try? AccountLink.load(from: journal)) != nil {
            context.note(
                "Run `ally sync` to replace the server's copy and reach your other laptops; `ally purge --status` "
                    + "shows which have applied it.")
        }
    }

    static func show(journal: Journal, id: String?, json: Bool, context: CLIContext) throws {
        var records = try journal.erasures()
        if let id {
            let prefix = id.lowercased()
            guard prefix.count >= 4, prefix.allSatisfy(\.isHexDigit) else {
                throw JournalError(.invalidInput, "'\(id)' is not an entry id (give 4 to 32 hex digits)")
            }
            records = records.filter { $0.entryID.rawValue.hasPrefix(prefix) }
            if records.isEmpty {
                throw JournalError(.unknownEntry, "no purge or redaction of an entry starting with '\(prefix)'")
            }
        }
        var devices: [Wire.Device]?
        var problem: String?
        if let link = try AccountLink.load(from: journal) {
            do {
                devices = try SyncSupport.transport(for: link).devices(token: link.token).devices
            } catch let error as SyncError {
                problem = error.message
            }
        } else {
            problem = "this journal is not linked to a server"
        }
        let items = records.map { record -> Item in
            let laptops = devices?.map { device -> Laptop in
                let pulled = device.pulledTo.flatMap { Int64($0) } ?? 0
                let applied =
                    device.deviceID == journal.deviceID.rawValue
                    || record.change.deviceID.rawValue == device.deviceID
                    || (record.serverPosition.map { pulled >= $0 } ?? false)
                return Laptop(
                    device: device.deviceID, name: device.name, applied: applied, lastSeen: device.lastSeenAt,
                    revoked: device.revoked)
            }
            return Item(
                kind: record.kind.rawValue, entry: record.entryID.rawValue, change: record.change.description,
                writtenAt: ISOTimestamp.format(record.writtenAt), serverReplaced: record.onServer,
                changesReplaced: record.replacedChanges,
                serverCopyReplaced: record.onServer == record.replacedChanges && record.serverPosition != nil,
                laptops: laptops)
        }
        if json {
            context.print(
                try JSONOutput.string(Report(erasures: items, serverAsked: devices != nil, serverProblem: problem)))
            return
        }
        guard !items.isEmpty else {
            context.print("No entry has been purged or redacted in this journal")
            return
        }
        let style = Style(enabled: context.usesColour)
        for item in items {
            let verb = item.kind == "purge" ? "Purged" : "Redacted"
            context.print(
                "\(verb) \(style.id(String(item.entry.prefix(8)))) on \(item.writtenAt) (change \(item.change))")
            if item.serverCopyReplaced {
                context.print("  server: every copy replaced (\(plural(item.changesReplaced, "change")))")
            } else {
                context.print(
                    "  server: \(item.serverReplaced) of \(plural(item.changesReplaced, "change")) replaced so far; "
                        + "run `ally sync`")
            }
            for laptop in item.laptops ?? [] where !laptop.revoked {
                let mark = laptop.applied ? style.dim("applied") : style.warning("not yet")
                context.print(
                    "  \(laptop.name) (\(laptop.device.prefix(8))): \(mark), last seen \(laptop.lastSeen ?? "never")")
            }
        }
        if let problem { context.note("The server was not asked (\(problem)): laptops are not listed.") }
    }
}
