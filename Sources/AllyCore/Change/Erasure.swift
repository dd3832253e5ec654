import Foundation

/// Purge and redaction (Protocol/SPEC.md §2.3, DESIGN.md §10): the one place where a change's content may be
/// destroyed. A change is replaced by its **stub** (purge) or by a **redacted copy** under the same id, and a
/// replacement always wins over what it replaces, wherever and in whatever order the copies meet.
extension ChangeOperation {
    /// Whether a redacted copy of this operation can exist: the operations that carry free text (a title, a tag,
    /// a body version).
    public var canBeRedacted: Bool {
        switch self {
        case .set(.title, _), .add(.tags, _), .remove(.tags, _, _), .editBody: true
        default: false
        }
    }
}

extension Change {
    /// What a redaction puts in place of each string it takes out.
    public static let redactionMark = "[redacted]"

    /// How far this copy has been erased: 0 as written, 1 a redacted copy, 2 a stub. Of two copies of one change,
    /// the higher rank stays (SPEC §2.3).
    public var erasureRank: Int {
        if case .stub = operation { return 2 }
        return isRedacted ? 1 : 0
    }

    /// Whether this change is a replacement (a stub or a redacted copy) rather than a change as first written.
    public var isReplacement: Bool { erasureRank > 0 }

    /// The stub of this change: same id, timestamp and entry; the operation's name and, for a body version, its
    /// parents; nothing else. Nil for an operation that is never purged (a purge, a redaction, a stub).
    public func stub() -> Change? {
        guard ChangeOperation.stubbable.contains(operation.name) else { return nil }
        var parents: [ChangeID] = []
        if case .editBody(_, let versionParents) = operation { parents = versionParents }
        return Change(id: id, at: at, entryID: entryID, operation: .stub(was: operation.name, parents: parents))
    }

    /// A copy of this change with every occurrence of each of `strings` (ignoring case, and in NFC and NFD) replaced
    /// by `[redacted]`, or nil when none occurs. A tag or title that would grow past its limit becomes `[redacted]`
    /// whole.
    public func redacting(_ strings: [String]) -> Change? {
        guard operation.canBeRedacted, erasureRank < 2 else { return nil }
        func scrub(_ text: String) -> String? {
            var result = text
            var changed = false
            for string in Self.forms(of: strings) {
                var searchStart = result.startIndex
                while let range = result.range(
                    of: string, options: [.caseInsensitive], range: searchStart..<result.endIndex)
                {
                    let offset = result.distance(from: result.startIndex, to: range.lowerBound)
                    result.replaceSubrange(range, with: Self.redactionMark)
                    changed = true
                    searchStart = result.index(result.startIndex, offsetBy: offset + Self.redactionMark.count)
                }
            }
            return changed ? result : nil
        }
        var copy = self
        switch operation {
        case .set(.title, let value?):
            guard let scrubbed = scrub(value) else { return nil }
            let title = ScalarField.title.accepts(scrubbed) ? scrubbed : Self.redactionMark
            copy.operation = .set(.title, title)
        case .add(.tags, let element):
            guard let scrubbed = scrub(element) else { return nil }
            copy.operation = .add(.tags, SetField.tags.accepts(scrubbed) ? scrubbed : Self.redactionMark)
        case .remove(.tags, let element, let observed):
            guard let scrubbed = scrub(element) else { return nil }
            copy.operation = .remove(
                .tags, SetField.tags.accepts(scrubbed) ? scrubbed : Self.redactionMark, observed: observed)
        case .editBody(let text, let parents):
            guard let scrubbed = scrub(text) else { return nil }
            copy.operation = .editBody(text: scrubbed, parents: parents)
        default:
            return nil
        }
        copy.isRedacted = true
        return copy
    }

    /// The strings to look for: each as given, in NFC and in NFD, longest first (so a longer string is taken out
    /// whole before a shorter one inside it), without empties.
    static func forms(of strings: [String]) -> [String] {
        var forms = Set<String>()
        for string in strings where !string.isEmpty {
            forms.insert(string)
            forms.insert(string.precomposedStringWithCanonicalMapping)
            forms.insert(string.decomposedStringWithCanonicalMapping)
        }
        return forms.sorted { ($0.count, $0) > ($1.count, $1) }
    }

    /// The redacted copy of this change with every identifier the guard finds in its own text taken out (an entry
    /// redacted with `--phi`, SPEC §2.3), or nil when it holds none.
    public func redactingIdentifiers() -> Change? {
        let texts: [String]
        switch operation {
        case .set(.title, let value?): texts = [value]
        case .add(.tags, let element), .remove(.tags, let element, _): texts = [element]
        case .editBody(let text, _): texts = [text]
        default: return nil
        }
        let found = texts.flatMap(IdentifierScanner.scan).map(\.text)
        return found.isEmpty ? nil : redacting(found)
    }

    /// How many `[redacted]` marks the change's strings hold: of two redacted copies of one change, the one with
    /// more stays (SPEC §2.3).
    public var redactionMarks: Int {
        let text: String
        switch operation {
        case .set(_, let value): text = value ?? ""
        case .add(_, let element), .remove(_, let element, _): text = element
        case .editBody(let body, _): text = body
        default: return 0
        }
        return text.components(separatedBy: Self.redactionMark).count - 1
    }

    /// Whether this copy may take the place of `other`, held under the same id (SPEC §2.3): it is more erased
    /// (a stub over anything else, a redacted copy over the change as written) and it is a copy of the same
    /// change — same id, timestamp and entry, the same operation with the same ids in it; only strings differ.
    public func mayReplace(_ other: Change) -> Bool {
        erasureRank > other.erasureRank && isCopy(of: other)
    }

    /// Whether this and `other` are copies of one change that differ at most in what an erasure changes.
    public func isCopy(of other: Change) -> Bool {
        guard id == other.id, at == other.at, entryID == other.entryID else { return false }
        func shape(_ change: Change) -> String {
            switch change.operation {
            case .stub(let was, let parents): "\(was) \(parents.sorted())"
            case .editBody(_, let parents): "editBody \(parents.sorted())"
            case .set(let field, _): "set \(field.rawValue)"
            case .add(let field, _): "add \(field.rawValue)"
            case .remove(let field, _, let observed): "remove \(field.rawValue) \(observed.sorted())"
            default: change.operation.name
            }
        }
        let mine = shape(self)
        let theirs = shape(other)
        // A stub names only the operation (and a body version's parents): compare it with the other's shape cut
        // to that much.
        if case .stub(let was, let parents) = operation {
            if case .stub = other.operation { return mine == theirs }
            if case .editBody(_, let otherParents) = other.operation {
                return was == "editBody" && parents.sorted() == otherParents.sorted()
            }
            return was == other.operation.name && parents.isEmpty
        }
        if case .stub = other.operation { return other.isCopy(of: self) }
        return mine == theirs
    }
}
