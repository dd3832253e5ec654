import AllyCore

/// One local write to one entry: a create (when `kind` is set) and the fields to change.
public struct LocalWrite: Sendable, Hashable {
    /// The entry written.
    public var entryID: EntryID
    /// Set to create the entry with this kind.
    public var kind: EntryKind?
    /// The creation time to record (ms since the epoch) when creating; nil means now. Imports keep the original.
    public var createdAt: Int64?
    /// What to set, add, remove or rewrite.
    public var patch: EntryPatch
    /// Move the entry to the trash after writing it (an import of a trashed entry).
    public var trash: Bool

    /// Makes a write.
    public init(
        entryID: EntryID, kind: EntryKind? = nil, createdAt: Int64? = nil, patch: EntryPatch, trash: Bool = false
    ) {
        self.entryID = entryID
        self.kind = kind
        self.createdAt = createdAt
        self.patch = patch
        self.trash = trash
    }
}

extension LocalWrite {
    /// What the journal would refuse in this write of a new entry, checked before anything is opened or created
    /// (`ally import` checks a whole file first), or nil. Writes to existing entries are checked when written.
    public var problem: String? {
        if let invalid = patch.invalidValue { return "\(invalid) is not a valid value" }
        if let body = patch.body, body.utf8.count > Change.maximumBytes - 4096 {
            return
                "a body of \(body.utf8.count >> 10) KiB is longer than an entry holds (\(Change.maximumBytes >> 10) KiB)"
        }
        guard let kind else { return nil }
        if let problem = ChangeOperation.create(kind: kind, createdAt: createdAt ?? 0).problem { return problem }
        return patch.operations(against: EntryState(entryID: entryID)).lazy.compactMap(\.problem).first
    }
}

/// What merging foreign changes did.
public struct ApplyOutcome: Sendable, Hashable {
    /// Changes new to this journal, now in its log.
    public var inserted = 0
    /// Changes it already had, byte for byte: ignored.
    public var duplicates = 0
    /// Entries whose projection was brought up to date.
    public var entriesTouched = 0
    /// Of those, how many have a conflict now.
    public var conflicts = 0
    /// Devices whose own clock read more than `Journal.clockAheadLimit` ahead of this laptop's when they wrote a
    /// new change (a stamp with counter 0, SPEC §3): the latest such wall time (ms since the epoch). They are
    /// merged like any other (the hybrid clock keeps later local edits ordered after them); a caller warns that
    /// the other laptop's clock looks wrong.
    public var aheadOfClock: [DeviceID: Int64] = [:]
    /// Changes now waiting, after a gap in their device's numbering, for the missing ones (all, not only this
    /// batch's): held aside, applied once the gap fills.
    public var waiting = 0
    /// Changes whose id this journal holds with different content: held aside for the user (`ally check`).
    public var differing: [ChangeID] = []
    /// Stored changes replaced by a received stub or redacted copy, or received changes of a purged entry stored as
    /// stubs (SPEC §2.3).
    public var erased = 0
    /// Received copies this journal already holds in a more erased form (SPEC §2.3): the sender, or the server, still
    /// has the text, so the journal's own form is sent again (marked unpushed when it came in a pull).
    public var keptErased: [ChangeID] = []
    /// Purge and redaction changes new to this journal.
    public var erasures: [ChangeID] = []
    /// The entries whose projection this merge brought up to date (`entriesTouched` of them).
    public var touchedEntries: [EntryID] = []

    /// `aheadOfClock` as the CLI's JSON shows it: full device id → latest stamp in ISO 8601.
    public var clockAheadStamps: [String: String] {
        Dictionary(uniqueKeysWithValues: aheadOfClock.map { ($0.key.rawValue, ISOTimestamp.format($0.value)) })
    }

    /// Makes an empty outcome.
    public init() {}
}
