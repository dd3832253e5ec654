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
            try database.write { db in try Self.setState(values, in: db) }
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

    /// Changes the server does not have yet, or has in a less erased form (SPEC §2.3), oldest first, with their
    /// local row ids.
    public func unpushedChanges(after rowID: Int64 = 0, limit: Int) throws -> [(rowID: Int64, change: Change)] {
        try Journal.wrap {
            try database.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT rowid, json FROM change WHERE pushed = 0 AND rowid > ?1
                        UNION SELECT c.rowid, c.json FROM replace_pending r JOIN change c ON c.device = r.device AND c.seq = r.seq
                            WHERE c.rowid > ?1
                        ORDER BY rowid LIMIT ?2
                        """,
                    arguments: [rowID, limit]
                ).map { row in (row["rowid"], try ChangeLog.decode(row["json"])) }
            }
        }
    }

    /// How many changes wait to be pushed (replaces included).
    public func unpushedCount() throws -> Int {
        try Journal.wrap {
            try database.read { db in
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT (SELECT count(*) FROM change WHERE pushed = 0)
                            + (SELECT count(*) FROM replace_pending r JOIN change c ON c.device = r.device AND c.seq = r.seq
                               WHERE c.pushed = 1)
                        """) ?? 0
            }
        }
    }

    /// Records that the server now holds these changes.
    /// Acknowledged changes stay unconfirmed until a pull shows them in the server's log (`requeueUnconfirmed`).
    public func markPushed(_ rowIDs: [Int64]) throws {
        try Journal.wrap {
            try database.write { db in
                let ack = try Self.nextAck(in: db)
                let statement = try db.cachedStatement(sql: "UPDATE change SET pushed = 1 WHERE rowid = ?")
                // Only changes still unpushed wait for confirmation: one already marked pushed was either seen in a
                // pull (another `ally sync` of this journal read it back between the server's answer and now) or
                // acknowledged to another push that keeps its own record.
                let unconfirmed = try db.cachedStatement(
                    sql: """
                        INSERT INTO push_unconfirmed(device, seq, ack)
                        SELECT device, seq, ? FROM change WHERE rowid = ? AND pushed = 0
                        ON CONFLICT(device, seq) DO UPDATE SET ack = excluded.ack
                        """)
                let replaced = try db.cachedStatement(
                    sql: """
                        DELETE FROM replace_pending WHERE EXISTS (
                            SELECT 1 FROM change c WHERE c.rowid = ? AND c.device = replace_pending.device
                                AND c.seq = replace_pending.seq)
                        """)
                for rowID in rowIDs {
                    try unconfirmed.execute(arguments: [ack, rowID])
                    try statement.execute(arguments: [rowID])
                    try replaced.execute(arguments: [rowID])
                }
            }
        }
    }

    /// The number of the next acknowledgement (a counter kept in sync_state).
    static func nextAck(in db: Database) throws -> Int64 {
        let current = try String.fetchOne(db, sql: "SELECT value FROM sync_state WHERE key = 'ackCounter'")
        let next = (current.flatMap { Int64($0) } ?? 0) + 1
        try setState(["ackCounter": String(next)], in: db)
        return next
    }

    /// The last acknowledgement so far: take it before a pull starts, and give it to `requeueUnconfirmed` after.
    public func lastAck() throws -> Int64 {
        try Journal.wrap {
            try database.read { db in
                try String.fetchOne(db, sql: "SELECT value FROM sync_state WHERE key = 'ackCounter'").flatMap {
                    Int64($0)
                } ?? 0
            }
        }
    }

    /// After a complete pull that started once acknowledgement `ack` had been made: changes acknowledged up to then
    /// that the pull did not show were lost by the server after it acknowledged them (a restore before this laptop
    /// read them back, SPEC §9.1). They are marked unpushed, to be sent again; returns how many. Later
    /// acknowledgements (another `ally sync` on this journal at the same time) are left for a later pull.
    public func requeueUnconfirmed(upTo ack: Int64) throws -> Int {
        try Journal.wrap {
            try database.write { db in
                try db.execute(
                    sql: """
                        UPDATE change SET pushed = 0 WHERE pushed = 1 AND EXISTS (
                            SELECT 1 FROM push_unconfirmed u
                            WHERE u.device = change.device AND u.seq = change.seq AND u.ack <= ?)
                        """, arguments: [ack])
                let requeued = db.changesCount
                try db.execute(sql: "DELETE FROM push_unconfirmed WHERE ack <= ?", arguments: [ack])
                return requeued
            }
        }
    }

    /// Forgets which changes the server has, so the next sync pushes everything again (after a server lost data).
    public func markAllUnpushed() throws {
        try Journal.wrap {
            try database.write { db in
                try db.execute(sql: "UPDATE change SET pushed = 0")
                try db.execute(sql: "DELETE FROM push_unconfirmed")
            }
        }
    }

    /// Merges one pulled page and stores `cursor` in the same transaction, so a crash or a cut connection
    /// resumes at a page boundary without loss or duplication. Pulled changes count as pushed. `chain` is the
    /// server's log chain at `cursor` (SPEC §9.1), kept with it and as a checkpoint for finding where this laptop's
    /// view and a restored server's log agree.
    public func applyPulled(
        _ changes: [Change], canonical: [String]? = nil,
        unreadable: [(refusal: ReceivedChange.Refusal, json: String)] = [],
        cursor: String, chain: String? = nil
    ) throws -> ApplyOutcome {
        precondition(canonical == nil || canonical?.count == changes.count, "one canonical form per change")
        let now = clock()
        return try apply(changes, canonical: canonical, fromServer: true) { db, outcome in
            try markUnpushed(outcome.keptErased, in: db)
            try Journal.holdUnreadable(unreadable, at: now, in: db)
            try Self.setState(["cursor": cursor, "cursor-chain": chain], in: db)
            if let chain, let position = Int64(cursor), position > 0 {
                try Self.setState([Self.checkpointKey(position): chain], in: db)
                try Self.thinCheckpoints(in: db)
            }
            // Only this journal's changes the server holds byte for byte count as pushed: one that differs from the
            // server's copy under the same id (a fork, SPEC §2.2) was never accepted there.
            let mark = try db.cachedStatement(
                sql: "UPDATE change SET pushed = 1 WHERE device = ? AND seq = ? AND json = ? AND pushed = 0")
            // Seen in the server's log: confirmed.
            let confirm = try db.cachedStatement(
                sql: """
                    DELETE FROM push_unconfirmed WHERE device = ?1 AND seq = ?2
                        AND EXISTS (SELECT 1 FROM change WHERE device = ?1 AND seq = ?2 AND json = ?3)
                    """)
            // A copy held aside because it differs from this journal's is the server's (SPEC §2.2).
            let server = try db.cachedStatement(
                sql: """
                    UPDATE held_change SET from_server = 1
                    WHERE device = ? AND seq = ? AND json = ? AND reason = 'differs' AND from_server = 0
                    """)
            // A purge or redaction seen in the server's log: it lies at or before the end of this page (SPEC §2.3).
            let position = try db.cachedStatement(
                sql: "UPDATE erasure SET position = ? WHERE device = ? AND seq = ? AND position IS NULL")
            // The server has this journal's form of a replaced change: nothing to send again.
            let replaced = try db.cachedStatement(
                sql: """
                    DELETE FROM replace_pending WHERE device = ?1 AND seq = ?2
                        AND EXISTS (SELECT 1 FROM change WHERE device = ?1 AND seq = ?2 AND json = ?3)
                    """)
            for (index, change) in changes.enumerated() {
                let json = try canonical?[index] ?? ChangeLog.json(of: change)
                try mark.execute(arguments: [change.id.deviceID.rawValue, change.id.seq, json])
                try replaced.execute(arguments: [change.id.deviceID.rawValue, change.id.seq, json])
                try confirm.execute(arguments: [change.id.deviceID.rawValue, change.id.seq, json])
                try server.execute(arguments: [change.id.deviceID.rawValue, change.id.seq, json])
                switch change.operation {
                case .purge, .redact:
                    try position.execute(arguments: [Int64(cursor), change.id.deviceID.rawValue, change.id.seq])
                default:
                    break
                }
            }
        }
    }

    /// After a pull: the server still holds these changes in a less erased form than this journal (SPEC §2.3), so
    /// this journal's stubs or redacted copies are sent again, replacing the server's.
    func markUnpushed(_ ids: [ChangeID], in db: Database) throws {
        for id in ids { try Erasures.sendAgain(id, in: db) }
    }

    /// Positions this laptop has read up to, with the server's chain there, oldest first.
    public func checkpoints() throws -> [(position: Int64, chain: String)] {
        try Journal.wrap {
            try database.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT key, value FROM sync_state WHERE key LIKE 'checkpoint:%' ORDER BY key"
                ).compactMap { row in
                    let key: String = row["key"]
                    return Int64(key.dropFirst("checkpoint:".count)).map { ($0, row["value"]) }
                }
            }
        }
    }

    /// Moves the cursor back to `position` (where this laptop and the server's log agree), forgetting the
    /// checkpoints after it, so the next pull reads again from there.
    public func rewindCursor(to position: Int64, chain: String?) throws {
        try Journal.wrap {
            try database.write { db in
                try Self.setState(["cursor": String(position), "cursor-chain": chain], in: db)
                try db.execute(
                    sql: "DELETE FROM sync_state WHERE key LIKE 'checkpoint:%' AND key > ?",
                    arguments: [Self.checkpointKey(position)])
            }
        }
    }

    /// Marks unpushed every change whose id the server does not hold (`held`: runs of seqs per device), so the next
    /// push sends exactly those. Returns how many were marked.
    public func markUnpushed(notHeldIn held: [(device: String, first: Int64, last: Int64)]) throws -> Int {
        try Journal.wrap {
            try database.write { db in
                try db.execute(
                    sql: "CREATE TEMP TABLE IF NOT EXISTS server_held (device TEXT, first INTEGER, last INTEGER)")
                try db.execute(sql: "DELETE FROM server_held")
                let insert = try db.makeStatement(sql: "INSERT INTO server_held VALUES (?, ?, ?)")
                for range in held { try insert.execute(arguments: [range.device, range.first, range.last]) }
                try db.execute(
                    sql: "CREATE INDEX IF NOT EXISTS temp.server_held_by_device ON server_held(device, first)")
                try db.execute(
                    sql: """
                        UPDATE change SET pushed = 0 WHERE pushed = 1 AND NOT EXISTS (
                            SELECT 1 FROM server_held h WHERE h.device = change.device AND change.seq BETWEEN h.first AND h.last)
                        """)
                let marked = db.changesCount
                try db.execute(sql: "DROP TABLE server_held")
                return marked
            }
        }
    }

    static func checkpointKey(_ position: Int64) -> String {
        let digits = String(position)
        return "checkpoint:" + String(repeating: "0", count: max(0, 19 - digits.count)) + digits
    }

    /// Sets (or, with nil, removes) sync settings inside a transaction.
    static func setState(_ values: [String: String?], in db: Database) throws {
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

    /// Keeps checkpoints few and spread back in time: past 64, the newest 32 stay and every other older one goes,
    /// so their spacing roughly doubles with age.
    static func thinCheckpoints(in db: Database) throws {
        let keys = try String.fetchAll(
            db, sql: "SELECT key FROM sync_state WHERE key LIKE 'checkpoint:%' ORDER BY key DESC")
        guard keys.count > 64 else { return }
        let older = keys.dropFirst(32)
        for (index, key) in older.enumerated() where index % 2 == 1 {
            try db.execute(sql: "DELETE FROM sync_state WHERE key = ?", arguments: [key])
        }
    }
}
