import ArgumentParser

/// The root `ally` command.
struct Ally: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ally",
        abstract: "An offline-first, private journal for practising allyship.",
        discussion: """
            Write reflections, mistakes, learning goals, ally actions, colleagues' feedback and domestic audits; \
            tag them with the five trust themes (humility, capability, agency, reliability, integrity) and the \
            three levels of allyship (interpersonal, public, systemic). Everything stays in one SQLite file on \
            this laptop; bundles carry changes between laptops, and edits made on two laptops merge without loss.

            Start:
              ally new reflection "Noticed who spoke first in handover, and who was talked over."
              ally list
              ally prompt --theme humility

            Files: the journal is ~/.local/share/ally/journal.sqlite ($XDG_DATA_HOME/ally, or $ALLY_JOURNAL, or \
            --journal PATH before or after the command); drafts kept from the editor are in \
            ~/.local/share/ally/drafts; settings (week start, time zone, date order, your own prompts) are in \
            ~/.config/ally/config.toml ($XDG_CONFIG_HOME/ally, or $ALLY_CONFIG).

            Exit status: 0 ok; 1 failure; 2 bad input (a value, date, id or query); 3 no such journal or entry; \
            4 the file is not a usable journal (not ally's, newer, or damaged); 5 refused (a conflicting \
            change, or the entry's state does not allow it); 6 wrong passphrase or revoked device; 7 server \
            unreachable; 8 the server's answer failed authentication (nothing applied); 64 unknown option or \
            missing argument.
            """,
        version: "0.1.0",
        subcommands: [
            Init.self, New.self, List.self, Show.self, Search.self, Edit.self, Trash.self, Restore.self, Purge.self,
            Redact.self,
            History.self, Conflicts.self, Resolve.self, Export.self, Import.self, BundleCommand.self,
            PromptCommand.self,
            Check.self, Goals.self, PledgeCommand.self, ReviewCommand.self, Scan.self, AccountCommand.self,
            SyncCommand.self, Status.self, Devices.self,
        ]
    )
}
