/// The hybrid logical clock of one device: a pure state machine the store feeds with wall time.
///
/// `tick(wallMillis:)` issues a timestamp for a local change; `observe(_:)` folds in a timestamp seen on a
/// foreign change so that later local changes order after it (Protocol/SPEC.md §3).
public struct HybridClock: Sendable {
    /// The device this clock issues timestamps for.
    public let deviceID: DeviceID
    /// The latest timestamp issued or observed.
    public private(set) var latest: HybridTimestamp?

    /// Makes a clock for `deviceID` that has seen `latest` (nil for a new journal).
    public init(deviceID: DeviceID, latest: HybridTimestamp? = nil) {
        self.deviceID = deviceID
        self.latest = latest
    }

    /// Issues the next timestamp, strictly above every one issued or observed so far.
    public mutating func tick(wallMillis: Int64) -> HybridTimestamp {
        let next: HybridTimestamp
        if let latest, latest.wallMillis >= wallMillis, latest.counter == Int32.max {
            // §3: the counter never overflows; the wall moves on by a millisecond instead.
            next = HybridTimestamp(wallMillis: latest.wallMillis &+ 1, counter: 0, deviceID: deviceID)
        } else if let latest, latest.wallMillis >= wallMillis {
            next = HybridTimestamp(wallMillis: latest.wallMillis, counter: latest.counter + 1, deviceID: deviceID)
        } else {
            next = HybridTimestamp(wallMillis: wallMillis, counter: 0, deviceID: deviceID)
        }
        latest = next
        return next
    }

    /// Folds in a timestamp seen on another device's change.
    public mutating func observe(_ timestamp: HybridTimestamp) {
        if let latest, latest >= timestamp { return }
        latest = timestamp
    }
}
