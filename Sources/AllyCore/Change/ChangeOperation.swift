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
    /// Destroys the entry and its whole history everywhere (SPEC §2.3): every change of the entry, held or arriving
    /// later, is replaced by its stub.
    case purge
    /// Records that the changes `targets` of the entry were replaced by redacted copies (SPEC §2.3). The copies
    /// travel as changes of their own under the same ids; the strings taken out are never stored or sent. With
    /// `phi`, the redaction took out what the identifier guard finds, and every journal that holds it does the same
    /// to every other change of the entry, whenever it arrives.
    case redact(targets: [ChangeID], phi: Bool)
    /// What remains of a purged change (SPEC §2.3): the operation it was (`was`) and, for a body version, its
    /// parents, so the body graph keeps its shape. No text and no values.
    case stub(was: String, parents: [ChangeID])

    /// Whether the operation changes the entry's content, as opposed to its trashed flag.
    public var isContentEdit: Bool {
        switch self {
        case .trash, .restore, .purge, .redact, .stub: false
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
        case .purge: "purge"
        case .redact: "redact"
        case .stub: "stub"
        }
    }

    /// The operations a purge replaces by stubs: every one that can carry words or values (not a purge or a
    /// redaction, which carry only ids, nor a stub).
    public static let stubbable: Set<String> = ["create", "set", "add", "remove", "editBody", "trash", "restore"]

    /// The earliest creation time a change may carry: 0001-01-01T00:00:00Z, in ms since the epoch.
    public static let earliestMillis: Int64 = -62_135_596_800_000
    /// The latest creation time or wall time a change may carry: 9999-12-31T23:59:59.999Z.
    public static let latestMillis: Int64 = 253_402_300_799_999

    /// Whether every value in the operation is acceptable for its field.
    public var isWellFormed: Bool { problem == nil }

    /// What makes the operation unacceptable, in words, or nil. The one definition of validity (SPEC §2): the
    /// write path refuses what this refuses, and the decoder refuses it in what arrives, so what ally writes, ally
    /// can read.
    public var problem: String? {
        switch self {
        case .create(_, let createdAt):
            (Self.earliestMillis...Self.latestMillis).contains(createdAt)
                ? nil : "a creation time outside the years 1–9999"
        case .set(let field, let value):
            field.accepts(value) ? nil : "\(field.rawValue) \(Quoted(value ?? "")) is not a valid value"
        case .add(let field, let element), .remove(let field, let element, _):
            field.accepts(element) ? nil : "\(Quoted(element)) is not a valid element of \(field.rawValue)"
        case .editBody(let text, _):
            text.unicodeScalars.contains("\0") ? "the body contains a NUL character" : nil
        case .trash, .restore, .purge: nil
        case .redact(let targets, _):
            targets.isEmpty ? "a redaction names no change" : nil
        case .stub(let was, _):
            Self.stubbable.contains(was) ? nil : "a stub of operation '\(was)', which cannot be purged"
        }
    }
}
