import AllyCore
import Foundation
import GRDB

/// What the sync engine needs from the journal: its settings, the changes to push, and pages to apply together
/// with their cursor.
extension Journal {
    /// The sync settings (server, account, token, key, cursor…), by key.
    public func syncState() throws -> [String: String] {
        try Journal.wrap {
            try database.read { db in
                Dictionary(
                    try Row.fetchAll(db, sql: "SELECT key, value FROM sync_state").map { ($0["key"], $0["value"]) },
                    uniquingKeysWith: { first, _ in first })
            }
        }
    }

    /// Sets (or, with nil, removes) sync settings in one transaction.
    public func updateSyncState(_ values: [String: String?]) throws {
        try Journal.wrap {
            try database.write { db in
                for (key, value) in values {
                    if let value {
                        try db.execute(
                            sql:
                                "INSERT INTO sync_state(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                            arguments: [key, value])
                    } else {
                        try db.execute(sql: "DELETE FROM sync_state WHERE key = ?", arguments: [key])
                    }
                }
            }
        }
    }

    /// Other laptops' names as this journal last learned them (`ally devices`, `ally sync`), by device.
    public func deviceNames() throws -> [DeviceID: String] {
        var names: [DeviceID: String] = [:]
        for (key, value) in try syncState() where key.hasPrefix("device-name:") {
            if let device = DeviceID(rawValue: String(key.dropFirst("device-name:".count))) { names[device] = value }
        }
        return names
    }

    /// Remembers laptops' names for showing conflicts and history offline.
    public func rememberDeviceNames(_ names: [DeviceID: String]) throws {
        try updateSyncState(
            Dictionary(uniqueKeysWithValues: names.map { ("device-name:\($0.key.rawValue)", $0.value) }))
    }

    /// Changes the server does not have yet, oldest first, with their local row ids.
    public func unpushedChanges(after rowID: Int64 = 0, limit: Int) throws -> [(rowID: Int64, change: Change)] {
        try Journal.wrap {
            try database.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT rowid, json FROM change WHERE pushed = 0 AND rowid > ? ORDER BY rowid LIMIT ?",
                    arguments: [rowID, limit]
                ).map { row in (row["rowid"], try ChangeLog.decode(row["json"])) }
            }
        }
    }

    /// How many changes wait to be pushed.
    public func unpushedCount() throws -> Int {
        try Journal.wrap {
            try database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM change WHERE pushed = 0") ?? 0 }
        }
    }

    /// Records that the server now holds these changes.
    public func markPushed(_ rowIDs: [Int64]) throws {
        try Journal.wrap {
            try database.write { db in
                let statement = try db.cachedStatement(sql: "UPDATE change SET pushed = 1 WHERE rowid = ?")
                for rowID in rowIDs { try statement.execute(arguments: [rowID]) }
            }
        }
    }

    /// Forgets which changes the server has, so the next sync pushes everything again (after a server lost data).
    public func markAllUnpushed() throws {
        try Journal.wrap { try database.write { db in try db.execute(sql: "UPDATE change SET pushed = 0") } }
    }

    /// Merges one pulled page and stores `cursor` in the same transaction, so a crash or a cut connection
    /// resumes at a page boundary without loss or duplication. Pulled changes count as pushed.
    public func applyPulled(_ changes: [Change], canonical: [String]? = nil, cursor: String) throws -> ApplyOutcome {
        precondition(canonical == nil || canonical?.count == changes.count, "one canonical form per change")
        return try apply(changes, canonical: canonical) { db in
            try db.execute(
                sql:
                    "INSERT INTO sync_state(key, value) VALUES ('cursor', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                arguments: [cursor])
            let mark = try db.cachedStatement(sql: "UPDATE change SET pushed = 1 WHERE device = ? AND seq = ?")
            for change in changes { try mark.execute(arguments: [change.id.deviceID.rawValue, change.id.seq]) }
        }
    }
}
