/// What one change does to its entry (DESIGN.md §3, Protocol/SPEC.md §2).
public enum ChangeOperation: Hashable, Sendable {
    /// Brings the entry into being with its kind and creation time (ms since the epoch).
    case create(kind: EntryKind, createdAt: Int64)
    /// Sets a scalar field; nil clears it.
    case set(ScalarField, String?)
    /// Adds an element to a set field. The change's own id tags this add.
    case add(SetField, String)
    /// Removes the adds of `element` that the writer had observed, named by their change ids.
    case remove(SetField, String, observed: [ChangeID])
    /// Writes a new body version made from the versions `parents`.
    case editBody(text: String, parents: [ChangeID])
    /// Moves the entry to the trash, recording what the writer had seen.
    case trash(seen: VersionVector)
    /// Takes the entry out of the trash (and settles a trash-versus-edit conflict).
    case restore

    /// Whether the operation changes the entry's content, as opposed to its trashed flag.
    public var isContentEdit: Bool {
        switch self {
        case .trash, .restore: false
        default: true
        }
    }

    /// The operation's name on the wire.
    public var name: String {
        switch self {
        case .create: "create"
        case .set: "set"
        case .add: "add"
        case .remove: "remove"
        case .editBody: "editBody"
        case .trash: "trash"
        case .restore: "restore"
        }
    }

    /// Whether every value in the operation is acceptable for its field.
    public var isWellFormed: Bool {
        switch self {
        case .create(_, let createdAt): createdAt >= 0
        case .set(let field, let value): field.accepts(value)
        case .add(let field, let element): field.accepts(element)
        case .remove(let field, let element, _): field.accepts(element)
        case .editBody: true
        case .trash, .restore: true
        }
    }
}
