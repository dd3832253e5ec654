/// A seven-day week starting on a chosen weekday (Monday by default, DOMAIN.md §4).
public struct Week: Hashable, Sendable, Codable, Comparable {
    /// The first day.
    public var start: LocalDate

    /// The week that contains `date`, for weeks starting on ISO weekday `startsOn` (1 = Monday … 7 = Sunday).
    public init(containing date: LocalDate, startsOn: Int = 1) {
        let back = (date.isoWeekday - startsOn + 7) % 7
        start = date.adding(days: -back)
    }

    /// The last day.
    public var end: LocalDate { start.adding(days: 6) }

    /// Whether `date` falls in this week.
    public func contains(_ date: LocalDate) -> Bool { date >= start && date <= end }

    /// The week `count` weeks later (earlier if negative).
    public func adding(weeks count: Int) -> Week {
        var week = self
        week.start = start.adding(days: 7 * count)
        return week
    }

    /// A running number of the week, used to rotate prompts week by week.
    public var index: Int { Int((Double(start.dayNumber) / 7).rounded(.down)) }

    public static func < (lhs: Week, rhs: Week) -> Bool { lhs.start < rhs.start }
}
