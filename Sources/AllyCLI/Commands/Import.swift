import AllyCore
import AllyStore
import ArgumentParser
import Foundation

/// `ally import FILE`: entries from an `ally export --format json` file or a jrnl JSON export.
struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import entries from an ally JSON export or a jrnl JSON export.",
        discussion: """
            The format is recognised from the file. An ally export comes back whole: ids, kinds, dates, fields, \
            links and trash state. Entries this journal already has (same id) are skipped, so importing the same \
            file twice adds nothing. From jrnl (`jrnl --export json`), each entry becomes a reflection with its \
            date, time, title, body and tags (a starred entry gets the tag "starred"). The import is one \
            transaction: a damaged file imports nothing.

            Every entry is checked for what looks like a patient's details, as `ally new` checks what you type. \
            On a terminal you are asked once for the whole import: redact them all, keep them, or abort. In \
            scripts the import is refused unless --redact-phi or --allow-phi says what to do (or allow_phi = \
            true in the config).

            Examples:
              ally import ~/ally-backup.json
              jrnl --export json > jrnl.json && ally import jrnl.json --redact-phi
            """)

    @OptionGroup var journalOptions: JournalOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var phi: PHIOptions
    @Argument(help: "The file to import; '-' reads standard input.") var file: String

    struct Summary: Encodable {
        var format: String
        var imported: Int
        var skipped: Int
        /// Entries whose identifiers were replaced by [redacted] (`--redact-phi`, or the answer on a terminal).
        var redacted: Int
        /// Entries imported with what looks like identifiers kept (`--allow-phi`, the config, or the answer).
        var keptIdentifiers: Int
    }

    func validate() throws {
        if phi.allowPHI, phi.redactPHI { throw ValidationError("give --allow-phi or --redact-phi, not both") }
    }

    struct JrnlExport: Decodable {
        struct Item: Decodable {
            var date: String
            var time: String?
            var title: String?
            var body: String?
            var tags: [String]?
            var starred: Bool?
        }
        var entries: [Item]
    }

    func run() throws {
        let context = CLIContext.current
        let data = try InputFile.read(file, context: context)
        guard String(data: data, encoding: .utf8) != nil else {
            throw CLIError("\(file) is not UTF-8 text; nothing was imported", exitCode: 2)
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw CLIError(
                "\(file) is not valid JSON (\(error.localizedDescription)); nothing was imported", exitCode: 2)
        }
        guard let top = object as? [String: Any] else {
            throw CLIError("\(file) is neither an ally export nor a jrnl export; nothing was imported", exitCode: 2)
        }
        // Read and check the whole file before touching (or creating) the journal: a refused file leaves no trace.
        let format: String
        var writes: [LocalWrite]
        if top["format"] as? String == "ally-export" {
            (format, writes) = ("ally", try readAlly(data))
        } else if top["entries"] is [Any] {
            (format, writes) = ("jrnl", try readJrnl(data, context: context))
        } else {
            throw CLIError("\(file) is neither an ally export nor a jrnl export; nothing was imported", exitCode: 2)
        }
        for (index, write) in writes.enumerated() {
            if let problem = write.problem {
                throw CLIError("entry \(index + 1) of \(file): \(problem); nothing was imported", exitCode: 2)
            }
        }
        let (redacted, kept) = try vetIdentifiers(&writes, context: context)
        let journal = try journalOptions.openOrCreate(in: context)
        let total = writes.count
        if format == "ally" { writes = try writes.filter { try journal.entry($0.entryID) == nil } }
        try Self.write(writes, to: journal, context: context)
        let summary = Summary(
            format: format, imported: writes.count, skipped: total - writes.count, redacted: redacted,
            keptIdentifiers: kept)
        if output.json {
            context.print(try JSONOutput.string(summary))
        } else {
            context.print(
                "Imported \(summary.imported) entries from the \(summary.format) export"
                    + (summary.skipped > 0 ? "; skipped \(summary.skipped) already in this journal" : ""))
            if summary.redacted > 0 {
                context.print(
                    "Replaced what looked like patient details with [redacted] in "
                        + plural(summary.redacted, "entry", "entries"))
            }
            if summary.keptIdentifiers > 0 {
                context.note(
                    "\(plural(summary.keptIdentifiers, "imported entry looks", "imported entries look")) like "
                        + "\(summary.keptIdentifiers == 1 ? "it holds" : "they hold") patient details: `ally scan`")
            }
        }
    }

    /// The identifier guard over the whole import (issue 12 §3), asked once: returns how many entries were redacted
    /// and how many kept what looks like identifiers. Throws (nothing imported) in a script without a flag, or when
    /// the user aborts.
    func vetIdentifiers(_ writes: inout [LocalWrite], context: CLIContext) throws -> (redacted: Int, kept: Int) {
        var flagged: [(index: Int, matches: [IdentifierScanner.Match])] = []
        for (index, write) in writes.enumerated() {
            let title = write.patch.scalars[.title] ?? nil
            let matches =
                IdentifierScanner.scan(title ?? "") + IdentifierScanner.scan(write.patch.body ?? "")
                + (write.patch.additions[.tags] ?? []).flatMap(IdentifierScanner.scan)
            if !matches.isEmpty { flagged.append((index, matches)) }
        }
        guard !flagged.isEmpty else { return (0, 0) }
        let config = try Config.load(in: context)
        var redact = phi.redactPHI
        if !redact, phi.allowPHI || config.allowPHI { return (0, flagged.count) }
        let listing = flagged.prefix(3).map { item in
            "entry \(item.index + 1): "
                + item.matches.prefix(2).map { "\"\($0.text)\" (\($0.kind.rawValue))" }.joined(
                    separator: ", ")
        }.joined(separator: "; ")
        let summary =
            "\(plural(flagged.count, "entry", "entries")) of \(file) look like they hold patient details "
            + "(\(listing)\(flagged.count > 3 ? "; …" : ""))"
        if !redact {
            guard context.stdinIsTerminal, file != "-" else {
                throw CLIError(
                    "\(summary); nothing was imported. Add --redact-phi to replace them with [redacted], or "
                        + "--allow-phi to keep them", exitCode: 2)
            }
            context.note(summary)
            asking: while true {
                switch context.ask("[r]edact them in every entry, [k]eep them, or [a]bort the import? ")?.lowercased()
                    .trimmingCharacters(in: .whitespaces)
                {
                case "r", "redact":
                    redact = true
                    break asking
                case "k", "keep": return (0, flagged.count)
                case "a", "abort", nil: throw CLIError("aborted; nothing was imported", exitCode: 1)
                default: continue
                }
            }
        }
        for item in flagged {
            var patch = writes[item.index].patch
            if let title = patch.scalars[.title] ?? nil { patch.scalars[.title] = IdentifierScanner.redact(title) }
            if let body = patch.body { patch.body = IdentifierScanner.redact(body) }
            if let tags = patch.additions[.tags] {
                patch.additions[.tags] = tags.map { IdentifierScanner.scan($0).isEmpty ? $0 : "[redacted]" }
            }
            writes[item.index].patch = patch
        }
        return (flagged.count, 0)
    }

    func readAlly(_ data: Data) throws -> [LocalWrite] {
        let document: Export.Document
        do {
            document = try JSONDecoder().decode(Export.Document.self, from: data)
        } catch {
            throw CLIError(
                "\(file) is a damaged ally export (\(Self.reason(error))); nothing was imported", exitCode: 2)
        }
        guard document.version <= 1 else {
            throw CLIError(
                "\(file) is an ally export of version \(document.version); this ally reads version 1", exitCode: 2)
        }
        var writes: [LocalWrite] = []
        var seen = Set<EntryID>()
        for entry in document.entries {
            guard seen.insert(entry.id).inserted else { continue }
            var patch = EntryPatch()
            patch.body = entry.body
            let scalars: [(ScalarField, String?)] = [
                (.title, entry.title), (.level, entry.level?.rawValue), (.occurredOn, entry.occurredOn?.description),
                (.due, entry.due?.description), (.status, entry.status?.rawValue),
                (.minutes, entry.minutes.map(String.init)), (.pledge, entry.pledge?.rawValue),
            ]
            for (field, value) in scalars where value != nil { patch.scalars[field] = value }
            patch.additions[.themes] = entry.themes.map(\.rawValue)
            patch.additions[.tags] = entry.tags
            patch.additions[.links] = entry.links.map(\.rawValue)
            writes.append(
                LocalWrite(
                    entryID: entry.id, kind: entry.kind, createdAt: entry.createdAt, patch: patch,
                    trash: entry.isTrashed))
        }
        return writes
    }

    func readJrnl(_ data: Data, context: CLIContext) throws -> [LocalWrite] {
        let export: JrnlExport
        do {
            export = try JSONDecoder().decode(JrnlExport.self, from: data)
        } catch {
            throw CLIError(
                "\(file) is a damaged jrnl export (\(Self.reason(error))); nothing was imported", exitCode: 2)
        }
        var writes: [LocalWrite] = []
        for (index, item) in export.entries.enumerated() {
            guard let date = LocalDate(iso: item.date) else {
                throw CLIError(
                    "entry \(index + 1) of \(file) has a bad date '\(item.date)'; nothing was imported", exitCode: 2)
            }
            var minutesOfDay = 0
            if let time = item.time {
                let parts = time.split(separator: ":").compactMap { Int($0) }
                if parts.count >= 2, (0..<24).contains(parts[0]), (0..<60).contains(parts[1]) {
                    minutesOfDay = parts[0] * 60 + parts[1]
                }
            }
            let createdAt =
                (Int64(date.dayNumber) * 86_400 + Int64(minutesOfDay * 60 - context.utcOffsetSeconds)) * 1000
            var patch = EntryPatch()
            if let title = item.title?.trimmingCharacters(in: .whitespacesAndNewlines), !title.isEmpty {
                patch.scalars[.title] = String(title.replacingOccurrences(of: "\n", with: " ").prefix(500))
            }
            patch.scalars[.occurredOn] = date.description
            patch.body = (item.body ?? "").trimmingCharacters(in: .newlines)
            var tags = (item.tags ?? []).map(Tag.normalized).filter(Tag.isValid)
            if item.starred == true { tags.append("starred") }
            patch.additions[.tags] = tags
            writes.append(LocalWrite(entryID: .random(), kind: .reflection, createdAt: createdAt, patch: patch))
        }
        return writes
    }

    /// Writes in one transaction, with a running count on a terminal (DESIGN.md §9) and nothing when piped.
    static func write(_ writes: [LocalWrite], to journal: Journal, context: CLIContext) throws {
        let showProgress = context.stderrIsTerminal && writes.count >= 500
        // The progress line ends before any message, a failure's included.
        defer { if showProgress { context.noteInline("\r\u{1B}[K") } }
        try journal.write(writes) { done in
            if showProgress { context.noteInline("\rimporting \(done)/\(writes.count) entries") }
        }
    }

    static func reason(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context): context.debugDescription
        case DecodingError.keyNotFound(let key, let context):
            "missing '\(key.stringValue)' at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "\(context.debugDescription) at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        default: error.localizedDescription
        }
    }
}

/// Reading a command's input file, or standard input for `-`.
enum InputFile {
    static func read(_ path: String, context: CLIContext) throws -> Data {
        if path == "-" { return context.readAllInput() }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CLIError("no file at \(path)", exitCode: 3)
        }
        guard !isDirectory.boolValue else { throw CLIError("\(path) is a folder, not a file", exitCode: 2) }
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int,
            size > ChangeBundle.maximumBytes
        {
            throw CLIError(
                "\(path) is larger than \(ChangeBundle.maximumBytes >> 20) MiB; nothing was read", exitCode: 2)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError("cannot read \(path) (check its permissions)")
        }
        return data
    }
}
