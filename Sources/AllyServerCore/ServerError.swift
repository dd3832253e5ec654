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
