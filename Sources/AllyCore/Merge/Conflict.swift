/// Why an entry needs the user's decision (DESIGN.md §4 rules 3 and 4). Both parts may be present.
public struct Conflict: Hashable, Sendable, Codable {
    /// The body heads whose edits overlapped, oldest first; empty when the body merged cleanly.
    public var bodyVersions: [BodyVersion]
    /// Present when the entry was trashed on one laptop while edited on another.
    public var trash: TrashConflict?

    /// Makes a conflict description.
    public init(bodyVersions: [BodyVersion], trash: TrashConflict?) {
        self.bodyVersions = bodyVersions
        self.trash = trash
    }

    enum CodingKeys: String, CodingKey { case bodyVersions, trash }

    /// Writes `trash` as null when absent, like every other absent value in entry JSON.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(bodyVersions, forKey: .bodyVersions)
        try container.encode(trash, forKey: .trash)
    }
}

/// A trash that did not know about some edits of the entry it trashed.
public struct TrashConflict: Hashable, Sendable, Codable {
    /// The change that trashed the entry.
    public var trashedBy: ChangeID
    /// When.
    public var trashedAt: HybridTimestamp
    /// The edits the trash had not seen, oldest first.
    public var unseenEdits: [ChangeID]

    /// Makes a trash conflict description.
    public init(trashedBy: ChangeID, trashedAt: HybridTimestamp, unseenEdits: [ChangeID]) {
        self.trashedBy = trashedBy
        self.trashedAt = trashedAt
        self.unseenEdits = unseenEdits
    }
}
