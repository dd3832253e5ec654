/// Parses the dates a user types: `YYYY-MM-DD`, `today`, `yesterday`, `N days ago`, or a weekday name.
///
/// A weekday name means its most recent occurrence, today included: on a Wednesday, `wednesday` is today
/// and `monday` is two days ago.
public enum DateExpression {
    static let weekdays = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

    /// The date `text` names relative to `today`, or nil if it is not one of the accepted forms.
    public static func parse(_ text: String, today: LocalDate) -> LocalDate? {
        let words = text.lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        if words.count == 1 {
            let word = words[0]
            if let date = LocalDate(iso: word) { return date }
            if word == "today" { return today }
            if word == "yesterday" { return today.adding(days: -1) }
            if let index = weekdays.firstIndex(where: { $0 == word || ($0.prefix(3) == word && word.count == 3) }) {
                let wanted = index + 1
                let back = (today.isoWeekday - wanted + 7) % 7
                return today.adding(days: -back)
            }
            return nil
        }
        if words.count == 3, words[2] == "ago", words[1] == "day" || words[1] == "days",
            let count = Int(words[0]), (0...36_500).contains(count)
        {
            return today.adding(days: -count)
        }
        return nil
    }

    /// The forms `parse` accepts, for error messages and help.
    public static let acceptedForms = "YYYY-MM-DD, today, yesterday, 'N days ago' or a weekday name such as monday"
}
