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

            Nothing you type is lost: the editor works on a private draft in the data folder \
            (~/.local/share/ally/drafts, readable only by you), and if the editor fails or is interrupted, or you \
            abort at the patient-identifier question, the draft stays; `ally new --resume` reopens the newest.

            Examples:
              ally new reflection "Asked R. how the night shift went; listened instead of fixing." --theme humility
              ally new mistake --title "Talked over Dr. A in M&M" --theme integrity --level public
              ally new goal "Read Athena Rising" --due "2026-12-31" --theme capability
              ally new action "Coffee with J. about her fellowship" --minutes 30 --pledge mentoring
              echo "What she said…" | ally new feedback -
              ally new mistake "Took credit for R.'s plan" --learning-goal "Name the author of every idea I repeat"
              ally new action "Shout-out for S." --minutes 5 --pledge shout-out --goal 7c21

            Before saving, the text is checked for what looks like a patient's details (record numbers, dates of \
            birth, phone numbers, addresses…). On a terminal you choose to redact, keep or abort; in scripts the \
            entry is refused unless --redact-phi or --allow-phi says what to do (or allow_phi = true in the config).
            """)

    @OptionGroup var journalOptions: JournalOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "The kind of entry: reflection, mistake, goal, action, feedback or audit.")
    var kind: EntryKind?

    @Argument(help: "The body text; '-' reads standard input. Omit it to open your editor.")
    var text: String?

    @OptionGroup var fields: EntryFieldOptions

    @Flag(name: .long, help: "Open the editor even when standard input is not a terminal.")
    var edit = false

    @Flag(name: .long, help: "Reopen the newest draft kept by an interrupted or aborted `ally new` (KIND optional).")
    var resume = false

    @Option(
        name: .customLong("learning-goal"),
        help: "For a mistake: also create a learning goal with this text, linked to the mistake.")
    var learningGoal: String?

    @Option(name: .customLong("goal"), help: "For an action: the id of the goal it serves (linked both ways).")
    var goal: String?

    @OptionGroup var phi: PHIOptions

    func validate() throws {
        guard let kind else {
            if resume { return }
            throw ValidationError("give the kind of entry: reflection, mistake, goal, action, feedback or audit")
        }
        if resume, text != nil { throw ValidationError("--resume reopens a draft; give no TEXT with it") }
        try fields.validate(for: kind)
        if learningGoal != nil, kind != .mistake { throw ValidationError("--learning-goal is for mistakes") }
        if goal != nil, kind != .action { throw ValidationError("--goal is for actions; use --link for other kinds") }
        if phi.allowPHI, phi.redactPHI { throw ValidationError("give --allow-phi or --redact-phi, not both") }
    }

    func run() throws {
        let context = CLIContext.current
        let practice = try Practice(context: context)
        var kind: EntryKind
        var body: String
        var draft: Draft?
        if resume {
            guard let newest = try Draft.all(context: context).first, let draftKind = newest.kind else {
                throw CLIError("there is no draft to resume", exitCode: 3)
            }
            kind = self.kind ?? draftKind
            try fields.validate(for: kind)
            draft = newest
            context.note("Reopening the draft \(newest.path)")
        } else {
            kind = self.kind ?? .reflection
        }
        if let draft {
            body = try Editor.edit(draft, context: context)
            body = Template.isUntouched(body, kind: kind) ? "" : Template.pruned(body, kind: kind)
        } else if let text {
            body = try Parse.text(text, context: context)
        } else if edit || context.stdinIsTerminal {
            let made = try Draft.make(
                Template.text(for: kind, prompt: practice.prompt(kind: kind)), kind: kind.rawValue, context: context)
            draft = made
            body = try Editor.edit(made, context: context)
            body = Template.isUntouched(body, kind: kind) ? "" : Template.pruned(body, kind: kind)
        } else {
            body = try Parse.text("-", context: context)
        }
        body = body.trimmingCharacters(in: .newlines)
        if body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, fields.title == nil {
            if let draft {
                // Saving an empty text is how an editor user cancels: not an error.
                draft.discard()
                context.note("The text was empty; nothing was written")
                return
            }
            throw CLIError("the entry is empty; nothing was written")
        }
        let vetted: (title: String?, body: String?)
        do {
            vetted = try phi.guard.vet(
                title: fields.title, body: body, config: practice.config, context: context,
                editAgain: draft.map { draft in
                    { current in
                        draft.update(current)
                        return Template.pruned(try Editor.edit(draft, context: context), kind: kind)
                    }
                })
        } catch let aborted as PHIGuard.Aborted {
            let kept = draft ?? Draft.keep(aborted.body ?? body, kind: kind, context: context)
            kept?.update(aborted.body ?? body)
            throw CLIError("aborted; nothing was written. Your text is kept: \(kept?.hint ?? "")")
        }
        let journal = try journalOptions.openOrCreate(in: context)
        var patch = try fields.patch(journal: journal, context: context, today: practice.today)
        if let title = vetted.title { patch.scalars[.title] = title }
        patch.body = vetted.body ?? body
        if patch.scalars[.occurredOn] == nil { patch.scalars[.occurredOn] = practice.today.description }
        if kind == .goal, patch.scalars[.status] == nil { patch.scalars[.status] = GoalStatus.open.rawValue }
        if kind == .action, patch.scalars[.pledge] != nil, patch.scalars[.minutes] == nil {
            // Minutes are what the pledge counts: ask on a terminal, refuse in a script.
            guard context.stdinIsTerminal else {
                throw CLIError("--pledge counts minutes towards the weekly pledge: add --minutes N", exitCode: 2)
            }
            var minutes: Int?
            while minutes == nil {
                guard let answer = context.ask("How many minutes did it take? ") else {
                    throw CLIError("no minutes given; nothing was written", exitCode: 2)
                }
                minutes = Int(answer.trimmingCharacters(in: .whitespaces)).flatMap {
                    (0...100_000).contains($0) ? $0 : nil
                }
            }
            patch.scalars[.minutes] = minutes.map(String.init)
        }
        Parse.warnIfPast(patch.scalars[.due] ?? nil, today: practice.today, context: context)
        if let goal {
            let goalID = try journal.resolveID(goal)
            guard try journal.entry(goalID)?.kind == .goal else {
                throw CLIError("--goal \(goal) is not a goal; use --link to link other entries", exitCode: 2)
            }
            patch.additions[.links, default: []].append(goalID.rawValue)
        }
        let entry = try journal.create(kind, patch: patch)
        draft?.discard()
        var goalEntry: Entry?
        if kind == .mistake {
            var goalText = learningGoal
            if goalText == nil, context.stdinIsTerminal {
                goalText = context.ask("Turn the lesson into a learning goal? Type it, or press Enter to skip: ")
            }
            if let goalText = goalText?.trimmingCharacters(in: .whitespacesAndNewlines), !goalText.isEmpty {
                let vettedGoal = try phi.guard.vet(
                    title: nil, body: goalText, config: practice.config, context: context)
                var goalPatch = EntryPatch()
                goalPatch.body = vettedGoal.body ?? goalText
                goalPatch.scalars[.occurredOn] = practice.today.description
                goalPatch.scalars[.status] = GoalStatus.open.rawValue
                goalPatch.additions[.links] = [entry.id.rawValue]
                goalPatch.additions[.themes] = entry.themes.map(\.rawValue)
                goalEntry = try journal.create(.goal, patch: goalPatch)
            }
        }
        if output.json {
            context.print(try JSONOutput.string(entry))
        } else {
            let ids = try journal.shortIDs(for: [entry.id] + (goalEntry.map { [$0.id] } ?? []))
            context.print(ids[entry.id] ?? entry.id.rawValue)
            if let goalEntry {
                context.note(
                    "Created learning goal \(ids[goalEntry.id] ?? goalEntry.id.rawValue), linked to this mistake")
            }
        }
    }
}

/// `--allow-phi` and `--redact-phi`, shared by the commands that save text.
struct PHIOptions: ParsableArguments {
    @Flag(name: .customLong("allow-phi"), help: "Keep text that looks like patient identifiers without asking.")
    var allowPHI = false

    @Flag(name: .customLong("redact-phi"), help: "Replace text that looks like patient identifiers with [redacted].")
    var redactPHI = false

    var `guard`: PHIGuard { PHIGuard(allow: allowPHI, redact: redactPHI) }
}
