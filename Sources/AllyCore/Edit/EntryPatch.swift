import Foundation

/// What a user asks to change in one entry, before it becomes changes.
///
/// `operations(against:)` turns the request into the smallest list of operations, using the entry's merge
/// state for what a remove observed and what a body edit was made from.
public struct EntryPatch: Sendable, Hashable {
    /// Scalar fields to set; a nil value clears the field.
    public var scalars: [ScalarField: String?] = [:]
    /// Elements to add per set field.
    public var additions: [SetField: [String]] = [:]
    /// Elements to remove per set field.
    public var removals: [SetField: [String]] = [:]
    /// The new body text, if it changes.
    public var body: String?
    /// What the new body was made from, when the user saw the body before writing it (an editor, `resolve`).
    /// Without it, the body is taken as made from the heads held at the moment of writing.
    public var bodyBase: BodyBase?

    /// The body versions a user's text was made from, captured when the text was shown to them (SPEC §4.3).
    public struct BodyBase: Sendable, Hashable {
        /// The heads the user saw.
        public var parents: [ChangeID]
        /// The text the user saw: those heads merged.
        public var text: String

        /// Makes a base.
        public init(parents: [ChangeID], text: String) {
            self.parents = parents
            self.text = text
        }
    }

    /// Makes an empty patch.
    public init() {}

    /// Whether the patch asks for nothing.
    public var isEmpty: Bool {
        scalars.isEmpty && additions.values.allSatisfy(\.isEmpty) && removals.values.allSatisfy(\.isEmpty)
            && body == nil
    }

    /// The operations that carry out the patch on an entry in `state`, skipping what is already so.
    ///
    /// A body edit names every current head as a parent, so writing the merged text of a conflicted or
    /// multi-head body settles it (Protocol/SPEC.md §4.3).
    public func operations(against state: EntryState) -> [ChangeOperation] {
        var operations: [ChangeOperation] = []
        for field in ScalarField.allCases {
            guard var wanted = scalars[field] else { continue }
            // §2: equal text is equal bytes; a title typed in NFD is stored as NFC.
            if field == .title { wanted = wanted.map(\.precomposedStringWithCanonicalMapping) }
            if state.value(of: field) != wanted { operations.append(.set(field, wanted)) }
        }
        for field in SetField.allCases {
            let present = Set(state.elements(of: field))
            let added = (additions[field] ?? []).map(\.precomposedStringWithCanonicalMapping)
            for element in Set(added).sorted() where !present.contains(element) {
                operations.append(.add(field, element))
            }
            let removed = (removals[field] ?? []).map(\.precomposedStringWithCanonicalMapping)
            for element in Set(removed).sorted() where present.contains(element) {
                operations.append(.remove(field, element, observed: state.liveAdds(of: element, in: field)))
            }
        }
        if let body, let base = bodyBase {
            // §4.3: the new version is made from what the user saw; a version that arrived while they were
            // editing stays a head and merges with theirs like any concurrent edit, so nothing is overwritten.
            if body != base.text || base.parents.count > 1 {
                operations.append(.editBody(text: body, parents: base.parents))
            }
        } else if let body {
            let heads = state.body.heads
            let changesText = heads.isEmpty ? !body.isEmpty : heads.count > 1 || state.body.resolved().text != body
            if changesText {
                operations.append(.editBody(text: body, parents: heads.map(\.id)))
            }
        }
        return operations
    }

    /// Whether every value in the patch is acceptable for its field.
    public var invalidValue: String? {
        for (field, value) in scalars where !field.accepts(value) { return "\(field.rawValue) \(Quoted(value ?? ""))" }
        for (field, elements) in additions {
            for element in elements where !field.accepts(element) { return "\(field.rawValue) \(Quoted(element))" }
        }
        return nil
    }
}
