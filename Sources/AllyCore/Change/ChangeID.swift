/// The identity of a change: the device that wrote it and its place in that device's log (1, 2, 3…).
public struct ChangeID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The device that wrote the change.
    public var deviceID: DeviceID
    /// The change's position in its device's log, from 1.
    public var seq: Int64

    /// Makes a change identity.
    public init(deviceID: DeviceID, seq: Int64) {
        self.deviceID = deviceID
        self.seq = seq
    }

    /// `DEVICE.SEQ` with the full device id: the form used on the wire for body parents.
    public var description: String { "\(deviceID.rawValue).\(seq)" }

    /// `DEVICE8.SEQ`: how a body version is named to a user (`ally resolve --take 3fa2c9d1.17`).
    public var short: String { "\(deviceID.short).\(seq)" }

    /// Parses `DEVICE.SEQ` as written by `description`.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let device = DeviceID(rawValue: String(parts[0])), let seq = Int64(parts[1]),
            seq >= 1
        else { return nil }
        self.init(deviceID: device, seq: seq)
    }

    public static func < (lhs: ChangeID, rhs: ChangeID) -> Bool {
        lhs.deviceID != rhs.deviceID ? lhs.deviceID < rhs.deviceID : lhs.seq < rhs.seq
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = ChangeID(text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not a change id: \(text)"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
