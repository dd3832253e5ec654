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

    /// Makes a change.
    public init(id: ChangeID, at: HybridTimestamp, entryID: EntryID, operation: ChangeOperation) {
        self.id = id
        self.at = at
        self.entryID = entryID
        self.operation = operation
    }
}
