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
            The prompt changes day by day and walks through the whole list before one comes back. Add your own \
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

    func run() throws {
        let context = CLIContext.current
        guard let prompt = try Practice(context: context).prompt(theme: theme, kind: kind) else {
            throw CLIError("no prompt matches that theme and kind together; try one of them alone", exitCode: 3)
        }
        if output.json {
            context.print(try JSONOutput.string(prompt))
        } else {
            context.print("\(prompt.text)  (\(prompt.theme.rawValue))")
        }
    }
}
