/// One immutable write to one entry: the unit of the change log and of sync (DESIGN.md §3).
public struct Change: Hashable, Sendable {
    /// The change's identity: the writing device and its seq.
    public var id: ChangeID
    /// When it was written, on the hybrid logical clock. `at.deviceID` is always `id.deviceID`.
    public var at: HybridTimestamp
    /// The entry the change touches.
    public var entryID: EntryID
    /// What it does.
    public var operation: ChangeOperation
    /// Whether this is a redacted copy of the change first written under this id (SPEC §2.3): the same operation
    /// with strings replaced by `[redacted]`. It takes the place of the original wherever it arrives.
    public var isRedacted: Bool

    /// Makes a change.
    public init(
        id: ChangeID, at: HybridTimestamp, entryID: EntryID, operation: ChangeOperation, isRedacted: Bool = false
    ) {
        self.id = id
        self.at = at
        self.entryID = entryID
        self.operation = operation
        self.isRedacted = isRedacted
    }
}
