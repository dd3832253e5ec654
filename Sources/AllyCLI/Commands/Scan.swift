import AllyCore
import AllyStore
import ArgumentParser

/// `ally scan`: entries that still contain what looks like patient identifiers.
struct Scan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Report every entry whose text still looks like it holds patient identifiers.",
        discussion: """
            Checks titles and bodies of every entry (the trash included, marked) for record numbers, dates of \
            birth, phone and fax numbers, emails, addresses, national id numbers, ages over 89, room or bed \
            numbers next to a name, and similar identifiers. Exits 0 when nothing is found and 1 when something \
            is, so a script can use it. Fix an entry with `ally edit ID --body … --redact-phi`.

            Examples:
              ally scan
              ally scan --json
            """)

    @OptionGroup var journalOptions: JournalOptions
    @OptionGroup var output: OutputOptions

    struct Finding: Encodable {
        var id: EntryID
        var headline: String
        var trashed: Bool
        var matches: [IdentifierScanner.Match]
    }

    func run() throws {
        let context = CLIContext.current
        let journal = try journalOptions.openExisting(in: context)
        var query = EntryQuery()
        var entries = try journal.entries(matching: query)
        query.trashed = true
        entries += try journal.entries(matching: query)
        let findings = entries.compactMap { entry -> Finding? in
            let matches = IdentifierScanner.scan((entry.title ?? "") + "\n" + entry.body)
            return matches.isEmpty
                ? nil : Finding(id: entry.id, headline: entry.headline, trashed: entry.isTrashed, matches: matches)
        }
        if output.json {
            context.print(try JSONOutput.string(findings))
        } else if findings.isEmpty {
            context.print(
                "No entry looks like it holds patient identifiers (\(plural(entries.count, "entry", "entries")) checked)"
            )
        } else {
            let ids = try journal.shortIDs(for: findings.map(\.id))
            let style = Style(enabled: context.usesColour)
            for finding in findings {
                context.print(
                    "\(style.id(ids[finding.id] ?? finding.id.rawValue))  \(finding.headline.fitted(to: 50))\(finding.trashed ? "  (trashed)" : "")"
                )
                for match in finding.matches {
                    context.print("          \(style.warning(match.text))  \(style.dim(match.kind.rawValue))")
                }
            }
            context.note(
                "\(plural(findings.count, "entry", "entries")) may identify a patient; see `ally edit ID --redact-phi`")
        }
        if !findings.isEmpty { throw ExitCode(1) }
    }
}
