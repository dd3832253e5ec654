import AllyCore
import AllyStore
import ArgumentParser
import Foundation

/// `ally export`: the whole journal as JSON or Markdown.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export the journal as JSON (for backups and `ally import`) or Markdown (for reading).",
        discussion: """
            JSON holds every entry, the trash included, with every field (docs/JSON.md); `ally import` reads it \
            back with nothing lost. Markdown holds the entries not in the trash, newest first. Without \
            --output, writes to standard output. The file is written whole or not at all, readable only by you.

            Examples:
              ally export --format json --output ~/ally-backup.json
              ally export --format markdown > journal.md
              ally export --format markdown --redact --output portfolio.md
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case json, markdown }

    @OptionGroup var journalOptions: JournalOptions
    @Option(help: "json or markdown.") var format: Format = .json
    @Option(help: "Write to this file instead of standard output.") var output: String?
    @Flag(
        help:
            "Replace patient identifiers and colleagues' names with [redacted] and [colleague], for a supervisor or a CPD/CME portfolio."
    )
    var redact = false

    /// The entry with identifiers and colleagues' names replaced in its title, body and conflict texts.
    static func redacted(_ entry: Entry) -> Entry {
        func clean(_ text: String) -> String { ColleagueNames.redact(IdentifierScanner.redact(text)) }
        var entry = entry
        entry.title = entry.title.map(clean)
        entry.body = clean(entry.body)
        if var conflict = entry.conflict {
            conflict.bodyVersions = conflict.bodyVersions.map { version in
                var version = version
                version.text = clean(version.text)
                return version
            }
            entry.conflict = conflict
        }
        return entry
    }

    struct Document: Codable {
        var format: String
        var version: Int
        var exportedAt: String
        var entries: [Entry]
    }

    func run() throws {
        let context = CLIContext.current
        let journal = try journalOptions.openExisting(in: context)
        var query = EntryQuery()
        var entries = try journal.entries(matching: query)
        let data: Data
        let showProgress = context.stderrIsTerminal && output != nil
        if showProgress { context.noteInline("exporting…") }
        defer { if showProgress { context.noteInline("\r\u{1B}[K") } }
        switch format {
        case .json:
            query.trashed = true
            entries += try journal.entries(matching: query)
            if redact { entries = entries.map(Self.redacted) }
            let document = Document(
                format: "ally-export", version: 1, exportedAt: ISOTimestamp.format(context.clock()), entries: entries)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            data = try encoder.encode(document) + Data("\n".utf8)
        case .markdown:
            data = Data(MarkdownExport.render(redact ? entries.map(Self.redacted) : entries).utf8)
        }
        try OutputFile.write(data, to: output, context: context)
        if let output { context.note("Exported \(entries.count) entries to \(output)") }
    }
}

/// Writing a command's output file: atomically, readable by the owner only; or to standard output.
enum OutputFile {
    static func write(_ data: Data, to path: String?, context: CLIContext) throws {
        guard let path, path != "-" else {
            context.write(String(decoding: data, as: UTF8.self))
            return
        }
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(
            ".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        do {
            guard
                FileManager.default.createFile(
                    atPath: temporary.path, contents: data, attributes: [.posixPermissions: 0o600])
            else { throw CLIError("cannot write \(path): check that its folder exists and is writable") }
            if FileManager.default.fileExists(atPath: url.path) {
                _ = try FileManager.default.replaceItemAt(url, withItemAt: temporary)
            } else {
                try FileManager.default.moveItem(at: temporary, to: url)
            }
        } catch let error as CLIError {
            throw error
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw CLIError("cannot write \(path): \(error.localizedDescription)")
        }
    }
}

/// The Markdown form of entries.
enum MarkdownExport {
    static func render(_ entries: [Entry]) -> String {
        var out = "# Allyship journal\n"
        for entry in entries {
            out += "\n## \(entry.occurredOn?.description ?? "undated") · \(entry.kind.rawValue)"
            out += entry.title.map { " · \($0)" } ?? ""
            out += "\n\n"
            var facts: [String] = []
            if !entry.themes.isEmpty { facts.append("Themes: \(entry.themes.map(\.rawValue).joined(separator: ", "))") }
            if let level = entry.level { facts.append("Level: \(level.rawValue)") }
            if !entry.tags.isEmpty { facts.append("Tags: \(entry.tags.map { "#" + $0 }.joined(separator: " "))") }
            if let status = entry.status { facts.append("Status: \(status.rawValue)") }
            if let due = entry.due { facts.append("Due: \(due)") }
            if let minutes = entry.minutes { facts.append("Minutes: \(minutes)") }
            if let pledge = entry.pledge { facts.append("Pledge: \(pledge.rawValue)") }
            if entry.hasConflict { facts.append("Conflict: yes (both versions below)") }
            facts.append("Id: \(entry.id)")
            out += facts.map { "- " + $0 }.joined(separator: "\n") + "\n\n"
            out += entry.body + "\n"
        }
        return out
    }
}
