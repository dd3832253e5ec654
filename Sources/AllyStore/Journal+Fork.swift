import AllyCore
import Foundation
import GRDB

/// A journal restored from a backup (or copied) writes new changes under seq numbers its other copy already used
/// with other content. SPEC §2.2: the copy whose changes nobody else accepted moves to a new device id,
/// re-issues those changes under it, and then takes the other copy's changes as received.
extension Journal {
    /// What `resolveFork` did.
    public struct Fork: Codable, Sendable, Equatable {
        /// The id this journal wrote under until the fork.
        public var formerDeviceID: DeviceID
        /// The id it writes under from now on.
        public var newDeviceID: DeviceID
        /// Its own changes renumbered under the new id (they are pushed and exported again).
        public var reissued: Int
        /// The other copy's changes under the former id, held aside until now and now merged.
        public var merged: Int

        enum CodingKeys: String, CodingKey {
            case formerDeviceID = "formerDevice"
            case newDeviceID = "newDevice"
            case reissued, merged
        }
    }

    /// The device id this journal writes under now (it changes once a fork is resolved).
    static func writer(in db: Database, or fallback: DeviceID) throws -> DeviceID {
        try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'device'").flatMap(DeviceID.init(rawValue:))
            ?? fallback
    }

    /// Resolves a fork if one is known: another copy's change under this journal's own id is held aside (it
    /// differs from this journal's change with that id), and this journal's change was never accepted by a server
    /// (or, with `otherIsAccepted`, the other copy came in a pull after the server was restored from a backup).
    /// `otherIsAccepted` says the other copy came from the server (a pull), which settles which copy moves; from a
    /// bundle, the copy whose first differing change has the greater canonical JSON moves, so that of two copies
    /// exchanging bundles exactly one does. Returns nil when there is nothing to resolve.
    public func resolveFork(otherIsAccepted: Bool) throws -> Fork? {
        try Journal.wrap {
            try database.write { db in
                let former = try Journal.writer(in: db, or: deviceID)
                guard
                    let first = try Row.fetchOne(
                        db,
                        sql: """
                            SELECT h.seq, h.json AS theirs, c.json AS ours FROM held_change h
                            JOIN change c ON c.device = h.device AND c.seq = h.seq
                            WHERE h.reason = 'differs' AND h.settled = 0 AND h.device = ? AND c.json != h.json
                                AND (c.pushed = 0 OR (? AND h.from_server = 1))
                            ORDER BY h.seq LIMIT 1
                            """, arguments: [former.rawValue, otherIsAccepted])
                else { return nil }
                let ours: String = first["ours"]
                let theirs: String = first["theirs"]
                guard otherIsAccepted || ours > theirs else { return nil }
                let divergence: Int64 = first["seq"] - 1
                return try fork(from: former, after: divergence, movingWriter: true, in: db)
            }
        }
    }

    /// The same for another journal's changes this one holds in a form the server refused: a forked copy's changes,
    /// received by bundle before that copy found its fork. The server's copies are the accepted ones; ours move to a
    /// new id of their own (so their words stay, and may arrive again re-issued by that copy: the merge takes both),
    /// then the server's copies merge. Only with the server's word (`otherIsAccepted`, a pull). Returns how many
    /// changes moved.
    public func resolveRelayedForks() throws -> Int {
        try Journal.wrap {
            try database.write { db in
                let own = try Journal.writer(in: db, or: deviceID)
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT h.device, min(h.seq) AS first FROM held_change h
                        JOIN change c ON c.device = h.device AND c.seq = h.seq
                        WHERE h.reason = 'differs' AND h.settled = 0 AND h.device != ? AND c.json != h.json
                            AND (c.pushed = 0 OR h.from_server = 1)
                        GROUP BY h.device
                        """, arguments: [own.rawValue])
                var moved = 0
                for row in rows {
                    guard let device = DeviceID(rawValue: row["device"]) else { continue }
                    let first: Int64 = row["first"]
                    moved += try fork(from: device, after: first - 1, movingWriter: false, in: db).reissued
                }
                return moved
            }
        }
    }

    /// Moves this journal's unaccepted changes after `divergence` from `former` to a new id, then merges the other
    /// copy's held changes, in the caller's transaction.
    private func fork(from former: DeviceID, after divergence: Int64, movingWriter: Bool, in db: Database) throws
        -> Fork
    {
        // Ours: never accepted by a server, or accepted once but now differing from the server's copy (a server
        // restored from a backup took the other copy's change under the same id).
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT rowid, json FROM change WHERE device = ? AND seq > ? AND (pushed = 0 OR EXISTS (
                    SELECT 1 FROM held_change h WHERE h.device = change.device AND h.seq = change.seq
                        AND h.reason = 'differs' AND h.settled = 0 AND h.from_server = 1 AND h.json != change.json))
                ORDER BY seq
                """,
            arguments: [former.rawValue, divergence])
        let ours = try rows.map { try ChangeLog.decode($0["json"]) }
        let fresh = rows.first.map { Self.forkID(former: former, firstMoved: $0["json"]) } ?? DeviceID.random()
        var renamed: [ChangeID: ChangeID] = [:]
        for (index, change) in ours.enumerated() {
            renamed[change.id] = ChangeID(deviceID: fresh, seq: Int64(index + 1))
        }
        let delete = try db.makeStatement(sql: "DELETE FROM change WHERE rowid = ?")
        for row in rows { try delete.execute(arguments: [row["rowid"] as Int64]) }
        var touched = Set<EntryID>()
        for change in ours {
            let moved = Self.reissue(change, renamed: renamed, former: former, divergence: divergence)
            let json = try ChangeLog.json(of: moved)
            touched.insert(change.entryID)
            // Another laptop holding the same copy moved it the same way, and its moved changes may be here already.
            guard try ChangeLog.storedJSON(of: moved.id, in: db) == nil else { continue }
            try ChangeLog.insert(moved, json: json, in: db)
        }
        if movingWriter {
            try db.execute(sql: "UPDATE meta SET value = ? WHERE key = 'device'", arguments: [fresh.rawValue])
            try db.execute(
                sql:
                    "INSERT INTO meta(key, value) VALUES ('former-device', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                arguments: [former.rawValue])
        }
        for entryID in touched {
            if let entry = try ChangeLog.state(of: entryID, in: db).makeEntry() { try Projection.save(entry, in: db) }
        }
        // The other copy's changes under the former id no longer collide: merge them as received.
        let held = try Row.fetchAll(
            db,
            sql: """
                SELECT rowid, json FROM held_change WHERE reason = 'differs' AND settled = 0 AND device = ? AND seq > ?
                ORDER BY from_server
                """, arguments: [former.rawValue, divergence])
        var unique: [ChangeID: (change: Change, json: String)] = [:]
        for row in held {
            let json: String = row["json"]
            let change = try ChangeLog.decode(json)
            unique[change.id] = (change, json)
            try db.execute(sql: "DELETE FROM held_change WHERE rowid = ?", arguments: [row["rowid"] as Int64])
        }
        let outcome = try merge(unique, in: db)
        return Fork(formerDeviceID: former, newDeviceID: fresh, reissued: ours.count, merged: outcome.inserted)
    }

    /// The id a copy's changes move to: derived from the first of them, so that every laptop holding the same copy
    /// (relayed by bundle or pulled before a server restore) moves it to the same id, and the copies merge as one
    /// instead of arriving twice. FNV-1a (64 bits): the laptops of one journal are not adversaries to one another.
    static func forkID(former: DeviceID, firstMoved json: String) -> DeviceID {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "ally-fork\n\(former.rawValue)\n\(json)".utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return DeviceID(rawValue: String(repeating: "0", count: 16 - hex.count) + hex) ?? DeviceID.random()
    }

    /// `change` under its new id, with references to the other renumbered changes renamed the same way. A trash's
    /// vector keeps the former id only up to the divergence (the other copy's later changes were not seen) and
    /// covers the renumbered changes it had seen.
    static func reissue(_ change: Change, renamed: [ChangeID: ChangeID], former: DeviceID, divergence: Int64)
        -> Change
    {
        let id = renamed[change.id] ?? change.id
        var operation = change.operation
        switch operation {
        case .remove(let field, let element, let observed):
            operation = .remove(field, element, observed: observed.map { renamed[$0] ?? $0 })
        case .editBody(let text, let parents):
            operation = .editBody(text: text, parents: parents.map { renamed[$0] ?? $0 })
        case .trash(let seen):
            var vector = seen.seen
            if let last = vector[former], last > divergence {
                vector[former] = divergence
                let covered = renamed.filter { $0.key.seq <= last }.map(\.value.seq).max()
                if let covered { vector[id.deviceID] = covered }
            }
            operation = .trash(seen: VersionVector(vector))
        case .stub(let was, let parents):
            operation = .stub(was: was, parents: parents.map { renamed[$0] ?? $0 })
        case .redact(let targets, let phi):
            operation = .redact(targets: targets.map { renamed[$0] ?? $0 }, phi: phi)
        case .create, .set, .add, .restore, .purge:
            break
        }
        return Change(
            id: id,
            at: HybridTimestamp(wallMillis: change.at.wallMillis, counter: change.at.counter, deviceID: id.deviceID),
            entryID: change.entryID, operation: operation, isRedacted: change.isRedacted)
    }
}
