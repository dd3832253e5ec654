import AllyCore
import Foundation
import Testing

@Suite struct DateTests {
    @Test("LocalDate agrees with Foundation's Gregorian calendar", arguments: ConvergenceTests.seeds(count: 3))
    func agreesWithFoundation(seed: UInt64) throws {
        print("DateTests.agreesWithFoundation seed \(seed) (replay with ALLY_SEED=\(seed))")
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        var generator = SplitMix64(seed: seed)
        for _ in 0..<500 {
            // Foundation switches to the Julian calendar before 1582; compare from 1700 on.
            let day = Int.random(in: -98_000...150_000, using: &generator)
            let date = Date(timeIntervalSince1970: Double(day) * 86_400)
            let parts = calendar.dateComponents([.year, .month, .day, .weekday], from: date)
            let local = LocalDate(dayNumber: day)
            #expect(local.parts.year == parts.year && local.parts.month == parts.month && local.parts.day == parts.day)
            #expect(LocalDate(iso: local.description) == local, "seed \(seed)")
            // Foundation: 1 = Sunday; ISO: 7 = Sunday.
            #expect(local.isoWeekday == ((parts.weekday ?? 0) + 5) % 7 + 1)
        }
    }

    @Test func rejectsImpossibleDates() {
        for text in ["2026-02-30", "2026-13-01", "2026-1-01", "26-01-01", "2026-01-01x", "", "２０２６-01-01"] {
            #expect(LocalDate(iso: text) == nil, "\(text)")
        }
        #expect(LocalDate(iso: "2024-02-29") != nil)
    }

    @Test func parsesTheFormsUsersType() throws {
        let today = try #require(LocalDate(iso: "2026-11-25"))  // a Wednesday
        #expect(today.isoWeekday == 3)
        let cases: [(String, String)] = [
            ("2026-01-02", "2026-01-02"), ("today", "2026-11-25"), ("Yesterday", "2026-11-24"),
            ("3 days ago", "2026-11-22"), ("1 day ago", "2026-11-24"), ("wednesday", "2026-11-25"),
            ("monday", "2026-11-23"), ("thursday", "2026-11-19"), ("sun", "2026-11-22"),
        ]
        for (text, expected) in cases {
            #expect(DateExpression.parse(text, today: today)?.description == expected, "\(text)")
        }
        for text in ["someday", "3 fortnights ago", "-1 days ago", "days ago", "2026-11-31"] {
            #expect(DateExpression.parse(text, today: today) == nil, "\(text)")
        }
    }

    @Test func timestampsRoundTrip() {
        for millis: Int64 in [0, 1_790_000_000_123, 86_399_999, 951_782_400_000] {
            #expect(ISOTimestamp.parse(ISOTimestamp.format(millis)) == millis)
        }
        #expect(ISOTimestamp.format(1_790_000_000_123) == "2026-09-21T14:13:20.123Z")
        #expect(ISOTimestamp.parse("2026-01-01T10:00:00+02:00") == ISOTimestamp.parse("2026-01-01T08:00:00Z"))
        #expect(ISOTimestamp.parse("2026-01-01 10:00") == nil)
    }
}
