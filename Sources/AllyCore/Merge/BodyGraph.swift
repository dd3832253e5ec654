/// The version DAG of one entry's body (Protocol/SPEC.md §4.3), as in git or CouchDB's revision tree.
///
/// Every version ever written stays here; merging never drops one. The body a user sees is the single head,
/// or else the deterministic 3-way merge of the heads.
public struct BodyGraph: Hashable, Sendable {
    /// Every version known, by id.
    public private(set) var versions: [ChangeID: BodyVersion] = [:]

    /// Makes an empty graph.
    public init() {}

    /// Adds a version; adding one already present changes nothing.
    public mutating func insert(_ version: BodyVersion) {
        if versions[version.id] == nil { versions[version.id] = version }
    }

    /// The versions no other known version was made from, oldest first.
    /// - Complexity: O(v + p) for v versions with p parent links.
    public var heads: [BodyVersion] {
        var superseded = Set<ChangeID>()
        for version in versions.values { superseded.formUnion(version.parents) }
        return versions.values.filter { !superseded.contains($0.id) }.sorted { $0.at < $1.at }
    }

    /// `id` and every known version it descends from.
    /// - Complexity: O(v + p).
    public func ancestry(of id: ChangeID) -> Set<ChangeID> {
        var seen: Set<ChangeID> = []
        var stack = [id]
        while let next = stack.popLast() {
            guard let version = versions[next], seen.insert(next).inserted else { continue }
            stack.append(contentsOf: version.parents)
        }
        return seen
    }

    /// The body to show, and whether the heads' edits overlapped.
    ///
    /// Heads are folded oldest first; each is merged into the result so far against the latest version that
    /// both already descend from (the empty text if none). The order depends only on the versions' timestamps,
    /// so every journal holding the same versions shows the same text.
    /// - Complexity: O(h·(v + p)) graph work plus one text merge per extra head.
    public func resolved() -> TextMerge.Result {
        let heads = heads
        guard let first = heads.first else { return TextMerge.Result(text: "", hasConflict: false) }
        var text = first.text
        var known = ancestry(of: first.id)
        var hasConflict = false
        var label = first.id.short
        for head in heads.dropFirst() {
            let ancestry = ancestry(of: head.id)
            let base = ancestry.intersection(known).compactMap { versions[$0] }.max { $0.at < $1.at }
            let result = TextMerge.merge(
                base: base?.text ?? "", ours: text, theirs: head.text, oursLabel: "version \(label)",
                theirsLabel: "version \(head.id.short)")
            text = result.text
            hasConflict = hasConflict || result.hasConflict
            known.formUnion(ancestry)
            label += "+" + head.id.short
        }
        return TextMerge.Result(text: text, hasConflict: hasConflict)
    }
}
