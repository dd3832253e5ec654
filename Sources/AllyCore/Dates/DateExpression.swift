/// Parses the dates a user types, as people say them (issue 10 §2).
///
/// `YYYY-MM-DD`; `today`, `yesterday`, `tomorrow`; a weekday name (`friday`, `fri`); `next friday`,
/// `last friday`; `in 2 weeks`, `3 days ago` (days, weeks, months); `end of week`, `end of month`; and
/// `DD/MM/YYYY` or `MM/DD/YYYY` by the user's day order. A bare weekday means the coming one for a date ahead (a
/// due date: on a Monday, `friday` is in four days) and the latest one for a date past (when something
/// happened: on a Monday, `friday` was three days ago); either way today counts.
public enum DateExpression {
    static let weekdays = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

    /// Which way a bare weekday points.
    public enum Direction: Sendable {
        /// A date ahead: due dates.
        case future
        /// A date past: when something happened, list ranges.
        case past
    }

    /// How to read `01/02/2026`.
    public enum DayOrder: String, Sendable, CaseIterable {
        /// 1 February 2026.
        case dayFirst = "DMY"
        /// January 2 2026.
        case monthFirst = "MDY"
    }

    /// What reading a date gave.
    public enum Reading: Equatable, Sendable {
        /// The date.
        case date(LocalDate)
        /// `NN/NN/YYYY` that means two different days and no day order says which: both readings.
        case ambiguous(dayFirst: LocalDate, monthFirst: LocalDate)
        /// Not a date in any accepted form.
        case invalid
    }

    /// The date `text` names relative to `today`, or nil if it is not one of the accepted forms (a weekday
    /// counts backwards; an ambiguous `NN/NN/YYYY` is nil).
    public static func parse(_ text: String, today: LocalDate) -> LocalDate? {
        if case .date(let date) = read(text, today: today, direction: .past, order: nil) { return date }
        return nil
    }

    /// Reads `text` relative to `today`.
    /// - Complexity: O(n) in the text.
    public static func read(_ text: String, today: LocalDate, direction: Direction, order: DayOrder?) -> Reading {
        let words = text.lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard let first = words.first else { return .invalid }
        switch words.count {
        case 1:
            if let date = LocalDate(iso: first) { return .date(date) }
            if first.contains("/") { return slashed(first, order: order) }
            switch first {
            case "today": return .date(today)
            case "yesterday": return .date(today.adding(days: -1))
            case "tomorrow": return .date(today.adding(days: 1))
            default: break
            }
            if let weekday = weekday(first) {
                return .date(
                    direction == .past
                        ? today.adding(days: -((today.isoWeekday - weekday + 7) % 7))
                        : today.adding(days: (weekday - today.isoWeekday + 7) % 7))
            }
        case 2:
            if let weekday = weekday(words[1]) {
                // `next friday`: the first Friday after today; `last friday`: the latest one before today.
                if first == "next" { return .date(today.adding(days: (weekday - today.isoWeekday + 6) % 7 + 1)) }
                if first == "last" { return .date(today.adding(days: -((today.isoWeekday - weekday + 6) % 7 + 1))) }
            }
        case 3:
            if first == "in", let count = Int(words[1]), count >= 0,
                let date = shifted(today, by: count, unit: words[2])
            {
                return .date(date)
            }
            if words[2] == "ago", let count = Int(words[0]), count >= 0,
                let date = shifted(today, by: -count, unit: words[1])
            {
                return .date(date)
            }
            if first == "end", words[1] == "of" {
                if words[2] == "month" {
                    let (year, month, _) = today.parts
                    return LocalDate(year: year, month: month, day: LocalDate.daysIn(month: month, year: year))
                        .map(Reading.date) ?? .invalid
                }
                if words[2] == "week" { return .date(today.adding(days: 7 - today.isoWeekday)) }
            }
        default: break
        }
        return .invalid
    }

    static func weekday(_ word: String) -> Int? {
        weekdays.firstIndex { $0 == word || ($0.prefix(3) == word && word.count == 3) }.map { $0 + 1 }
    }

    /// `today` moved by `count` days, weeks or months (a month keeps the day, or the month's last day).
    static func shifted(_ today: LocalDate, by count: Int, unit: String) -> LocalDate? {
        guard (-36_500...36_500).contains(count) else { return nil }
        switch unit {
        case "day", "days": return today.adding(days: count)
        case "week", "weeks": return today.adding(days: 7 * count)
        case "month", "months":
            let (year, month, day) = today.parts
            let index = year * 12 + (month - 1) + count
            let (newYear, newMonth) = (index / 12, index % 12 + 1)
            return LocalDate(
                year: newYear, month: newMonth, day: min(day, LocalDate.daysIn(month: newMonth, year: newYear)))
        default: return nil
        }
    }

    /// `NN/NN/YYYY`, read by `order`; without one, refused as ambiguous when both readings are valid and differ.
    static func slashed(_ text: String, order: DayOrder?) -> Reading {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[2].count == 4, parts[0].count <= 2, parts[1].count <= 2,
            parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            let a = Int(parts[0]), let b = Int(parts[1]), let year = Int(parts[2])
        else { return .invalid }
        let dayFirst = LocalDate(year: year, month: b, day: a)
        let monthFirst = LocalDate(year: year, month: a, day: b)
        switch (order, dayFirst, monthFirst) {
        case (.dayFirst, let date?, _), (.monthFirst, _, let date?): return .date(date)
        case (nil, let day?, let month?) where day != month: return .ambiguous(dayFirst: day, monthFirst: month)
        case (nil, let date?, _), (nil, nil, let date?): return .date(date)
        default: return .invalid
        }
    }

    /// The forms `read` accepts, for error messages and help.
    public static let acceptedForms =
        "YYYY-MM-DD, DD/MM/YYYY or MM/DD/YYYY (date_order), today, yesterday, tomorrow, a weekday, 'next friday', "
        + "'last friday', 'in 2 weeks', '3 days ago', 'end of week' or 'end of month'"
}
