import AllyCore
import Foundation
import GRDB

/// SQL for the append-only change table.
enum ChangeLog {
    static func json(of change: Change) throws -> String {
        String(decoding: try change.canonicalJSON(), as: UTF8.self)
    }

    static func insert(_ change: Change, json: String, in db: Database) throws {
        let statement = try db.cachedStatement(
            sql: "INSERT INTO change(device, seq, wall, counter, entry, json) VALUES (?, ?, ?, ?, ?, ?)")
        try statement.execute(arguments: [
            change.id.deviceID.rawValue, change.id.seq, change.at.wallMillis, change.at.counter,
            change.entryID.rawValue, json,
        ])
    }

    /// The stored canonical JSON of the change `id`, if the log has it.
    static func storedJSON(of id: ChangeID, in db: Database) throws -> String? {
        let statement = try db.cachedStatement(sql: "SELECT json FROM change WHERE device = ? AND seq = ?")
        return try String.fetchOne(statement, arguments: [id.deviceID.rawValue, id.seq])
    }

    /// The highest seq this journal holds from `device` (0 if none).
    static func lastSeq(of device: DeviceID, in db: Database) throws -> Int64 {
        let statement = try db.cachedStatement(sql: "SELECT max(seq) FROM change WHERE device = ?")
        return try Int64.fetchOne(statement, arguments: [device.rawValue]) ?? 0
    }

    static func hasChanges(for entryID: EntryID, in db: Database) throws -> Bool {
        let statement = try db.cachedStatement(sql: "SELECT EXISTS(SELECT 1 FROM change WHERE entry = ?)")
        return try Bool.fetchOne(statement, arguments: [entryID.rawValue]) ?? false
    }

    /// Every change of one entry, in local arrival order.
    static func changes(for entryID: EntryID, in db: Database) throws -> [Change] {
        let statement = try db.cachedStatement(sql: "SELECT json FROM change WHERE entry = ? ORDER BY rowid")
        return try String.fetchAll(statement, arguments: [entryID.rawValue]).map(decode)
    }

    static func decode(_ json: String) throws -> Change {
        do {
            return try JSONDecoder().decode(Change.self, from: Data(json.utf8))
        } catch {
            throw JournalError(.corrupt, "a stored change cannot be read; the journal is damaged", cause: nil)
        }
    }

    static func state(of entryID: EntryID, in db: Database) throws -> EntryState {
        EntryState(entryID: entryID, changes: try changes(for: entryID, in: db))
    }

    /// For each device, the highest seq this journal holds: what a trash written now has seen.
    static func versionVector(in db: Database) throws -> VersionVector {
        var seen: [DeviceID: Int64] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT device, max(seq) AS seq FROM change GROUP BY device") {
            if let device = DeviceID(rawValue: row["device"]) { seen[device] = row["seq"] }
        }
        return VersionVector(seen)
    }
}
