import AllyCore
import Foundation
import GRDB

/// What a purge or a redaction did on this laptop.
public struct ErasureResult: Sendable, Equatable {
    /// The purge or redaction change written (or received).
    public var change: ChangeID
    /// The entry.
    public var entryID: EntryID
    /// Changes of the entry whose stored copy was replaced (by stubs, or by redacted copies).
    public var replaced: Int
    /// Whether the journal file and its WAL were rewritten (search index rebuilt, VACUUM, WAL truncated), so that no
    /// old byte of the text remains in them. False only when another process kept the WAL from being truncated.
    public var scrubbed: Bool
}

/// A purge or redaction this journal holds, for `ally purge --status`.
public struct ErasureRecord: Sendable, Equatable {
    public enum Kind: String, Sendable { case purge, redact }
    public var change: ChangeID
    public var entryID: EntryID
    public var kind: Kind
    /// When it was written (ms since the epoch, the writer's clock).
    public var writtenAt: Int64
    /// A server position at or after the purge change (the end of the pulled page that brought it), once a pull
    /// has shown it; a device that has read the server's log past it has applied it.
    public var serverPosition: Int64?
    /// Of the changes it replaced on this laptop, how many are stored in their replaced form on the server, as far
    /// as this laptop knows (pushed or pulled in that form), and how many there are.
    public var onServer: Int
    public var replacedChanges: Int
}

/// SQL for erasure (SPEC §2.3): the record of purges and redactions, and the replacement of stored changes.
enum Erasures {
    /// Whether the entry holds a redaction of identifiers (`ally redact --phi`): its changes are redacted by the
    /// guard whenever they arrive.
    static func isRedactingIdentifiers(_ entryID: EntryID, in db: Database) throws -> Bool {
        let statement = try db.cachedStatement(
            sql: "SELECT EXISTS(SELECT 1 FROM erasure WHERE entry = ? AND kind = 'redact' AND phi = 1)")
        return try Bool.fetchOne(statement, arguments: [entryID.rawValue]) ?? false
    }

    /// Replaces every change of the entry whose text holds what the identifier guard finds by its redacted copy
    /// (a redaction with `phi` arrived); returns how many.
    static func redactIdentifiers(of entryID: EntryID, in db: Database) throws -> Int {
        var replaced = 0
        for json in try String.fetchAll(
            db, sql: "SELECT json FROM change WHERE entry = ?", arguments: [entryID.rawValue])
        {
            guard let redacted = try ChangeLog.decode(json).redactingIdentifiers() else { continue }
            try replace(redacted, json: try ChangeLog.json(of: redacted), in: db)
            replaced += 1
        }
        for row in try Row.fetchAll(
            db, sql: "SELECT rowid, json FROM held_change WHERE entry = ?", arguments: [entryID.rawValue])
        {
            guard let change = try? ChangeLog.decode(row["json"]), let redacted = change.redactingIdentifiers()
            else { continue }
            try db.execute(
                sql: "UPDATE OR IGNORE held_change SET json = ? WHERE rowid = ?",
                arguments: [try ChangeLog.json(of: redacted), row["rowid"] as Int64])
        }
        if replaced > 0 { try markScrub(in: db) }
        return replaced
    }

    static func isPurged(_ entryID: EntryID, in db: Database) throws -> Bool {
        let statement = try db.cachedStatement(
            sql: "SELECT EXISTS(SELECT 1 FROM erasure WHERE entry = ? AND kind = 'purge')")
        return try Bool.fetchOne(statement, arguments: [entryID.rawValue]) ?? false
    }

    /// Records a purge or redaction change that entered the log.
    static func record(_ change: Change, in db: Database) throws {
        let kind: String
        var phi = false
        switch change.operation {
        case .purge: kind = "purge"
        case .redact(_, let identifiers):
            kind = "redact"
            phi = identifiers
        default: return
        }
        try db.execute(
            sql: """
                INSERT INTO erasure(device, seq, entry, kind, written_at, phi) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(device, seq) DO NOTHING
                """,
            arguments: [
                change.id.deviceID.rawValue, change.id.seq, change.entryID.rawValue, kind, change.at.wallMillis, phi,
            ])
    }

    /// Replaces the stored copy of `change.id` by `change` (a stub or a redacted copy), to be sent to the server:
    /// with the next push if the server never had the change, else as a replace (`replace_pending`).
    static func replace(_ change: Change, json: String, in db: Database) throws {
        try db.execute(
            sql: "UPDATE change SET json = ? WHERE device = ? AND seq = ?",
            arguments: [json, change.id.deviceID.rawValue, change.id.seq])
        try sendAgain(change.id, in: db)
        try db.execute(
            sql: "DELETE FROM push_unconfirmed WHERE device = ? AND seq = ?",
            arguments: [change.id.deviceID.rawValue, change.id.seq])
    }

    /// Replaces every change of a purged entry by its stub: in the log, and among the changes held aside (a change
    /// waiting for a gap keeps waiting, as a stub; other copies are dropped). Removes the entry from the projection.
    /// Returns how many stored changes were replaced.
    static func stubEntry(_ entryID: EntryID, in db: Database) throws -> Int {
        var replaced = 0
        for json in try String.fetchAll(
            db, sql: "SELECT json FROM change WHERE entry = ? ORDER BY rowid", arguments: [entryID.rawValue])
        {
            let change = try ChangeLog.decode(json)
            guard change.erasureRank < 2, let stub = change.stub() else { continue }
            try replace(stub, json: try ChangeLog.json(of: stub), in: db)
            replaced += 1
        }
        // Held copies stay held, as stubs: one waiting for a gap still waits, and another copy of a change this
        // journal holds is still what a fork (SPEC §2.2) moves and merges (dropping it would leave a gap).
        for row in try Row.fetchAll(
            db, sql: "SELECT rowid, json, reason, held_at, from_server FROM held_change WHERE entry = ?",
            arguments: [entryID.rawValue])
        {
            guard let change = try? ChangeLog.decode(row["json"]), change.erasureRank < 2 else { continue }
            try db.execute(sql: "DELETE FROM held_change WHERE rowid = ?", arguments: [row["rowid"] as Int64])
            guard let stub = change.stub(), let reason = HeldChange.Reason(rawValue: row["reason"]) else { continue }
            try HeldChanges.hold(
                stub, json: try ChangeLog.json(of: stub), reason: reason, at: row["held_at"],
                fromServer: row["from_server"], in: db)
        }
        try db.execute(sql: "DELETE FROM unreadable_change WHERE entry = ?", arguments: [entryID.rawValue])
        try Projection.remove(entryID, in: db)
        try markScrub(in: db)
        return replaced
    }

    /// Marks a change the server has (in another form) to be sent again as a replace.
    static func sendAgain(_ id: ChangeID, in db: Database) throws {
        try db.execute(
            sql: """
                INSERT OR IGNORE INTO replace_pending(device, seq)
                SELECT device, seq FROM change WHERE device = ? AND seq = ? AND pushed = 1
                """, arguments: [id.deviceID.rawValue, id.seq])
    }

    /// Notes, in the same transaction as an erasure, that the file must be rewritten (`Journal.scrubIfNeeded`).
    static func markScrub(in db: Database) throws {
        try Journal.setState(["scrub-needed": "1"], in: db)
    }

    /// What to do with a received copy of a change this journal holds in another form (SPEC §2.3), or nil when
    /// neither is a replacement of the other (the ordinary `differs` of §2.1).
    enum Resolution { case replaced, keptOurs }

    static func resolve(_ incoming: Change, json: String, stored: String, in db: Database) throws -> Resolution? {
        guard let mine = try? ChangeLog.decode(stored) else { return nil }
        if incoming.mayReplace(mine) {
            try replace(incoming, json: json, in: db)
            try markScrub(in: db)
            return .replaced
        }
        if mine.mayReplace(incoming) { return .keptOurs }
        if incoming.erasureRank > 0, incoming.erasureRank == mine.erasureRank, incoming.isCopy(of: mine) {
            // Two different redactions of one change: the one with more marks stays, else the smaller (SPEC §2.3).
            let (theirs, ours) = (incoming.redactionMarks, mine.redactionMarks)
            if theirs > ours || (theirs == ours && json < stored) {
                try replace(incoming, json: json, in: db)
                try markScrub(in: db)
                return .replaced
            }
            return .keptOurs
        }
        return nil
    }
}

extension Journal {
    /// Purges an entry (`ally purge`, SPEC §2.3): writes a purge change, replaces every change of the entry by its
    /// stub, removes the entry from the projection and the search index, and rewrites the file so that no byte of
    /// its text remains. The stubs and the purge go to the server at the next sync.
    @discardableResult
    public func purge(_ id: EntryID) throws -> ErasureResult {
        let now = clock()
        var result = try Journal.wrap {
            try database.write { db -> ErasureResult in
                guard try ChangeLog.hasChanges(for: id, in: db) else {
                    throw JournalError(.unknownEntry, "no entry \(id)")
                }
                guard try !Erasures.isPurged(id, in: db) else {
                    throw JournalError(.invalidState, "entry \(id.rawValue.prefix(8)) is already purged")
                }
                var appender = try ChangeAppender(
                    db, deviceID: try Journal.writer(in: db, or: deviceID), wallMillis: now)
                let purge = try appender.append(.purge, to: id, in: db)
                try Erasures.record(purge, in: db)
                let replaced = try Erasures.stubEntry(id, in: db)
                return ErasureResult(change: purge.id, entryID: id, replaced: replaced, scrubbed: false)
            }
        }
        result.scrubbed = try scrubIfNeeded()
        return result
    }

    /// Redacts an entry (`ally redact`, SPEC §2.3): every change of the entry whose title, tag or body holds one of
    /// `strings` (ignoring case) is replaced by a copy with `[redacted]` in its place; a redaction change records
    /// which. The strings themselves are not stored anywhere. Throws `notFound` when none occurs.
    @discardableResult
    public func redact(_ id: EntryID, strings: [String], identifiers: Bool = false) throws -> ErasureResult {
        let strings = strings.filter { !$0.isEmpty }
        guard !strings.isEmpty else { throw JournalError(.invalidInput, "nothing to redact: no text was given") }
        let now = clock()
        var result = try Journal.wrap {
            try database.write { db -> ErasureResult in
                guard try ChangeLog.hasChanges(for: id, in: db), !(try Erasures.isPurged(id, in: db)) else {
                    throw JournalError(.unknownEntry, "no entry \(id)")
                }
                var targets: [ChangeID] = []
                for json in try String.fetchAll(
                    db, sql: "SELECT json FROM change WHERE entry = ? ORDER BY rowid", arguments: [id.rawValue])
                {
                    guard let redacted = try ChangeLog.decode(json).redacting(strings) else { continue }
                    try Erasures.replace(redacted, json: try ChangeLog.json(of: redacted), in: db)
                    targets.append(redacted.id)
                }
                for row in try Row.fetchAll(
                    db, sql: "SELECT rowid, json FROM held_change WHERE entry = ?", arguments: [id.rawValue])
                {
                    guard let change = try? ChangeLog.decode(row["json"]), let redacted = change.redacting(strings)
                    else { continue }
                    try db.execute(
                        sql: "UPDATE OR IGNORE held_change SET json = ? WHERE rowid = ?",
                        arguments: [try ChangeLog.json(of: redacted), row["rowid"] as Int64])
                }
                guard !targets.isEmpty else {
                    throw JournalError(
                        .notFound,
                        "none of the text given occurs in any version of entry \(id.rawValue.prefix(8)); nothing was written"
                    )
                }
                var appender = try ChangeAppender(
                    db, deviceID: try Journal.writer(in: db, or: deviceID), wallMillis: now)
                let redaction = try appender.append(.redact(targets: targets, phi: identifiers), to: id, in: db)
                try Erasures.record(redaction, in: db)
                if let entry = try ChangeLog.state(of: id, in: db).makeEntry() {
                    try Projection.save(entry, in: db)
                }
                try Erasures.markScrub(in: db)
                return ErasureResult(change: redaction.id, entryID: id, replaced: targets.count, scrubbed: false)
            }
        }
        result.scrubbed = try scrubIfNeeded()
        return result
    }

    /// After an erasure (here, or received): rebuilds the search index so no segment keeps old words, rewrites the
    /// file (VACUUM, with `secure_delete` on) and truncates the WAL, so that the journal's files hold no byte of
    /// what was erased. Returns whether everything was done (false when another process held the WAL open; the
    /// next run finishes it); nothing to do returns true.
    @discardableResult
    public func scrubIfNeeded() throws -> Bool {
        try Journal.wrap {
            let needed = try database.read { db in
                try String.fetchOne(db, sql: "SELECT value FROM sync_state WHERE key = 'scrub-needed'") != nil
            }
            guard needed else { return true }
            try database.write { db in
                try db.execute(sql: "INSERT INTO entry_search(entry_search) VALUES ('rebuild')")
            }
            try database.writeWithoutTransaction { db in try db.execute(sql: "VACUUM") }
            try database.write { db in try Journal.setState(["scrub-needed": nil], in: db) }
            return try database.writeWithoutTransaction { db in
                let row = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
                return (row?[0] as Int64? ?? 1) == 0
            }
        }
    }

    /// The purges and redactions this journal holds, oldest first, with what this laptop knows of the server's copy.
    public func erasures() throws -> [ErasureRecord] {
        try Journal.wrap {
            try database.read { db in
                try Row.fetchAll(
                    db,
                    sql: "SELECT device, seq, entry, kind, written_at, position FROM erasure ORDER BY written_at, rowid"
                ).compactMap { row -> ErasureRecord? in
                    guard let device = DeviceID(rawValue: row["device"]),
                        let entryID = EntryID(rawValue: row["entry"]),
                        let kind = ErasureRecord.Kind(rawValue: row["kind"])
                    else { return nil }
                    let id = ChangeID(deviceID: device, seq: row["seq"])
                    var replaced = 0
                    var onServer = 0
                    for row in try Row.fetchAll(
                        db,
                        sql: """
                            SELECT json, pushed AND NOT EXISTS (
                                SELECT 1 FROM replace_pending r WHERE r.device = change.device AND r.seq = change.seq
                            ) AS pushed FROM change WHERE entry = ?
                            """, arguments: [entryID.rawValue])
                    {
                        guard let change = try? ChangeLog.decode(row["json"]), change.isReplacement else { continue }
                        replaced += 1
                        if row["pushed"] as Bool { onServer += 1 }
                    }
                    // The erasure change itself must be on the server too, or no other laptop learns of it.
                    let erasurePushed =
                        try Bool.fetchOne(
                            db, sql: "SELECT pushed FROM change WHERE device = ? AND seq = ?",
                            arguments: [device.rawValue, id.seq]) ?? false
                    return ErasureRecord(
                        change: id, entryID: entryID, kind: kind, writtenAt: row["written_at"],
                        serverPosition: row["position"], onServer: erasurePushed ? onServer : 0,
                        replacedChanges: replaced)
                }
            }
        }
    }

    /// Entries that arrived from elsewhere (a sync, a bundle) looking like they hold patient identifiers, as the
    /// last `noteIdentifierEntries` left them (`ally status` checks them again).
    public func identifierEntries() throws -> [EntryID] {
        (try syncState()["identifier-entries"] ?? "").split(separator: ",").compactMap {
            EntryID(rawValue: String($0))
        }
    }

    /// Adds entries that arrived looking like they hold identifiers, and drops those that no longer do.
    public func noteIdentifierEntries(adding: [EntryID], stillFlagged: (EntryID) throws -> Bool) throws {
        var ids = try identifierEntries()
        for id in adding where !ids.contains(id) { ids.append(id) }
        ids = try ids.filter(stillFlagged)
        try updateSyncState(["identifier-entries": ids.isEmpty ? nil : ids.map(\.rawValue).joined(separator: ",")])
    }

    /// Whether this journal holds any purge or redaction.
    public func hasErasures() throws -> Bool {
        try Journal.wrap {
            try database.read { db in try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM erasure)") ?? false }
        }
    }

    /// The entry ids of purged entries and of entries with a redaction, so commands can name them after the entry
    /// has gone from the projection.
    public func erasedEntryIDs() throws -> [EntryID] {
        try Journal.wrap {
            try database.read { db in
                try String.fetchAll(db, sql: "SELECT DISTINCT entry FROM erasure").compactMap(EntryID.init(rawValue:))
            }
        }
    }
}
