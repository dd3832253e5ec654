/// A random 64-bit identifier of one journal replica (a laptop), written as 16 lowercase hex digits.
///
/// Each device numbers its own changes 1, 2, 3…, so `(DeviceID, seq)` names a change everywhere.
public struct DeviceID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The 16 lowercase hex digits.
    public let rawValue: String

    /// Makes a device identifier from 16 lowercase hex digits, or nil if `rawValue` is not one.
    public init?(rawValue: String) {
        guard rawValue.utf8.count == 16, HexID.isValid(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    /// Makes a fresh random device identifier.
    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> DeviceID {
        DeviceID(unchecked: HexID.random(bytes: 8, using: &generator))
    }

    /// Makes a fresh device identifier from the system's random source.
    public static func random() -> DeviceID {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    init(unchecked rawValue: String) { self.rawValue = rawValue }

    /// The first 8 digits, enough to tell a user's two or three laptops apart.
    public var short: String { String(rawValue.prefix(8)) }

    public var description: String { rawValue }

    public static func < (lhs: DeviceID, rhs: DeviceID) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = DeviceID(rawValue: text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not a device id: \(text)"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
