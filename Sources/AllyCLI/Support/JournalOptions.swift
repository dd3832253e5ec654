import AllyCore
import AllyStore
import ArgumentParser
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

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
    func path(in context: CLIContext) -> String { Self.path(explicit: journal, in: context) }

    /// The journal path for an explicit `--journal` value (or none).
    static func path(explicit journal: String?, in context: CLIContext) -> String {
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
            return try Self.private(try Journal.open(at: path, clock: context.clock), context: context)
        } catch let error as JournalError where error.code == .notFound {
            throw CLIError(
                "no journal at \(path) yet; start one with `ally init` or write a first entry with `ally new reflection`",
                exitCode: 3)
        } catch let error as JournalError where error.code == .halfMade {
            throw CLIError(error.message, exitCode: 3)
        }
    }

    /// Says so when opening made the journal's files private, and keeps ally's own folders private (0700): the
    /// default data folder and the config folder, whatever the umask made them.
    static func `private`(_ journal: Journal, context: CLIContext) -> Journal {
        if journal.tightenedPermissions {
            context.note("Made \(journal.path) readable only by you (it was readable by others on this computer)")
        }
        for folder in ownFolders(context: context) { Journal.makePrivate(folder, mode: 0o700) }
        return journal
    }

    /// ally's data and config folders (`…/ally`), which hold journals, drafts and settings.
    static func ownFolders(context: CLIContext) -> [String] {
        let home = context.environment["HOME"] ?? NSHomeDirectory()
        let data = context.environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.local/share"
        let config = context.environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.config"
        return [data + "/ally", config + "/ally"]
    }

    /// Opens the journal for a command that writes, creating it (and saying where) if there is none yet.
    ///
    /// Safe when several processes write a first entry at once: one creates the journal, the others open it.
    func openOrCreate(in context: CLIContext) throws -> Journal {
        let path = path(in: context)
        do {
            return try Self.private(try Journal.open(at: path, clock: context.clock), context: context)
        } catch let error as JournalError where error.code == .notFound || error.code == .halfMade {
            do {
                let journal = try Journal.create(at: path, clock: context.clock)
                if error.code == .halfMade {
                    context.note("Moved aside a journal file left half-made by an interrupted creation")
                }
                context.note("Created a new journal at \(path)")
                return Self.private(journal, context: context)
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
    static func date(
        _ text: String, option: String, direction: DateExpression.Direction = .past, context: CLIContext
    ) throws -> LocalDate {
        try date(
            text, option: option, direction: direction,
            today: context.today(inTimeZone: try Config.load(in: context).timeZone))
    }

    /// A date for `option`. A due date looks ahead (`.future`: a bare weekday is the coming one); when something
    /// happened, and list ranges, look back.
    static func date(
        _ text: String, option: String, direction: DateExpression.Direction = .past, today: LocalDate
    ) throws -> LocalDate {
        switch DateExpression.read(text, today: today, direction: direction, order: dayOrder(in: .current)) {
        case .date(let date):
            return date
        case .ambiguous(let dayFirst, let monthFirst):
            throw CLIError(
                "\(option) \(Quoted(text)) could be \(dayFirst) (day first) or \(monthFirst) (month first); write it as "
                    + "YYYY-MM-DD, or set date_order = \"DMY\" or \"MDY\" in \(Config.path(in: .current))",
                exitCode: 2)
        case .invalid:
            throw CLIError("\(option) \(Quoted(text)) is not a date; use \(DateExpression.acceptedForms)", exitCode: 2)
        }
    }

    /// Warns when a goal's due date has already passed: it starts out overdue.
    static func warnIfPast(_ due: String?, today: LocalDate, context: CLIContext) {
        guard let due, let date = LocalDate(iso: due), date < today else { return }
        context.note("Note: the due date \(date) has passed, so this goal is overdue from the start")
    }

    /// How to read `01/02/2026`: the config's date_order, else the locale (US English month first, other
    /// named locales day first), else unknown (an ambiguous date is refused with both readings).
    static func dayOrder(in context: CLIContext) -> DateExpression.DayOrder? {
        if let order = (try? Config.load(in: context))?.dateOrder { return order }
        let locale = ["LC_ALL", "LC_TIME", "LANG"].compactMap { context.environment[$0] }.first { !$0.isEmpty } ?? ""
        if locale.isEmpty || locale.hasPrefix("C") || locale.hasPrefix("POSIX") { return nil }
        return ["en_US", "en_PH", "es_US"].contains { locale.hasPrefix($0) } ? .monthFirst : .dayFirst
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
