import AllyCore
import Foundation
import GRDB

/// A received change kept out of the change log (Protocol/SPEC.md §2.1), as `ally check` lists it.
public struct HeldChange: Sendable, Hashable {
    /// Why a change is held aside.
    public enum Reason: String, Sendable {
        /// It follows a gap in its device's numbering; it is applied once the missing changes arrive.
        case gap
        /// This journal holds a different change under the same id; the user settles it.
        case differs
    }

    /// The change as it arrived.
    public var change: Change
    /// Why it is held.
    public var reason: Reason
    /// When it was first held (ms since the epoch, this laptop's clock).
    public var heldAt: Int64
}

/// SQL for the `held_change` table.
enum HeldChanges {
    /// `fromServer`: it came in a pull, so the server holds these bytes (a change the server moved by a replace can
    /// arrive before its device's earlier ones, SPEC §2.3).
    static func hold(
        _ change: Change, json: String, reason: HeldChange.Reason, at now: Int64, fromServer: Bool = false,
        in db: Database
    ) throws {
        try db.execute(
            sql: """
                INSERT INTO held_change(device, seq, entry, json, reason, held_at, from_server) VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(device, seq, json) DO UPDATE SET from_server = max(from_server, excluded.from_server)
                """,
            arguments: [
                change.id.deviceID.rawValue, change.id.seq, change.entryID.rawValue, json, reason.rawValue, now,
                fromServer,
            ])
    }

    /// Removes and returns the changes of `device` waiting for a gap, so the caller can try them again.
    static func takeWaiting(from device: DeviceID, in db: Database) throws -> [(
        change: Change, json: String, fromServer: Bool
    )] {
        let rows = try Row.fetchAll(
            db, sql: "SELECT json, from_server FROM held_change WHERE reason = 'gap' AND device = ?",
            arguments: [device.rawValue])
        guard !rows.isEmpty else { return [] }
        try db.execute(
            sql: "DELETE FROM held_change WHERE reason = 'gap' AND device = ?", arguments: [device.rawValue])
        return try rows.map { (try ChangeLog.decode($0["json"]), $0["json"], $0["from_server"]) }
    }

    /// Whether the user already settled this very copy (it arrives again with every bundle from that laptop).
    static func isSettled(_ change: Change, json: String, in db: Database) throws -> Bool {
        try Bool.fetchOne(
            db,
            sql: "SELECT EXISTS(SELECT 1 FROM held_change WHERE device = ? AND seq = ? AND json = ? AND settled = 1)",
            arguments: [change.id.deviceID.rawValue, change.id.seq, json]) ?? false
    }

    static func count(_ reason: HeldChange.Reason, in db: Database) throws -> Int {
        try Int.fetchOne(
            db, sql: "SELECT count(*) FROM held_change WHERE reason = ? AND settled = 0", arguments: [reason.rawValue])
            ?? 0
    }
}

extension Journal {
    /// The received changes held aside and not settled, oldest first.
    public func heldChanges() throws -> [HeldChange] {
        try Journal.wrap {
            try database.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT json, reason, held_at FROM held_change WHERE settled = 0 ORDER BY rowid"
                ).compactMap { row in
                    guard let reason = HeldChange.Reason(rawValue: row["reason"]) else { return nil }
                    return HeldChange(change: try ChangeLog.decode(row["json"]), reason: reason, heldAt: row["held_at"])
                }
            }
        }
    }

    /// What `settleDifferingChanges()` did.
    public struct Settlement: Sendable, Equatable {
        /// How many held copies were settled.
        public var settled = 0
        /// The journal's new device id, when a held copy was under its own id: another copy of this journal
        /// exists (a file copy, or a restore from a backup), and this one now writes under a new id so the two
        /// never number one log again.
        public var newDeviceID: DeviceID?

        /// Nothing settled.
        public init() {}
    }

    /// Settles every held change that differs from this journal's copy by keeping both (SPEC §2.1): the other
    /// copy's operation is written again as a new change of this journal, so its words merge like any concurrent
    /// edit, and that copy is marked settled so it is not held again when it comes back.
    @discardableResult
    public func settleDifferingChanges() throws -> Settlement {
        let now = clock()
        return try Journal.wrap {
            try database.write { db in
                let rows = try Row.fetchAll(
                    db,
                    sql: "SELECT rowid, json FROM held_change WHERE reason = 'differs' AND settled = 0 ORDER BY rowid")
                var settlement = Settlement()
                guard !rows.isEmpty else { return settlement }
                let held = try rows.map { try ChangeLog.decode($0["json"]) }
                var writer =
                    try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'device'").flatMap(
                        DeviceID.init(rawValue:)) ?? deviceID
                if held.contains(where: { $0.id.deviceID == writer }) {
                    // §2.1: two journals write under this id; this one moves to a fresh id for every later write.
                    writer = DeviceID.random()
                    try db.execute(sql: "UPDATE meta SET value = ? WHERE key = 'device'", arguments: [writer.rawValue])
                    try db.execute(
                        sql:
                            "INSERT INTO meta(key, value) VALUES ('former-device', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                        arguments: [deviceID.rawValue])
                    settlement.newDeviceID = writer
                }
                var appender = try ChangeAppender(db, deviceID: writer, wallMillis: now)
                var touched = Set<EntryID>()
                for (row, change) in zip(rows, held) {
                    let state = try ChangeLog.state(of: change.entryID, in: db)
                    // A create adds nothing to an entry this journal already has; for one it lacks, it is the entry.
                    if case .create = change.operation, state.makeEntry() != nil {
                    } else {
                        _ = try appender.append(change.operation, to: change.entryID, in: db)
                        touched.insert(change.entryID)
                    }
                    try db.execute(
                        sql: "UPDATE held_change SET settled = 1 WHERE rowid = ?", arguments: [row["rowid"] as Int64])
                    settlement.settled += 1
                }
                for entryID in touched {
                    if let entry = try ChangeLog.state(of: entryID, in: db).makeEntry() {
                        try Projection.save(entry, in: db)
                    }
                }
                return settlement
            }
        }
    }
}

/// A received change this version cannot apply (SPEC §2.1), as `ally status` and `ally check` list it.
public struct UnreadableChange: Sendable, Hashable {
    public var id: ChangeID
    public var entryID: EntryID?
    public var reason: ReceivedChange.Reason
    public var problem: String
    /// When it was first held (ms since the epoch, this laptop's clock).
    public var heldAt: Int64
}

extension Journal {
    /// The received changes held aside as unreadable, oldest first.
    public func unreadableChanges() throws -> [UnreadableChange] {
        try Journal.wrap {
            try database.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT device, seq, entry, reason, problem, held_at FROM unreadable_change ORDER BY rowid"
                ).compactMap { row in
                    guard let device = DeviceID(rawValue: row["device"]),
                        let reason = ReceivedChange.Reason(rawValue: row["reason"])
                    else { return nil }
                    return UnreadableChange(
                        id: ChangeID(deviceID: device, seq: row["seq"]),
                        entryID: (row["entry"] as String?).flatMap(EntryID.init(rawValue:)), reason: reason,
                        problem: row["problem"], heldAt: row["held_at"])
                }
            }
        }
    }

    /// Keeps received changes that failed `ReceivedChange.check` (with the id they travelled under), as received.
    static func holdUnreadable(
        _ refused: [(refusal: ReceivedChange.Refusal, json: String)], at now: Int64, in db: Database
    )
        throws
    {
        for (refusal, json) in refused {
            guard let id = refusal.id else { continue }
            try db.execute(
                sql: """
                    INSERT INTO unreadable_change(device, seq, entry, json, reason, problem, held_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(device, seq, json) DO NOTHING
                    """,
                arguments: [
                    id.deviceID.rawValue, id.seq, refusal.entryID?.rawValue, json, refusal.reason.rawValue,
                    refusal.problem, now,
                ])
        }
    }

    /// Unreadable changes that this version can now read (written by a newer ally, kept by an older one, and now
    /// opened by this one), taken out of their table for the caller to merge.
    static func takeReadable(in db: Database) throws -> [(change: Change, json: String)] {
        var readable: [(change: Change, json: String)] = []
        for row in try Row.fetchAll(db, sql: "SELECT rowid, device, seq, json FROM unreadable_change") {
            let json: String = row["json"]
            let expected = DeviceID(rawValue: row["device"]).map { ChangeID(deviceID: $0, seq: row["seq"]) }
            if case .success(let change) = ReceivedChange.check(Data(json.utf8), expected: expected) {
                readable.append((change, json))
                try db.execute(sql: "DELETE FROM unreadable_change WHERE rowid = ?", arguments: [row["rowid"] as Int64])
            }
        }
        return readable
    }
}
