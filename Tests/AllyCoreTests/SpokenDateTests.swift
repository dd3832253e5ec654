import AllyCore
import Testing

/// Issue 10 §2: dates read like speech. Today is Monday 2026-11-23 in every case.
@Suite struct SpokenDateTests {
    let monday = LocalDate(year: 2026, month: 11, day: 23)!

    func read(_ text: String, _ direction: DateExpression.Direction = .future, _ order: DateExpression.DayOrder? = nil)
        -> String
    {
        switch DateExpression.read(text, today: monday, direction: direction, order: order) {
        case .date(let date): date.description
        case .ambiguous(let day, let month): "ambiguous \(day) \(month)"
        case .invalid: "invalid"
        }
    }

    /// `--due friday` on a Monday made a goal "overdue since" last Friday.
    @Test func aWeekdayPointsAheadForADueDateAndBackForWhenItHappened() {
        #expect(read("friday", .future) == "2026-11-27")
        #expect(read("friday", .past) == "2026-11-20")
        #expect(read("monday", .future) == "2026-11-23" && read("monday", .past) == "2026-11-23")
        #expect(read("next monday") == "2026-11-30" && read("next friday") == "2026-11-27")
        #expect(read("last monday") == "2026-11-16" && read("last friday") == "2026-11-20")
    }

    @Test func spokenForms() {
        #expect(read("tomorrow") == "2026-11-24" && read("yesterday") == "2026-11-22" && read("today") == "2026-11-23")
        #expect(read("in 2 weeks") == "2026-12-07" && read("in 1 day") == "2026-11-24")
        #expect(read("3 days ago") == "2026-11-20" && read("2 weeks ago") == "2026-11-09")
        #expect(read("in 3 months") == "2027-02-23" && read("1 month ago") == "2026-10-23")
        #expect(read("end of month") == "2026-11-30" && read("end of week") == "2026-11-29")
        #expect(read("IN 2 WEEKS") == "2026-12-07")
        for bad in ["next blue moon", "in two weeks", "2026-02-30", "end of year", "in 99999999 days", ""] {
            #expect(read(bad) == "invalid", "\(bad)")
        }
    }

    @Test func slashedDatesFollowTheDayOrderAndRefuseTheAmbiguousCase() {
        #expect(read("01/02/2026", .future, .dayFirst) == "2026-02-01")
        #expect(read("01/02/2026", .future, .monthFirst) == "2026-01-02")
        #expect(read("01/02/2026") == "ambiguous 2026-02-01 2026-01-02")
        #expect(read("13/02/2026") == "2026-02-13" && read("02/13/2026") == "2026-02-13")
        #expect(read("05/05/2026") == "2026-05-05")
        #expect(read("31/02/2026") == "invalid" && read("1/2/26") == "invalid")
    }
}
