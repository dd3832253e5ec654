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

    /// The parents of `version` that count (SPEC §4.3): known versions stamped before it. A writer names as
    /// parents only versions it held, which its clock had seen, so a parent stamped at or after its child can
    /// only come from a damaged or crafted change; ignoring it keeps the graph acyclic in every journal alike.
    func parents(of version: BodyVersion) -> [ChangeID] {
        version.parents.filter { parent in versions[parent].map { $0.at < version.at } ?? false }
    }

    /// The versions no other known version was made from, oldest first.
    /// - Complexity: O(v + p) for v versions with p parent links.
    public var heads: [BodyVersion] {
        var superseded = Set<ChangeID>()
        for version in versions.values { superseded.formUnion(parents(of: version)) }
        return versions.values.filter { !superseded.contains($0.id) }.sorted { $0.at < $1.at }
    }

    /// `id` and every known version it descends from.
    /// - Complexity: O(v + p).
    public func ancestry(of id: ChangeID) -> Set<ChangeID> {
        var seen: Set<ChangeID> = []
        var stack = [id]
        while let next = stack.popLast() {
            guard let version = versions[next], seen.insert(next).inserted else { continue }
            stack.append(contentsOf: parents(of: version))
        }
        return seen
    }

    /// The best common ancestors among `common` (a set closed under ancestry): those that are not an ancestor of
    /// another one, oldest first. Usually one; two or more after a criss-cross merge.
    /// - Complexity: O(c·(v + p)).
    func bestCommonAncestors(_ common: Set<ChangeID>) -> [BodyVersion] {
        var best = common
        for id in common where best.contains(id) {
            var older = ancestry(of: id)
            older.remove(id)
            best.subtract(older)
        }
        return best.compactMap { versions[$0] }.sorted { $0.at < $1.at }
    }

    /// The body to show, and whether the heads' edits overlapped.
    ///
    /// Heads are folded oldest first; each is merged into the result so far against the best common ancestor of
    /// the two. When there are several (a criss-cross), the base is their own merge, made the same way (git's
    /// recursive strategy), so that no deliberate edit on either side is undone by the choice of one ancestor.
    /// The order depends only on the versions' timestamps, so every journal holding the same versions shows the
    /// same text.
    /// - Complexity: O(h·c·(v + p)) graph work plus one text merge per extra head and per virtual base.
    public func resolved() -> TextMerge.Result {
        let heads = heads
        guard !heads.isEmpty else { return TextMerge.Result(text: "", hasConflict: false) }
        return merged(heads, depth: 0)
    }

    /// How deep virtual bases may nest before the newest best ancestor is taken as the base; far beyond what
    /// people make, it only bounds the work a crafted graph can ask for.
    static let maximumDepth = 8

    /// Folds `versions` (oldest first) as `resolved()` describes.
    func merged(_ versions: [BodyVersion], depth: Int) -> TextMerge.Result {
        var text = versions[0].text
        var known = ancestry(of: versions[0].id)
        var hasConflict = false
        var label = versions[0].id.short
        for version in versions.dropFirst() {
            let ancestry = ancestry(of: version.id)
            let best = bestCommonAncestors(ancestry.intersection(known))
            let base: String
            switch best.count {
            case 0: base = ""
            case 1: base = best[0].text
            default:
                // A virtual base keeps any conflict markers of its own merge as text, as git does: the heads'
                // merge then shows both sides where the ancestors themselves disagreed.
                base = depth < Self.maximumDepth ? merged(best, depth: depth + 1).text : best[best.count - 1].text
            }
            let result = TextMerge.merge(
                base: base, ours: text, theirs: version.text, oursLabel: "version \(label)",
                theirsLabel: "version \(version.id.short)")
            text = result.text
            hasConflict = hasConflict || result.hasConflict
            known.formUnion(ancestry)
            label += "+" + version.id.short
        }
        return TextMerge.Result(text: text, hasConflict: hasConflict)
    }
}
