/// The merge state of one entry: every change applied, combined so that order, duplication and batching
/// make no difference (Protocol/SPEC.md §4). `makeEntry()` derives what the user sees.
public struct EntryState: Sendable {
    /// The entry this state belongs to.
    public let entryID: EntryID
    /// Every distinct change applied, by id: nothing a merge loses.
    public private(set) var changes: [ChangeID: Change] = [:]
    private var creation: (kind: EntryKind, createdAt: Int64, at: HybridTimestamp)?
    private var scalars: [ScalarField: (value: String?, at: HybridTimestamp)] = [:]
    private var adds: [SetField: [String: Set<ChangeID>]] = [:]
    private var removed: [SetField: [String: Set<ChangeID>]] = [:]
    /// The body's version graph.
    public private(set) var body = BodyGraph()
    private var trashMark: (trashed: Bool, seen: VersionVector?, at: HybridTimestamp, id: ChangeID)?
    private var latest: Int64 = 0
    /// Set once a purge of the entry is applied (SPEC §2.3): the entry no longer exists.
    public private(set) var isPurged = false

    /// Makes the empty state of `entryID`.
    public init(entryID: EntryID) { self.entryID = entryID }

    /// Makes the state of `entryID` with `changes` applied.
    public init(entryID: EntryID, changes: some Sequence<Change>) {
        self.entryID = entryID
        for change in changes { apply(change) }
    }

    /// Applies one change. Idempotent: a change already applied (same id) is ignored.
    public mutating func apply(_ change: Change) {
        precondition(change.entryID == entryID, "change \(change.id) is for another entry")
        guard changes[change.id] == nil else { return }
        changes[change.id] = change
        latest = max(latest, change.at.wallMillis)
        switch change.operation {
        case .create(let kind, let createdAt):
            // §4.5: an entry has one create; should two ever meet, the earlier wins everywhere.
            if creation.map({ change.at < $0.at }) ?? true { creation = (kind, createdAt, change.at) }
        case .set(let field, let value):
            // §4.1: last writer wins by hybrid timestamp; the loser stays in the log for `ally history`.
            if scalars[field].map({ $0.at < change.at }) ?? true { scalars[field] = (value, change.at) }
        case .add(let field, let element):
            // §4.2: each add is tagged by its change id, so a remove can name exactly the adds it saw.
            adds[field, default: [:]][element, default: []].insert(change.id)
        case .remove(let field, let element, let observed):
            // §4.2: a remove cancels only the adds of its own element that it observed; a concurrent add survives
            // (add wins), and an id of another element's add in `observed` cancels nothing.
            removed[field, default: [:]][element, default: []].formUnion(observed)
        case .editBody(let text, let parents):
            // §4.3: versions form a DAG; none is ever dropped.
            body.insert(BodyVersion(id: change.id, at: change.at, text: text, parents: parents))
        case .trash(let seen):
            // §4.4: trash and restore are one last-writer-wins flag; the trash keeps what it had seen.
            if trashMark.map({ $0.at < change.at }) ?? true { trashMark = (true, seen, change.at, change.id) }
        case .restore:
            if trashMark.map({ $0.at < change.at }) ?? true { trashMark = (false, nil, change.at, change.id) }
        case .purge:
            // §2.3: the entry and its history are gone; what stays are stubs.
            isPurged = true
        case .redact, .stub:
            // §2.3: a redaction's copies are changes of their own; a stub carries nothing to show.
            break
        }
    }

    /// The elements of a set field now present, sorted.
    public func elements(of field: SetField) -> [String] {
        let cancelled = removed[field] ?? [:]
        return (adds[field] ?? [:]).filter { !$0.value.subtracting(cancelled[$0.key] ?? []).isEmpty }.map(\.key)
            .sorted()
    }

    /// The adds of `element` in `field` still in force: what a local remove must name as observed.
    public func liveAdds(of element: String, in field: SetField) -> [ChangeID] {
        let cancelled = removed[field]?[element] ?? []
        return (adds[field]?[element] ?? []).subtracting(cancelled).sorted()
    }

    /// The current value of a scalar field.
    public func value(of field: ScalarField) -> String? { scalars[field]?.value ?? nil }

    /// What the user sees, or nil while the entry's create has not arrived, or once the entry is purged.
    /// - Complexity: dominated by `BodyGraph.resolved()`.
    public func makeEntry() -> Entry? {
        guard let creation, !isPurged else { return nil }
        var entry = Entry(id: entryID, kind: creation.kind, createdAt: creation.createdAt)
        entry.updatedAt = max(latest, creation.createdAt)
        entry.title = value(of: .title)
        entry.level = value(of: .level).flatMap(Level.init(rawValue:))
        entry.occurredOn = value(of: .occurredOn).flatMap(LocalDate.init(iso:))
        entry.due = value(of: .due).flatMap(LocalDate.init(iso:))
        entry.status = value(of: .status).flatMap(GoalStatus.init(rawValue:)) ?? (creation.kind == .goal ? .open : nil)
        entry.minutes = value(of: .minutes).flatMap { Int($0) }
        entry.pledge = value(of: .pledge).flatMap(PledgeCategory.init(rawValue:))
        entry.themes = elements(of: .themes).compactMap(Theme.init(rawValue:)).sorted()
        entry.tags = elements(of: .tags)
        entry.links = elements(of: .links).compactMap(EntryID.init(rawValue:))

        let merged = body.resolved()
        entry.body = merged.text
        var trashConflict: TrashConflict?
        if let mark = trashMark, mark.trashed {
            // §4.4: edits the trash had not seen keep the entry visible, as a conflict, until the user decides.
            let seen = mark.seen ?? VersionVector()
            let unseen = changes.values.filter { $0.operation.isContentEdit && !seen.covers($0.id) }
            if unseen.isEmpty {
                entry.isTrashed = true
            } else {
                trashConflict = TrashConflict(
                    trashedBy: mark.id, trashedAt: mark.at, unseenEdits: unseen.sorted { $0.at < $1.at }.map(\.id))
            }
        }
        if merged.hasConflict || trashConflict != nil {
            entry.conflict = Conflict(bodyVersions: merged.hasConflict ? body.heads : [], trash: trashConflict)
        }
        return entry
    }
}
