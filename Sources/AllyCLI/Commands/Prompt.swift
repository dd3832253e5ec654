import Foundation
import AllyCore
import AllyStore
import ArgumentParser

/// `ally prompt`: a question to write about.
struct PromptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prompt",
        abstract: "Print a reflection prompt.",
        discussion: """
            Prompts follow the five trust themes; filter by --theme or by the --kind of entry you want to write. \
            Each call gives the next prompt, walking through the whole list before one comes back; --same \
            shows today's, the one `ally new` offers. Add your own \
            prompts as [[prompts]] tables in the config file, ~/.config/ally/config.toml \
            ($XDG_CONFIG_HOME/ally/config.toml, or the file $ALLY_CONFIG names; docs/CONFIG.md).

            Examples:
              ally prompt
              ally prompt --theme integrity
              ally prompt --kind mistake
            """)

    @OptionGroup var output: OutputOptions
    @Option(help: "Only prompts for this theme.") var theme: Theme?
    @Option(help: "Only prompts suited to this kind of entry.") var kind: EntryKind?
    @Flag(help: "Today's prompt (the one `ally new` shows), not the next one.") var same = false

    func run() throws {
        let context = CLIContext.current
        let practice = try Practice(context: context)
        // Each call moves on to the next prompt (a count kept in the data folder); --same keeps today's.
        let turn = same ? 0 : Self.nextTurn(context: context)
        guard
            let prompt = Prompt.pick(
                theme: theme, kind: kind, from: practice.prompts, rotation: practice.today.dayNumber + turn)
        else {
            throw CLIError("no prompt matches that theme and kind together; try one of them alone", exitCode: 3)
        }
        if output.json {
            context.print(try JSONOutput.string(prompt))
        } else {
            context.print("\(prompt.text)  (\(prompt.theme.rawValue))")
        }
    }

    /// 1, 2, 3… one more on each call, so that asking again gives another prompt; 1 if the count cannot be kept.
    static func nextTurn(context: CLIContext) -> Int {
        guard let folder = try? Draft.folder(context: context) else { return 1 }
        let file = (folder as NSString).deletingLastPathComponent + "/prompt-turn"
        let last =
            (try? String(contentsOfFile: file, encoding: .utf8)).flatMap {
                Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
            } ?? 0
        let next = last >= 1_000_000 ? 1 : last + 1
        try? String(next).write(toFile: file, atomically: true, encoding: .utf8)
        return next
    }
}
