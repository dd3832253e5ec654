import Foundation
import AllyCore
import AllyStore
import ArgumentParser

/// `ally resolve ID`: settle a conflict.
struct Resolve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Settle a conflict: choose or write the body, keep or discard a trashed entry.",
        discussion: """
            A body conflict: with no option, your editor opens on the merge with both versions between \
            <<<<<<< and >>>>>>> markers; remove the markers and save. Or take one version whole with --take \
            (mine, theirs, a laptop's name, or a version name `ally show` lists, such as 3fa2c9d1.17), or give the text with --body. The result is a \
            new version made from every conflicting one, so it wins on every laptop after the next exchange.

            A trash conflict (trashed on one laptop while edited on another): --keep restores the entry, \
            --discard trashes it again.

            Examples:
              ally resolve 3fa2
              ally resolve 3fa2 --take 3fa2c9d1.17
              ally resolve 3fa2 --body - < settled.md
              ally resolve 3fa2 --keep
            """)

    @OptionGroup var journalOptions: JournalOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The entry's id or a unique prefix (4+ hex digits).", completion: Completions.entryIDs) var id:
        String
    @Option(help: "The settled body text; '-' reads standard input.") var body: String?
    @Option(help: "Take one version whole: mine, theirs, a laptop's name, or a version from `ally show`.")
    var take: String?
    @Flag(help: "For a trash conflict: keep the entry (restore it).") var keep = false
    @Flag(help: "For a trash conflict: trash the entry after all.") var discard = false

    func validate() throws {
        if body != nil, take != nil { throw ValidationError("give --body or --take, not both") }
        if keep, discard { throw ValidationError("give --keep or --discard, not both") }
    }

    func run() throws {
        let context = CLIContext.current
        let journal = try journalOptions.openExisting(in: context)
        let entryID = try journal.resolveID(id)
        guard let entry = try journal.entry(entryID) else { throw CLIError("no entry \(id)", exitCode: 3) }
        guard let conflict = entry.conflict else {
            throw CLIError("entry \(id) has no conflict to resolve", exitCode: 5)
        }
        if conflict.bodyVersions.isEmpty, body != nil || take != nil {
            throw CLIError("entry \(id) has no body conflict; use --keep or --discard", exitCode: 5)
        }
        if conflict.trash == nil, keep || discard {
            throw CLIError("entry \(id) has no trash conflict; --keep and --discard do not apply", exitCode: 5)
        }
        if conflict.trash != nil, !keep, !discard {
            throw CLIError(
                "entry \(id) was trashed on one laptop while edited on another; add --keep to restore it or "
                    + "--discard to trash it", exitCode: 2)
        }
        var result = entry
        if !conflict.bodyVersions.isEmpty {
            let text = try settledText(entry: entry, conflict: conflict, journal: journal, context: context)
            var patch = EntryPatch()
            patch.body = text
            // The settled text is made from the versions shown; one that arrived meanwhile stays a head (§4.3).
            patch.bodyBase = EntryPatch.BodyBase(parents: conflict.bodyVersions.map(\.id), text: entry.body)
            result = try journal.update(entryID, patch: patch)
        }
        if keep { result = try journal.restore(entryID) }
        if discard { result = try journal.trash(entryID) }
        if output.json {
            context.print(try JSONOutput.string(result))
        } else {
            let renderer = try EntryRenderer(journal: journal, entries: [result], context: context)
            context.print("Resolved: " + renderer.line(result))
        }
    }

    func settledText(entry: Entry, conflict: Conflict, journal: Journal, context: CLIContext) throws -> String {
        if let take {
            let humane = Humane(context: context, journal: journal)
            let wanted = take.lowercased()
            let newestFirst = conflict.bodyVersions.sorted { $0.at > $1.at }
            let version: BodyVersion?
            switch wanted {
            case "mine":
                version = newestFirst.first { $0.id.deviceID == journal.deviceID }
            case "theirs":
                let others = newestFirst.filter { $0.id.deviceID != journal.deviceID }
                guard Set(others.map(\.id.deviceID)).count <= 1 else {
                    throw CLIError(
                        "--take theirs: the other versions come from several laptops; name one: "
                            + Set(others.map { humane.laptop($0.id.deviceID) }).sorted().joined(separator: ", "),
                        exitCode: 2)
                }
                version = others.first
            default:
                version = newestFirst.first {
                    $0.id.short == wanted || $0.id.description == wanted
                        || humane.laptop($0.id.deviceID).lowercased() == wanted || $0.id.deviceID.short == wanted
                }
            }
            guard let version else {
                let names = conflict.bodyVersions.map { "\($0.id.short) (\(humane.laptop($0.id.deviceID)))" }
                throw CLIError(
                    "--take \(Quoted(take)) names none of the conflicting versions; use mine, theirs, a laptop's name or "
                        + "one of: \(names.joined(separator: ", "))", exitCode: 2)
            }
            return version.text
        }
        let text: String
        if let body {
            text = try Parse.text(body, context: context).trimmingCharacters(in: .newlines)
        } else {
            guard context.stdinIsTerminal else {
                throw CLIError(
                    "give --take VERSION or --body TEXT (standard input is not a terminal, so no editor)", exitCode: 2)
            }
            let lines =
                ["Resolve the conflict: keep what you want, remove the <<<<<<< ======= >>>>>>> lines."]
                + conflict.bodyVersions.map { "version \($0.id.short) from device \($0.id.deviceID.short)" }
            text = try Editor.edit(entry.body + Editor.instructions(lines), context: context)
        }
        if Self.hasMarkers(text) {
            throw CLIError(
                "the text still has conflict markers (<<<<<<<, =======, >>>>>>>); nothing was changed", exitCode: 2)
        }
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw CLIError("the settled body is empty; nothing was changed", exitCode: 2)
        }
        return text
    }

    static func hasMarkers(_ text: String) -> Bool {
        text.split(separator: "\n").contains { $0.hasPrefix("<<<<<<< ") || $0.hasPrefix(">>>>>>> ") || $0 == "=======" }
    }
}
