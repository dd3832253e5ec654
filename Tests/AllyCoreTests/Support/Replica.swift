import AllyCore

/// One simulated laptop for convergence tests: its own log, clock and view of what it has received.
struct Replica {
    let deviceID: DeviceID
    var clock: HybridClock
    /// Milliseconds this laptop's clock is off by.
    let skew: Int64
    private(set) var seq: Int64 = 0
    private(set) var changes: [ChangeID: Change] = [:]

    init(deviceID: DeviceID, skew: Int64) {
        self.deviceID = deviceID
        self.clock = HybridClock(deviceID: deviceID)
        self.skew = skew
    }

    /// Writes a local change at global time `now`.
    @discardableResult
    mutating func write(_ operation: ChangeOperation, to entryID: EntryID, now: Int64) -> Change {
        seq += 1
        let at = clock.tick(wallMillis: now + skew)
        let change = Change(id: ChangeID(deviceID: deviceID, seq: seq), at: at, entryID: entryID, operation: operation)
        changes[change.id] = change
        return change
    }

    /// Merges changes received from another laptop.
    mutating func receive(_ incoming: some Sequence<Change>) {
        for change in incoming where changes[change.id] == nil {
            changes[change.id] = change
            clock.observe(change.at)
        }
    }

    /// The merge state of one entry as this laptop sees it.
    func state(of entryID: EntryID) -> EntryState {
        EntryState(entryID: entryID, changes: changes.values.filter { $0.entryID == entryID })
    }

    /// What this laptop has seen, per device.
    var versionVector: VersionVector {
        var seen: [DeviceID: Int64] = [:]
        for id in changes.keys { seen[id.deviceID] = max(seen[id.deviceID] ?? 0, id.seq) }
        return VersionVector(seen)
    }

    /// Entries (with a create) this laptop knows.
    var entryIDs: [EntryID] {
        Set(changes.values.compactMap { if case .create = $0.operation { $0.entryID } else { nil } }).sorted()
    }
}
