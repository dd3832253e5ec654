import AllyCore

/// The settings the practice commands share: today in the user's time zone, the week start, the prompts.
struct Practice {
    let config: Config
    let today: LocalDate

    init(context: CLIContext) throws {
        config = try Config.load(in: context)
        today = context.today(inTimeZone: config.timeZone)
    }

    var weekStartsOn: Int { config.weekStartsOn }
    var prompts: [Prompt] { Prompt.catalog + config.prompts }
    var currentWeek: Week { Week(containing: today, startsOn: weekStartsOn) }

    /// Today's prompt for the filters, rotating day by day through built-in and user prompts.
    func prompt(theme: Theme? = nil, kind: EntryKind? = nil) -> Prompt? {
        Prompt.pick(theme: theme, kind: kind, from: prompts, rotation: today.dayNumber)
    }
}
