/// Every failure of the protocol layer: a code, a message for people, and the cause.
public struct ProtocolError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What kind of failure.
    public enum Code: String, Sendable {
        /// The envelope is not well formed (too short, unknown version).
        case malformedEnvelope
        /// The envelope failed authentication: wrong key, tampered, or moved to another user, device or seq.
        case authenticationFailed
        /// The envelope was sealed with a journal key this laptop does not have.
        case unknownKey
        /// The passphrase or recovery key does not open the journal key.
        case wrongSecret
        /// A value on the wire is malformed (base64, hex, lengths).
        case malformedValue
    }

    public var code: Code
    public var message: String

    /// Makes an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
