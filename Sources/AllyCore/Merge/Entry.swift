import Foundation

/// A journal entry as a user sees it: the materialised state of all its changes (DESIGN.md §3).
public struct Entry: Hashable, Sendable {
    public var id: EntryID
    public var kind: EntryKind
    public var title: String?
    /// The body text; for a conflicted body, the merge with both versions between conflict markers.
    public var body: String
    public var themes: [Theme]
    public var level: Level?
    public var tags: [String]
    public var occurredOn: LocalDate?
    /// Milliseconds since the epoch.
    public var createdAt: Int64
    /// Milliseconds since the epoch of the latest change this journal holds for the entry.
    public var updatedAt: Int64
    public var due: LocalDate?
    public var status: GoalStatus?
    public var minutes: Int?
    public var pledge: PledgeCategory?
    public var links: [EntryID]
    /// In the trash. Never true while a trash-versus-edit conflict is open: the entry stays visible.
    public var isTrashed: Bool
    /// What needs deciding, if anything.
    public var conflict: Conflict?

    /// Whether the entry waits for `ally resolve` (or a restore or a fresh trash).
    public var hasConflict: Bool { conflict != nil }

    /// Makes an entry with the given identity and no content.
    public init(id: EntryID, kind: EntryKind, createdAt: Int64) {
        self.id = id
        self.kind = kind
        self.title = nil
        self.body = ""
        self.themes = []
        self.level = nil
        self.tags = []
        self.occurredOn = nil
        self.createdAt = createdAt
        self.updatedAt = createdAt
        self.due = nil
        self.status = nil
        self.minutes = nil
        self.pledge = nil
        self.links = []
        self.isTrashed = false
        self.conflict = nil
    }

    /// The title, or else the body's first non-empty line (skipping conflict markers), for one-line listings.
    public var headline: String {
        if let title, !title.isEmpty { return title }
        let markers = ["<<<<<<< ", "=======", ">>>>>>> "]
        let line = body.split(separator: "\n").first { line in
            !line.trimmingCharacters(in: .whitespaces).isEmpty && !markers.contains { line.hasPrefix($0) }
        }
        return line.map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""
    }
}
