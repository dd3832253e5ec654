/// Every failure of sync: a code the CLI maps to an exit status, and a message that says what to do.
public struct SyncError: Error, CustomStringConvertible, Sendable {
    public enum Code: String, Sendable {
        /// No account on this journal yet.
        case notLoggedIn
        /// The server could not be reached (after retries).
        case unreachable
        /// Wrong passphrase, or a revoked or unknown token.
        case unauthorized
        /// The server refused the request (4xx other than 401).
        case refused
        /// A server answer failed authentication or could not be read; nothing of it was applied.
        case untrusted
        /// The URL is not usable (http:// to a non-loopback host without --allow-insecure-http, say).
        case badServer
        /// The server said 409: it holds different bytes under a change id this laptop has.
        case conflict
        /// The account's journal key was rotated (SPEC §8.1) and this laptop has not got the new one: it cannot be
        /// opened without the passphrase (the laptop had no key pair on the server at the rotation).
        case needsPassphrase
    }

    public var code: Code
    public var message: String
    /// The HTTP status, when the server answered.
    public var status: Int?

    public init(_ code: Code, _ message: String, status: Int? = nil) {
        self.code = code
        self.message = message
        self.status = status
    }

    public var description: String { message }
}
