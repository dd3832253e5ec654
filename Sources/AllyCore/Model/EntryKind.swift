/// What an entry records: the six kinds of DOMAIN.md §3.
public enum EntryKind: String, CaseIterable, Codable, Sendable, Hashable {
    /// A moment noticed, what it meant, what to do next.
    case reflection
    /// What happened, its impact, the repair made, the lesson.
    case mistake
    /// A learning goal with a due date and a status.
    case goal
    /// A concrete ally action, with minutes spent and a pledge category.
    case action
    /// What a colleague said when asked how to be a better ally.
    case feedback
    /// A domestic audit: the share of work at home.
    case audit
}
