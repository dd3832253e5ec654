import AllyCore
import GRDB

/// Numbers, timestamps and inserts this device's new changes inside one write transaction.
struct ChangeAppender {
    private var nextSeq: Int64
    private var clock: HybridClock
    private let wallMillis: Int64

    init(_ db: Database, deviceID: DeviceID, wallMillis: Int64) throws {
        let lastSeq = try Int64.fetchOne(
            db, sql: "SELECT max(seq) FROM change WHERE device = ?", arguments: [deviceID.rawValue])
        nextSeq = (lastSeq ?? 0) + 1
        var latest: HybridTimestamp?
        if let row = try Row.fetchOne(
            db, sql: "SELECT wall, counter, device FROM change ORDER BY wall DESC, counter DESC, device DESC LIMIT 1"),
            let device = DeviceID(rawValue: row["device"])
        {
            latest = HybridTimestamp(wallMillis: row["wall"], counter: row["counter"], deviceID: device)
        }
        clock = HybridClock(deviceID: deviceID, latest: latest)
        self.wallMillis = wallMillis
    }

    /// Appends one change to the log and returns it.
    mutating func append(_ operation: ChangeOperation, to entryID: EntryID, in db: Database) throws -> Change {
        let at = clock.tick(wallMillis: wallMillis)
        let change = Change(
            id: ChangeID(deviceID: clock.deviceID, seq: nextSeq), at: at, entryID: entryID, operation: operation)
        let json = try ChangeLog.json(of: change)
        guard json.utf8.count <= Change.maximumBytes else {
            throw JournalError(
                .invalidInput,
                "this text is too long to save as one entry (\(json.utf8.count >> 10) KiB; an entry holds at most "
                    + "\(Change.maximumBytes >> 10) KiB): split it into several entries; nothing was written")
        }
        nextSeq += 1
        try ChangeLog.insert(change, json: json, in: db)
        return change
    }
}
