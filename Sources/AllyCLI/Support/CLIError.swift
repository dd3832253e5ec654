import AllyStore
import AllySync
import ArgumentParser

/// A failure to report to the user: one line on stderr, and an exit status.
public struct CLIError: Error, CustomStringConvertible {
    /// The line to print after `ally: error: `.
    public var message: String
    /// The process exit status.
    public var exitCode: Int32

    /// Makes an error with exit status 1.
    public init(_ message: String, exitCode: Int32 = 1) {
        self.message = message
        self.exitCode = exitCode
    }

    public var description: String { message }

    /// Exit statuses, documented in `ally --help` and docs/CLI.md.
    static func exitCode(for code: JournalError.Code) -> Int32 {
        switch code {
        case .notFound, .unknownEntry, .halfMade: 3
        case .ambiguousEntry, .invalidInput, .invalidQuery: 2
        case .notAJournal, .newerSchema, .corrupt: 4
        case .conflictingChange, .invalidState: 5
        case .alreadyExists, .storage: 1
        }
    }

    static func exitCode(for code: SyncError.Code) -> Int32 {
        switch code {
        case .notLoggedIn: 3
        case .badServer: 2
        case .refused, .conflict: 5
        case .unauthorized, .needsPassphrase: 6
        case .unreachable: 7
        case .untrusted: 8
        }
    }
}
