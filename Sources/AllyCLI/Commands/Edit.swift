import AllyCore
import AllyStore
import ArgumentParser
import Foundation

/// `ally edit ID`: change fields or the body of an entry.
struct Edit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Change an entry's fields or body.",
        discussion: """
            With field options, changes just those fields. With none, opens $VISUAL or $EDITOR on the current \
            body. Edits made here and on another laptop merge when the journals next meet: different fields and \
            non-overlapping body edits combine; overlapping body edits become a conflict (see `ally conflicts`).

            Examples:
              ally edit 3fa2 --add-tag rounds --remove-tag draft
              ally edit 3fa2 --status done
              ally edit 3fa2 --body - < revised.md
              ally edit 3fa2 --title ''        # removes the title
              ally edit 7c21 --status done --reflection "Read it; chapter 3 changed how I run handover."
            """)

    @OptionGroup var journalOptions: JournalOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The entry's id or a unique prefix (4+ hex digits).", completion: Completions.entryIDs) var id:
        String

    @Option(help: "A new title; '' removes it.") var title: String?
    @Option(help: "The new body text; '-' reads standard input.") var body: String?
    @Option(name: .customLong("add-tag"), help: "Add a tag (repeatable).") var addTags: [String] = []
    @Option(name: .customLong("remove-tag"), help: "Remove a tag (repeatable).") var removeTags: [String] = []
    @Option(name: .customLong("add-theme"), help: "Add a theme (repeatable).") var addThemes: [Theme] = []
    @Option(name: .customLong("remove-theme"), help: "Remove a theme (repeatable).") var removeThemes: [Theme] = []
    @Option(help: "The level: interpersonal, public or systemic.") var level: Level?
    @Option(
        name: .customLong("on"), help: "When it happened: YYYY-MM-DD, yesterday, '3 days ago', 'last friday', friday.")
    var occurredOn: String?
    @Option(help: "For a goal: the status, open, done or dropped.") var status: GoalStatus?
    @Option(help: "For a goal: the due date (friday means the coming one, 'in 2 weeks', 'end of month'…), or 'none'.")
    var due: String?
    @Option(help: "For an action: minutes spent.") var minutes: Int?
    @Option(help: "For an action: mentoring, shout-out or tell-leaders.") var pledge: PledgeCategory?
    @Option(name: .customLong("link"), help: "Link a related entry by id (repeatable).") var links: [String] = []
    @Option(name: .customLong("unlink"), help: "Remove a link (repeatable).") var unlinks: [String] = []
    @Option(
        name: .customLong("reflection"),
        help: "With --status done or dropped: a closing reflection, saved as a reflection linked to the goal.")
    var closingReflection: String?
    @OptionGroup var phi: PHIOptions

    var hasFieldOptions: Bool {
        title != nil || body != nil || !addTags.isEmpty || !removeTags.isEmpty || !addThemes.isEmpty
            || !removeThemes.isEmpty || level != nil || occurredOn != nil || status != nil || due != nil
            || minutes != nil || pledge != nil || !links.isEmpty || !unlinks.isEmpty || phi.redactPHI
    }

    func validate() throws {
        if closingReflection != nil, status == nil || status == .open {
            throw ValidationError("--reflection closes a goal: give it with --status done or --status dropped")
        }
        if phi.allowPHI, phi.redactPHI { throw ValidationError("give --allow-phi or --redact-phi, not both") }
        if let minutes, !(0...100_000).contains(minutes) {
            throw ValidationError("--minutes must be between 0 and 100000")
        }
        if let title, title.contains("\n") || title.count > 500 {
            throw ValidationError("--title must be one line of at most 500 characters")
        }
    }

    func run() throws {
        let context = CLIContext.current
        let journal = try journalOptions.openExisting(in: context)
        let entryID = try journal.resolveID(id)
        guard let entry = try journal.entry(entryID) else { throw CLIError("no entry \(id)", exitCode: 3) }
        if entry.isTrashed { throw CLIError("entry \(id) is in the trash; `ally restore \(id)` first", exitCode: 5) }
        if entry.kind != .goal, status != nil || due != nil {
            throw CLIError("--status and --due are for goals; this entry is a \(entry.kind.rawValue)", exitCode: 2)
        }
        if entry.kind != .action, minutes != nil || pledge != nil {
            throw CLIError(
                "--minutes and --pledge are for actions; this entry is a \(entry.kind.rawValue)", exitCode: 2)
        }
        let practice = try Practice(context: context)
        var patch = EntryPatch()
        // The body as read now: an edit names these versions as parents, whatever arrives while the editor is open.
        let base = try journal.bodyBase(of: entryID)
        if let title { patch.scalars[.title] = title.isEmpty ? .some(nil) : title }
        if let level { patch.scalars[.level] = level.rawValue }
        if let occurredOn {
            patch.scalars[.occurredOn] = try Parse.date(occurredOn, option: "--on", context: context).description
        }
        if let status { patch.scalars[.status] = status.rawValue }
        if let due {
            patch.scalars[.due] =
                due.lowercased() == "none"
                ? .some(nil)
                : try Parse.date(due, option: "--due", direction: .future, today: practice.today).description
        }
        if due != nil { Parse.warnIfPast(patch.scalars[.due] ?? nil, today: practice.today, context: context) }
        if let minutes { patch.scalars[.minutes] = String(minutes) }
        if let pledge { patch.scalars[.pledge] = pledge.rawValue }
        patch.additions[.tags] = try addTags.map { try Parse.tag($0, option: "--add-tag") }
        patch.removals[.tags] = try removeTags.map { try Parse.tag($0, option: "--remove-tag") }
        patch.additions[.themes] = addThemes.map(\.rawValue)
        patch.removals[.themes] = removeThemes.map(\.rawValue)
        patch.additions[.links] = try links.map { try journal.resolveID($0).rawValue }
        patch.removals[.links] = try unlinks.map { try journal.resolveID($0).rawValue }
        if let body {
            patch.body = try Parse.text(body, context: context).trimmingCharacters(in: .newlines)
        } else if !hasFieldOptions {
            guard context.stdinIsTerminal else {
                throw CLIError(
                    "nothing to change: give field options, or --body - to read the body from standard input",
                    exitCode: 2)
            }
            let edited = try Editor.edit(
                base.text
                    + Editor.instructions(["Editing \(entry.kind.rawValue) \(id). Save to keep, empty to cancel."]),
                context: context)
            if edited.isEmpty {
                // Saving an empty text cancels (issue 10 §1): not an error.
                context.note("The text was empty; nothing was changed (`ally trash` removes an entry)")
                return
            }
            patch.body = edited
        }
        if phi.redactPHI, body == nil, patch.body == nil {
            // `--redact-phi` alone cleans what the entry already holds.
            patch.body = base.text
            if patch.scalars[.title] == nil, let title = entry.title { patch.scalars[.title] = title }
        }
        let newTitle = patch.scalars[.title] ?? nil
        let vetted: (title: String?, body: String?)
        do {
            vetted = try phi.guard.vet(title: newTitle, body: patch.body, config: practice.config, context: context)
        } catch let aborted as PHIGuard.Aborted {
            let kept = try? Draft.make(aborted.body ?? patch.body ?? "", kind: "edit", context: context)
            throw CLIError("aborted; nothing was changed." + (kept.map { " Your text is kept at \($0.path)" } ?? ""))
        }
        if newTitle != nil { patch.scalars[.title] = vetted.title }
        patch.body = vetted.body
        if patch.body != nil { patch.bodyBase = base }
        var closing: LocalWrite?
        if let closingReflection {
            let text = try Parse.text(closingReflection, context: context).trimmingCharacters(
                in: .whitespacesAndNewlines)
            guard !text.isEmpty else { throw CLIError("the closing reflection is empty", exitCode: 2) }
            let vettedText = try phi.guard.vet(title: nil, body: text, config: practice.config, context: context)
            var reflection = EntryPatch()
            reflection.body = vettedText.body ?? text
            reflection.scalars[.title] = String("Closing: \(entry.headline)".prefix(500))
            reflection.scalars[.occurredOn] = practice.today.description
            reflection.additions[.links] = [entryID.rawValue]
            reflection.additions[.themes] = entry.themes.map(\.rawValue)
            closing = LocalWrite(entryID: .random(), kind: .reflection, patch: reflection)
        }
        let written = try journal.write([LocalWrite(entryID: entryID, patch: patch)] + (closing.map { [$0] } ?? []))
        let updated = written[0]
        if written.count > 1 {
            let short = try journal.shortIDs(for: [written[1].id])[written[1].id] ?? written[1].id.rawValue
            context.note("Saved the closing reflection as \(short), linked to the goal")
        }
        if output.json {
            context.print(try JSONOutput.string(updated))
        } else {
            let renderer = try EntryRenderer(journal: journal, entries: [updated], context: context)
            context.print(updated == entry ? "Nothing changed: " + renderer.line(updated) : renderer.line(updated))
        }
    }
}
