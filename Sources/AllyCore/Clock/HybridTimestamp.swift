/// A hybrid logical clock reading: wall-clock milliseconds, a counter, and the device as the final tie-break.
///
/// The order is total (no two changes compare equal) and respects causality even when laptops' clocks
/// disagree: a device never issues a timestamp below one it has already seen (Protocol/SPEC.md §3).
public struct HybridTimestamp: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z, as far as the issuing device could tell.
    public var wallMillis: Int64
    /// Orders events that share a millisecond, or that came after a reading from a clock running ahead.
    public var counter: Int32
    /// The device that issued the reading; breaks ties so the order is total.
    public var deviceID: DeviceID

    /// Makes a reading from its parts.
    public init(wallMillis: Int64, counter: Int32, deviceID: DeviceID) {
        self.wallMillis = wallMillis
        self.counter = counter
        self.deviceID = deviceID
    }

    public static func < (lhs: HybridTimestamp, rhs: HybridTimestamp) -> Bool {
        if lhs.wallMillis != rhs.wallMillis { return lhs.wallMillis < rhs.wallMillis }
        if lhs.counter != rhs.counter { return lhs.counter < rhs.counter }
        return lhs.deviceID < rhs.deviceID
    }

    public var description: String { "\(wallMillis).\(counter)@\(deviceID.short)" }

    enum CodingKeys: String, CodingKey {
        case wallMillis = "wall"
        case counter
        case deviceID = "device"
    }
}
