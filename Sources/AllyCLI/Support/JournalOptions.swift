import AllyCore
import AllyStore
import ArgumentParser
import Foundation

/// `--journal`, shared by every command that touches a journal.
public struct JournalOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The journal file to use.",
            discussion: "Defaults to $ALLY_JOURNAL, else $XDG_DATA_HOME/ally/journal.sqlite "
                + "(~/.local/share/ally/journal.sqlite).", valueName: "path"))
    var journal: String?

    public init() {}

    /// The journal path this invocation uses.
    func path(in context: CLIContext) -> String {
        if let journal, !journal.isEmpty { return journal }
        if let path = context.environment["ALLY_JOURNAL"], !path.isEmpty { return path }
        let data =
            context.environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((context.environment["HOME"] ?? NSHomeDirectory()) + "/.local/share")
        return data + "/ally/journal.sqlite"
    }

    /// Opens an existing journal for a command that only reads; a missing one is an error that says how to start.
    func openExisting(in context: CLIContext) throws -> Journal {
        let path = path(in: context)
        do {
            return try Journal.open(at: path, clock: context.clock)
        } catch let error as JournalError where error.code == .notFound {
            throw CLIError(
                "no journal at \(path) yet; start one with `ally init` or write a first entry with `ally new reflection`",
                exitCode: 3)
        } catch let error as JournalError where error.code == .halfMade {
            throw CLIError(error.message, exitCode: 3)
        }
    }

    /// Opens the journal for a command that writes, creating it (and saying where) if there is none yet.
    ///
    /// Safe when several processes write a first entry at once: one creates the journal, the others open it.
    func openOrCreate(in context: CLIContext) throws -> Journal {
        let path = path(in: context)
        do {
            return try Journal.open(at: path, clock: context.clock)
        } catch let error as JournalError where error.code == .notFound || error.code == .halfMade {
            do {
                let journal = try Journal.create(at: path, clock: context.clock)
                if error.code == .halfMade {
                    context.note("Moved aside a journal file left half-made by an interrupted creation")
                }
                context.note("Created a new journal at \(path)")
                return journal
            } catch let raced as JournalError where raced.code == .alreadyExists {
                return try Journal.open(at: path, clock: context.clock)
            }
        }
    }
}

/// `--json`, shared by every command that prints entries or data.
public struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print JSON for scripts instead of text (keys are listed in docs/JSON.md).")
    var json = false

    public init() {}
}

/// Parsing of user-typed values, with errors that name the option and the accepted forms.
enum Parse {
    static func date(_ text: String, option: String, context: CLIContext) throws -> LocalDate {
        try date(text, option: option, today: context.today(inTimeZone: try Config.load(in: context).timeZone))
    }

    static func date(_ text: String, option: String, today: LocalDate) throws -> LocalDate {
        guard let date = DateExpression.parse(text, today: today) else {
            throw CLIError("\(option) '\(text)' is not a date; use \(DateExpression.acceptedForms)", exitCode: 2)
        }
        return date
    }

    static func value<T: RawRepresentable & CaseIterable>(_ text: String, option: String) throws -> T
    where T.RawValue == String {
        guard let value = T(rawValue: text.lowercased()) else {
            let choices = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw CLIError("\(option) '\(text)' is not one of: \(choices)", exitCode: 2)
        }
        return value
    }

    static func tag(_ text: String, option: String) throws -> String {
        let tag = Tag.normalized(text)
        guard Tag.isValid(tag) else {
            throw CLIError("\(option) '\(text)' is not a tag (1–64 characters, no spaces)", exitCode: 2)
        }
        return tag
    }

    /// Reads UTF-8 text from a `TEXT` argument, or standard input when it is `-`.
    static func text(_ argument: String, context: CLIContext) throws -> String {
        guard argument == "-" else { return argument }
        guard let text = String(data: context.readAllInput(), encoding: .utf8) else {
            throw CLIError("standard input is not valid UTF-8 text; nothing was written", exitCode: 2)
        }
        return text
    }
}

extension EntryKind: ExpressibleByArgument {}
extension Theme: ExpressibleByArgument {}
extension Level: ExpressibleByArgument {}
extension GoalStatus: ExpressibleByArgument {}
extension PledgeCategory: ExpressibleByArgument {}
