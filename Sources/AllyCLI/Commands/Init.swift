import AllyStore
import ArgumentParser

/// `ally init`: create the journal file.
struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a new, empty journal.",
        discussion: """
            Creates the journal file (by default under $XDG_DATA_HOME/ally/) with a fresh device id for this \
            laptop. If a journal is already there, says so and changes nothing. You rarely need this: the first \
            `ally new` creates the journal too.

            Example:
              ally init --journal ~/work-journal.sqlite
            """)

    @OptionGroup var journalOptions: JournalOptions

    func run() throws {
        let context = CLIContext.current
        let path = journalOptions.path(in: context)
        do {
            let journal = try Journal.create(at: path, clock: context.clock)
            context.print("Created a new journal at \(path) (device \(journal.deviceID.short))")
        } catch let error as JournalError where error.code == .alreadyExists {
            let journal = try Journal.open(at: path, clock: context.clock)
            context.print("A journal already exists at \(path) (device \(journal.deviceID.short)); nothing changed")
        }
    }
}
