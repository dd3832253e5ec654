/// The 36-minute weekly pledge (DOMAIN.md §4): 30 minutes mentoring, 5 giving a shout-out, 1 telling leaders.
public enum Pledge {
    /// The weekly target per category, in minutes.
    public static func target(for category: PledgeCategory) -> Int {
        switch category {
        case .mentoring: 30
        case .shoutOut: 5
        case .tellLeaders: 1
        }
    }

    /// One week's minutes against the targets.
    public struct WeekProgress: Hashable, Sendable, Codable {
        public var week: Week
        public var mentoring: Int
        public var shoutOut: Int
        public var tellLeaders: Int

        /// Minutes logged for `category`.
        public func minutes(for category: PledgeCategory) -> Int {
            switch category {
            case .mentoring: mentoring
            case .shoutOut: shoutOut
            case .tellLeaders: tellLeaders
            }
        }

        /// Whether every category reached its target.
        public var isMet: Bool { PledgeCategory.allCases.allSatisfy { minutes(for: $0) >= Pledge.target(for: $0) } }

        /// All pledge minutes logged.
        public var total: Int { mentoring + shoutOut + tellLeaders }
    }

    /// Progress for every week from `first` through `last`, from action entries with a pledge and minutes.
    /// - Complexity: O(e + w) for e entries and w weeks.
    public static func progress(of entries: [Entry], from first: Week, through last: Week, startsOn: Int = 1)
        -> [WeekProgress]
    {
        var byWeek: [LocalDate: WeekProgress] = [:]
        var week = first
        while week <= last {
            byWeek[week.start] = WeekProgress(week: week, mentoring: 0, shoutOut: 0, tellLeaders: 0)
            week = week.adding(weeks: 1)
        }
        for entry in entries where entry.kind == .action && !entry.isTrashed {
            guard let pledge = entry.pledge, let minutes = entry.minutes, let date = entry.occurredOn else { continue }
            let start = Week(containing: date, startsOn: startsOn).start
            guard var progress = byWeek[start] else { continue }
            switch pledge {
            case .mentoring: progress.mentoring += minutes
            case .shoutOut: progress.shoutOut += minutes
            case .tellLeaders: progress.tellLeaders += minutes
            }
            byWeek[start] = progress
        }
        return byWeek.values.sorted { $0.week < $1.week }
    }

    /// Consecutive met weeks ending with the latest week that counts: this week if already met, else last week.
    public static func streak(in weeks: [WeekProgress], current: Week) -> Int {
        var count = 0
        for progress in weeks.sorted(by: { $0.week > $1.week }) where progress.week <= current {
            if progress.week == current, !progress.isMet { continue }
            guard progress.isMet else { break }
            count += 1
        }
        return count
    }
}
