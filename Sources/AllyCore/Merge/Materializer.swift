/// Turns a set of changes into entries: the same set gives the same entries in any order (DESIGN.md §4).
public enum Materializer {
    /// The entries the changes describe, by id. Entries whose create is missing are left out.
    /// - Complexity: O(c) for c changes, plus each entry's body merge.
    public static func materialize(_ changes: some Sequence<Change>) -> [EntryID: Entry] {
        var states: [EntryID: EntryState] = [:]
        for change in changes {
            states[change.entryID, default: EntryState(entryID: change.entryID)].apply(change)
        }
        return states.compactMapValues { $0.makeEntry() }
    }
}
