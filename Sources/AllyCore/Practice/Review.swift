/// The weekly or monthly review (DOMAIN.md §5), computed from entries: pure, so the terminal, JSON and HTML
/// reports all show the same thing.
public struct Review: Hashable, Sendable, Codable {
    /// The days reviewed, inclusive.
    public var since: LocalDate
    public var until: LocalDate
    /// The day the review was made.
    public var today: LocalDate
    /// Entries written in the period (occurred on a day in it).
    public var entryCount: Int
    /// Pledge progress for every week touching the period, oldest first.
    public var pledgeWeeks: [Pledge.WeekProgress]
    /// Met weeks in a row, ending this week if it is already met, else last week.
    public var pledgeStreak: Int
    /// The last eight weeks up to this one, oldest first: the streak and the gaps at a glance.
    public var pledgeHistory: [Pledge.WeekProgress]
    /// Entries in the period per theme, in DOMAIN.md's order; zero counts included.
    public var themes: [Count]
    /// Entries in the period per level; zero counts included.
    public var levels: [Count]
    /// Entries in the period per kind; zero counts included.
    public var kinds: [Count]
    /// Open goals, overdue first, then by due date (undated last).
    public var goals: [GoalSummary]
    /// Mistakes in the period, with the lesson drawn if one is written.
    public var mistakes: [MistakeSummary]
    /// Feedback (any time) that no action links to or from yet.
    public var feedbackWithoutAction: [EntrySummary]
    /// The theme with the fewest entries in the period.
    public var thinnestTheme: Theme
    /// A prompt for the week ahead, for the thinnest theme.
    public var prompt: Prompt?

    /// A label and how many.
    public struct Count: Hashable, Sendable, Codable {
        public var name: String
        public var count: Int
    }

    /// Enough of an entry to list it.
    public struct EntrySummary: Hashable, Sendable, Codable {
        public var id: EntryID
        public var headline: String
        public var occurredOn: LocalDate?
    }

    /// An open goal and what has been done for it.
    public struct GoalSummary: Hashable, Sendable, Codable {
        public var id: EntryID
        public var headline: String
        public var due: LocalDate?
        public var isOverdue: Bool
        /// Entries linked to or from the goal.
        public var linkedEntries: Int
        /// Action entries linked to or from the goal.
        public var actions: Int
        /// Minutes of those actions.
        public var actionMinutes: Int
    }

    /// A mistake and its lesson.
    public struct MistakeSummary: Hashable, Sendable, Codable {
        public var id: EntryID
        public var headline: String
        public var occurredOn: LocalDate?
        public var lesson: String?
        /// The learning goal the lesson became (a goal linked to the mistake), if any.
        public var learningGoal: String?
    }

    /// Builds the review of `since`…`until` from every entry of the journal (the trash is ignored).
    /// - Complexity: O(e) over the entries, plus the links between them.
    public init(
        entries allEntries: [Entry], since: LocalDate, until: LocalDate, today: LocalDate, weekStartsOn: Int = 1,
        prompts: [Prompt] = Prompt.catalog
    ) {
        let entries = allEntries.filter { !$0.isTrashed }
        self.since = since
        self.until = until
        self.today = today
        let inPeriod = entries.filter { entry in entry.occurredOn.map { $0 >= since && $0 <= until } ?? false }
        entryCount = inPeriod.count

        let currentWeek = Week(containing: today, startsOn: weekStartsOn)
        let firstWeek = Week(containing: since, startsOn: weekStartsOn)
        let lastWeek = min(Week(containing: until, startsOn: weekStartsOn), currentWeek)
        // The streak looks back a year whatever the period.
        let history = Pledge.progress(
            of: entries, from: min(firstWeek, currentWeek.adding(weeks: -52)), through: currentWeek,
            startsOn: weekStartsOn)
        pledgeWeeks = history.filter { $0.week >= firstWeek && $0.week <= max(lastWeek, firstWeek) }
        pledgeStreak = Pledge.streak(in: history, current: currentWeek)
        pledgeHistory = Array(history.suffix(8))

        themes = Theme.allCases.map { theme in
            Count(name: theme.rawValue, count: inPeriod.filter { $0.themes.contains(theme) }.count)
        }
        levels = Level.allCases.map { level in
            Count(name: level.rawValue, count: inPeriod.filter { $0.level == level }.count)
        }
        kinds = EntryKind.allCases.map { kind in
            Count(name: kind.rawValue, count: inPeriod.filter { $0.kind == kind }.count)
        }

        var linked: [EntryID: Set<EntryID>] = [:]
        for entry in entries {
            for link in entry.links {
                linked[entry.id, default: []].insert(link)
                linked[link, default: []].insert(entry.id)
            }
        }
        let byID = Dictionary(entries.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        goals = entries.filter { $0.kind == .goal && ($0.status ?? .open) == .open }.map { goal in
            let neighbours = (linked[goal.id] ?? []).compactMap { byID[$0] }
            let actions = neighbours.filter { $0.kind == .action }
            return GoalSummary(
                id: goal.id, headline: goal.headline, due: goal.due, isOverdue: goal.due.map { $0 < today } ?? false,
                linkedEntries: neighbours.count, actions: actions.count,
                actionMinutes: actions.reduce(0) { $0 + ($1.minutes ?? 0) })
        }.sorted { a, b in
            if a.isOverdue != b.isOverdue { return a.isOverdue }
            switch (a.due, b.due) {
            case let (x?, y?) where x != y: return x < y
            case (_?, nil): return true
            case (nil, _?): return false
            default: return a.id < b.id
            }
        }
        mistakes = inPeriod.filter { $0.kind == .mistake }.sorted(by: Review.newestFirst).map {
            MistakeSummary(
                id: $0.id, headline: $0.headline, occurredOn: $0.occurredOn, lesson: Lesson.find(in: $0.body),
                learningGoal: (linked[$0.id] ?? []).compactMap { byID[$0] }.filter { $0.kind == .goal }
                    .sorted(by: Review.newestFirst).first?.headline)
        }
        feedbackWithoutAction = entries.filter { entry in
            entry.kind == .feedback && !(linked[entry.id] ?? []).contains { byID[$0]?.kind == .action }
        }.sorted(by: Review.newestFirst).map {
            EntrySummary(id: $0.id, headline: $0.headline, occurredOn: $0.occurredOn)
        }
        // Fewest entries first; ties go to the earlier theme in DOMAIN.md's order.
        let counts = Dictionary(uniqueKeysWithValues: themes.map { ($0.name, $0.count) })
        let thinnest =
            Theme.allCases.min { a, b in
                let ca = counts[a.rawValue] ?? 0
                let cb = counts[b.rawValue] ?? 0
                return ca != cb ? ca < cb : a < b
            } ?? .humility
        thinnestTheme = thinnest
        prompt = Prompt.pick(
            theme: thinnest, from: prompts, rotation: Week(containing: today, startsOn: weekStartsOn).index)
    }

    /// Later occurred-on dates first (undated last), then by id so the order is stable.
    static func newestFirst(_ a: Entry, _ b: Entry) -> Bool {
        switch (a.occurredOn, b.occurredOn) {
        case let (x?, y?) where x != y: x > y
        case (_?, nil): true
        case (nil, _?): false
        default: a.id < b.id
        }
    }
}
