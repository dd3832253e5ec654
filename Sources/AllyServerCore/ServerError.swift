import GRDB
import PostgresNIO

/// Every failure the server reports: a code (mapped to an HTTP status only in AllyServer), a message safe to show
/// the client (never a secret or a payload), and the cause for the log.
public struct ServerError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable {
        case badRequest, unauthorized, forbidden, notFound, conflict, tooLarge, tooManyRequests, unavailable
    }

    public var code: Code
    public var message: String
    /// Seconds to wait, for `tooManyRequests`.
    public var retryAfter: Int?

    public init(_ code: Code, _ message: String, retryAfter: Int? = nil) {
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
    }

    public var description: String { message }
}

extension ServerError {
    /// The answer for a failure of the database itself (full disk, I/O error, locked past the busy timeout, a lost
    /// PostgreSQL connection): 503 with Retry-After, since the request may well succeed later and nothing was stored.
    /// Nil for any other error, which stays a 500.
    public static func storageFailure(_ error: any Error) -> ServerError? {
        let unavailable = ServerError(
            .unavailable, "the server's database is unavailable right now; nothing was stored, try again shortly",
            retryAfter: 5)
        if let error = error as? DatabaseError {
            switch error.resultCode {
            case .SQLITE_FULL, .SQLITE_IOERR, .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_CANTOPEN, .SQLITE_READONLY,
                .SQLITE_NOMEM, .SQLITE_PROTOCOL:
                return unavailable
            default: return nil
            }
        }
        if error is PSQLError || error is PostgresTransactionError { return unavailable }
        return nil
    }
}
