/// For each device, the highest seq of that device's changes that had been seen: a summary of a causal past.
///
/// A trash records the vector of the journal that trashed, so a later merge can tell which edits the
/// trash knew about and which happened concurrently (Protocol/SPEC.md §4.4).
public struct VersionVector: Hashable, Sendable, Codable {
    /// Highest seq seen per device.
    public var seen: [DeviceID: Int64]

    /// Makes a vector from its entries.
    public init(_ seen: [DeviceID: Int64] = [:]) { self.seen = seen }

    /// Whether the change `id` is in the past this vector summarises.
    public func covers(_ id: ChangeID) -> Bool { (seen[id.deviceID] ?? 0) >= id.seq }

    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode([String: Int64].self)
        var seen: [DeviceID: Int64] = [:]
        for (key, value) in raw {
            guard let device = DeviceID(rawValue: key) else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: decoder.codingPath, debugDescription: "not a device id: \(key)"))
            }
            seen[device] = value
        }
        self.seen = seen
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Dictionary(uniqueKeysWithValues: seen.map { ($0.key.rawValue, $0.value) }))
    }
}
