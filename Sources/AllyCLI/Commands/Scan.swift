import AllyCore
import AllyStore
import ArgumentParser

/// `ally scan`: entries that still contain what looks like patient identifiers.
struct Scan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Report every entry whose text still looks like it holds patient identifiers.",
        discussion: """
            Checks titles and bodies of every entry (the trash included, marked) for record numbers, dates of \
            birth, phone and fax numbers, emails, addresses, national id, plan, licence, certificate and serial \
            numbers, plates, ages over 89, beds and rooms, and similar identifiers; and for sentences that combine \
            three or more details about one person (age, sex, bed or ward, condition, date), which together can \
            identify a patient. Exits 0 when nothing is found and 1 when something is, so a script can use it.

            With --history, every stored version is checked — earlier body versions, titles and tags that `ally \
            edit` replaced but the history keeps — and each hit suggests `ally redact ID --phi`, which takes them \
            out of every version on every laptop. Fix the current text alone with `ally edit ID --redact-phi`.

            Examples:
              ally scan
              ally scan --history
              ally scan --json
            """)

    @OptionGroup var journalOptions: JournalOptions
    @OptionGroup var output: OutputOptions
    @Flag(name: .long, help: "Check every stored version of every entry, not just the current text.")
    var history = false

    struct Finding: Encodable {
        var id: EntryID
        var headline: String
        var trashed: Bool
        var matches: [IdentifierScanner.Match]
        /// Sentences that combine three or more details about one person.
        var combinations: [QuasiIdentifiers.Finding]
        /// With --history: how many stored versions (changes) hold a match, and what to run.
        var versions: Int?
        var fix: String
    }

    func run() throws {
        let context = CLIContext.current
        let journal = try journalOptions.openExisting(in: context)
        var query = EntryQuery()
        var entries = try journal.entries(matching: query)
        query.trashed = true
        entries += try journal.entries(matching: query)
        let ids = try journal.shortIDs(for: entries.map(\.id))
        var findings: [Finding] = []
        for entry in entries {
            let short = ids[entry.id] ?? entry.id.rawValue
            let current = (entry.title ?? "") + "\n" + entry.body
            var matches = IdentifierScanner.scan(current)
            let combinations = QuasiIdentifiers.scan(current)
            var versions: Int?
            if history {
                var seen = Set(matches.map(\.text))
                var holding = 0
                for change in try journal.changes(for: entry.id) {
                    let found = HistoryScan.texts(of: change).flatMap(IdentifierScanner.scan)
                    if !found.isEmpty { holding += 1 }
                    for match in found where seen.insert(match.text).inserted { matches.append(match) }
                }
                versions = holding
            }
            guard !matches.isEmpty || !combinations.isEmpty else { continue }
            findings.append(
                Finding(
                    id: entry.id, headline: entry.headline, trashed: entry.isTrashed, matches: matches,
                    combinations: combinations, versions: versions,
                    fix: history ? "ally redact \(short) --phi" : "ally edit \(short) --redact-phi"))
        }
        if output.json {
            context.print(try JSONOutput.string(findings))
        } else if findings.isEmpty {
            context.print(
                "No entry looks like it holds patient identifiers (\(plural(entries.count, "entry", "entries")) checked"
                    + (history ? ", every stored version)" : ")"))
        } else {
            let style = Style(enabled: context.usesColour)
            for finding in findings {
                context.print(
                    "\(style.id(ids[finding.id] ?? finding.id.rawValue))  \(finding.headline.fitted(to: 50))\(finding.trashed ? "  (trashed)" : "")"
                )
                for match in finding.matches {
                    context.print("          \(style.warning(match.text))  \(style.dim(match.kind.rawValue))")
                }
                for combination in finding.combinations {
                    context.print(
                        "          \(style.warning(String(combination.sentence.prefix(70))))  "
                            + style.dim("combines " + combination.details.keys.sorted().joined(separator: ", ")))
                }
                if let versions = finding.versions, versions > 0 {
                    context.print(
                        "          " + style.dim("in \(plural(versions, "stored version")); fix: \(finding.fix)"))
                }
            }
            context.note(
                "\(plural(findings.count, "entry", "entries")) may identify a patient; "
                    + (history
                        ? "`ally redact ID --phi` takes identifiers out of every version, everywhere"
                        : "see `ally edit ID --redact-phi`, and `ally scan --history` for earlier versions"))
        }
        if !findings.isEmpty { throw ExitCode(1) }
    }
}
