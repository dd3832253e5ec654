import Foundation
import AllyCore
import AllyStore
import ArgumentParser

/// `ally new KIND [TEXT]`: write an entry.
struct New: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a new entry.",
        discussion: """
            KIND is one of reflection, mistake, goal, action, feedback, audit. With no TEXT on a terminal, \
            $VISUAL or $EDITOR opens on a template with a prompt for that kind; saving an empty text writes \
            nothing. With no TEXT and a pipe on standard input, the text is read from it; `-` does the same \
            explicitly. Prints the new entry's id (with --json, the whole entry).

            Examples:
              ally new reflection "Asked R. how the night shift went; listened instead of fixing." --theme humility
              ally new mistake --title "Talked over Dr. A in M&M" --theme integrity --level public
              ally new goal "Read Athena Rising" --due "2026-12-31" --theme capability
              ally new action "Coffee with J. about her fellowship" --minutes 30 --pledge mentoring
              echo "What she said…" | ally new feedback -
            """)

    @OptionGroup var journalOptions: JournalOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "The kind of entry: reflection, mistake, goal, action, feedback or audit.")
    var kind: EntryKind

    @Argument(help: "The body text; '-' reads standard input. Omit it to open your editor.")
    var text: String?

    @OptionGroup var fields: EntryFieldOptions

    @Flag(name: .long, help: "Open the editor even when standard input is not a terminal.")
    var edit = false

    func validate() throws {
        try fields.validate(for: kind)
    }

    func run() throws {
        let context = CLIContext.current
        var body: String
        if let text {
            body = try Parse.text(text, context: context)
        } else if edit || context.stdinIsTerminal {
            let prompt = Prompt.pick(kind: kind, on: context.today)
            body = try Editor.edit(Template.text(for: kind, prompt: prompt), context: context)
        } else {
            body = try Parse.text("-", context: context)
        }
        body = body.trimmingCharacters(in: .newlines)
        if body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, fields.title == nil {
            throw CLIError("the entry is empty; nothing was written")
        }
        let journal = try journalOptions.openOrCreate(in: context)
        var patch = try fields.patch(journal: journal, context: context)
        patch.body = body
        if patch.scalars[.occurredOn] == nil { patch.scalars[.occurredOn] = context.today.description }
        if kind == .goal, patch.scalars[.status] == nil { patch.scalars[.status] = GoalStatus.open.rawValue }
        let entry = try journal.create(kind, patch: patch)
        if output.json {
            context.print(try JSONOutput.string(entry))
        } else {
            context.print(try journal.shortIDs(for: [entry.id])[entry.id] ?? entry.id.rawValue)
        }
    }
}
