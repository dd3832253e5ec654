/// A random 128-bit entry identifier, written as 32 lowercase hex digits.
///
/// Users see the shortest unique prefix of at least 8 digits, like git's abbreviated hashes.
public struct EntryID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The 32 lowercase hex digits.
    public let rawValue: String

    /// Makes an identifier from 32 lowercase hex digits, or nil if `rawValue` is not one.
    public init?(rawValue: String) {
        guard rawValue.utf8.count == 32, HexID.isValid(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    /// Makes a fresh random identifier.
    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> EntryID {
        EntryID(unchecked: HexID.random(bytes: 16, using: &generator))
    }

    /// Makes a fresh identifier from the system's random source.
    public static func random() -> EntryID {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    init(unchecked rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }

    public static func < (lhs: EntryID, rhs: EntryID) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = EntryID(rawValue: text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not an entry id: \(text)"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
