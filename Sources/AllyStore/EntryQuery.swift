import AllyCore

/// The filters of `ally list`: every set condition must hold.
public struct EntryQuery: Sendable, Hashable {
    public var kinds: [EntryKind] = []
    public var themes: [Theme] = []
    public var levels: [Level] = []
    public var tags: [String] = []
    public var statuses: [GoalStatus] = []
    /// Entries that occurred on or after this date.
    public var since: LocalDate?
    /// Entries that occurred on or before this date.
    public var until: LocalDate?
    /// Only trashed entries (otherwise only entries not in the trash).
    public var trashed = false
    /// Only entries with a conflict.
    public var conflictsOnly = false
    /// At most this many, newest first.
    public var limit: Int?

    /// Makes a query that matches every entry not in the trash.
    public init() {}
}
