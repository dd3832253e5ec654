/// Every failure of the journal store: a code to switch on, a one-line message for people, and the cause.
public struct JournalError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure.
    public enum Code: String, Sendable {
        /// No journal at the path.
        case notFound
        /// A journal already exists at the path.
        case alreadyExists
        /// The file was left half-made by an interrupted creation: empty, or an ally schema without a device id.
        case halfMade
        /// The file exists but is not an ally journal (another SQLite database, or not SQLite at all).
        case notAJournal
        /// The journal was written by a newer version of ally.
        case newerSchema
        /// SQLite reports the file damaged.
        case corrupt
        /// No entry has that id or prefix.
        case unknownEntry
        /// Several entries start with that prefix.
        case ambiguousEntry
        /// A value the user gave does not fit its field, or an id is malformed.
        case invalidInput
        /// An incoming change has the id of a stored change but different content.
        case conflictingChange
        /// The search query is not valid FTS5 syntax.
        case invalidQuery
        /// The operation does not apply to the entry in its state (editing a trashed entry, say).
        case invalidState
        /// Another SQLite or file-system failure.
        case storage
    }

    /// What kind of failure.
    public var code: Code
    /// One line for the user: what went wrong and, where possible, what to do.
    public var message: String
    /// The underlying error, if any.
    public var cause: (any Error & Sendable)?

    /// Makes an error.
    public init(_ code: Code, _ message: String, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String { message }
}
