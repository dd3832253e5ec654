import AllyCore
import GRDB

/// Local writes and the merge of foreign changes. Each public method is one transaction.
extension Journal {
    /// Creates an entry of `kind` with the fields of `patch` and returns it.
    @discardableResult
    public func create(_ kind: EntryKind, patch: EntryPatch, id: EntryID = .random(), createdAt: Int64? = nil) throws
        -> Entry
    {
        try write([LocalWrite(entryID: id, kind: kind, createdAt: createdAt, patch: patch)])[0]
    }

    /// Applies `patch` to the existing entry `id` and returns the entry as it now is.
    @discardableResult
    public func update(_ id: EntryID, patch: EntryPatch) throws -> Entry {
        try write([LocalWrite(entryID: id, patch: patch)])[0]
    }

    /// Carries out several local writes in one transaction: all of them, or none if one fails.
    /// - Complexity: O(w) writes, each loading its entry's changes.
    @discardableResult
    public func write(_ writes: [LocalWrite], progress: (Int) -> Void = { _ in }) throws -> [Entry] {
        for write in writes {
            if let invalid = write.patch.invalidValue {
                throw JournalError(.invalidInput, "\(invalid) is not a valid value; nothing was written")
            }
        }
        let now = clock()
        return try Journal.wrap {
            try database.write { db in
                var appender = try ChangeAppender(
                    db, deviceID: try Journal.writer(in: db, or: deviceID), wallMillis: now)
                var results: [Entry] = []
                for write in writes {
                    var state: EntryState
                    if let kind = write.kind {
                        guard try !ChangeLog.hasChanges(for: write.entryID, in: db) else {
                            throw JournalError(.invalidInput, "an entry with id \(write.entryID) already exists")
                        }
                        state = EntryState(entryID: write.entryID)
                        let create = ChangeOperation.create(kind: kind, createdAt: write.createdAt ?? now)
                        try Journal.vet(create)
                        state.apply(try appender.append(create, to: write.entryID, in: db))
                    } else {
                        state = try ChangeLog.state(of: write.entryID, in: db)
                        guard let current = state.makeEntry() else {
                            throw JournalError(.unknownEntry, "no entry \(write.entryID)")
                        }
                        if current.isTrashed {
                            throw JournalError(
                                .invalidState,
                                "entry \(write.entryID.rawValue.prefix(8)) is in the trash; restore it first")
                        }
                    }
                    for operation in write.patch.operations(against: state) {
                        try Journal.vet(operation)
                        state.apply(try appender.append(operation, to: write.entryID, in: db))
                    }
                    if write.trash {
                        let seen = try ChangeLog.versionVector(in: db)
                        state.apply(try appender.append(.trash(seen: seen), to: write.entryID, in: db))
                    }
                    guard let entry = state.makeEntry() else {
                        throw JournalError(.unknownEntry, "no entry \(write.entryID)")
                    }
                    try Projection.save(entry, in: db)
                    results.append(entry)
                    if results.count % 500 == 0 { progress(results.count) }
                }
                return results
            }
        }
    }

    /// Refuses an operation the change decoder would refuse (SPEC §2): one definition of validity for writing
    /// and reading, so nothing is stored that cannot be read back.
    static func vet(_ operation: ChangeOperation) throws {
        if let problem = operation.problem {
            throw JournalError(.invalidInput, "\(problem); nothing was written")
        }
    }

    /// Moves an entry to the trash. Trashing an entry with a trash-versus-edit conflict settles it: trashed.
    @discardableResult
    public func trash(_ id: EntryID) throws -> Entry {
        try writeFlag(id) { entry, db in
            guard !entry.isTrashed else {
                throw JournalError(.invalidState, "entry \(id.rawValue.prefix(8)) is already in the trash")
            }
            return .trash(seen: try ChangeLog.versionVector(in: db))
        }
    }

    /// Takes an entry out of the trash. Restoring an entry with a trash-versus-edit conflict settles it: kept.
    @discardableResult
    public func restore(_ id: EntryID) throws -> Entry {
        try writeFlag(id) { entry, _ in
            guard entry.isTrashed || entry.conflict?.trash != nil else {
                throw JournalError(.invalidState, "entry \(id.rawValue.prefix(8)) is not in the trash")
            }
            return .restore
        }
    }

    private func writeFlag(_ id: EntryID, _ operation: (Entry, Database) throws -> ChangeOperation) throws -> Entry {
        let now = clock()
        return try Journal.wrap {
            try database.write { db in
                var state = try ChangeLog.state(of: id, in: db)
                guard let current = state.makeEntry() else { throw JournalError(.unknownEntry, "no entry \(id)") }
                let op = try operation(current, db)
                var appender = try ChangeAppender(
                    db, deviceID: try Journal.writer(in: db, or: deviceID), wallMillis: now)
                state.apply(try appender.append(op, to: id, in: db))
                guard let entry = state.makeEntry() else { throw JournalError(.unknownEntry, "no entry \(id)") }
                try Projection.save(entry, in: db)
                return entry
            }
        }
    }

    /// How far ahead of this laptop's clock another laptop's own clock reading may be before
    /// `ApplyOutcome.aheadOfClock` reports it (SPEC §3): ten minutes, past ordinary drift and network time.
    public static let clockAheadLimit: Int64 = 600_000

    /// Merges changes from another journal (a bundle, or a sync page) in one transaction.
    ///
    /// Idempotent: a change already held byte for byte is skipped. Nothing received is fatal (SPEC §2.1): a change
    /// whose id is held with different content, or that follows a gap in its device's numbering, is held aside and
    /// the rest is applied; a held-back change is applied once the gap fills.
    /// - Complexity: O(c log c) for c changes, plus re-materialising each touched entry from its stored changes.
    public func apply(_ changes: [Change]) throws -> ApplyOutcome {
        try apply(changes) { _, _ in }
    }

    /// `apply(_:)`, also keeping received changes that failed `ReceivedChange.check` aside (SPEC §2.1).
    public func apply(_ changes: [Change], unreadable: [(refusal: ReceivedChange.Refusal, json: String)]) throws
        -> ApplyOutcome
    {
        let now = clock()
        return try apply(changes) { db, _ in try Journal.holdUnreadable(unreadable, at: now, in: db) }
    }

    /// `apply(_:)` with `alsoInTransaction` run inside the same transaction (a sync cursor, say). `canonical`
    /// may carry each change's canonical JSON when the caller already has it (a decrypted envelope).
    func apply(
        _ changes: [Change], canonical: [String]? = nil, fromServer: Bool = false,
        alsoInTransaction: (Database, ApplyOutcome) throws -> Void
    ) throws
        -> ApplyOutcome
    {
        var unique: [ChangeID: (change: Change, json: String)] = [:]
        for (index, change) in changes.enumerated() {
            let json = try canonical?[index] ?? ChangeLog.json(of: change)
            if let seen = unique[change.id] {
                if seen.json != json {
                    throw JournalError(
                        .conflictingChange,
                        "the batch is damaged: two different changes claim the id \(change.id.short); nothing was applied"
                    )
                }
                continue
            }
            unique[change.id] = (change, json)
        }
        let duplicatesInBatch = changes.count - unique.count
        return try Journal.wrap {
            try database.write { db in
                var outcome = try merge(unique, fromServer: fromServer, in: db)
                outcome.duplicates += duplicatesInBatch
                try alsoInTransaction(db, outcome)
                return outcome
            }
        }
    }

    /// The body of `apply`, inside the caller's transaction: `unique` maps each received id to its change and
    /// canonical JSON.
    func merge(_ unique: [ChangeID: (change: Change, json: String)], fromServer: Bool = false, in db: Database) throws
        -> ApplyOutcome
    {
        var unique = unique
        var outcome = ApplyOutcome()
        // Changes held as unreadable that this version can read now join the batch (SPEC §2.1).
        for readable in try Journal.takeReadable(in: db) where unique[readable.change.id] == nil {
            unique[readable.change.id] = readable
        }
        // Changes held back for a gap in a device this batch brings may follow on now.
        var released = Set<ChangeID>()
        // Released changes that came from the server, with the bytes it holds: they count as pushed.
        var serverCopies: [ChangeID: String] = [:]
        for device in Set(unique.keys.map(\.deviceID)) {
            for held in try HeldChanges.takeWaiting(from: device, in: db) where unique[held.change.id] == nil {
                unique[held.change.id] = (held.change, held.json)
                released.insert(held.change.id)
                if held.fromServer { serverCopies[held.change.id] = held.json }
            }
        }
        var fresh: [EntryID: [Change]] = [:]
        var existed: [EntryID: Bool] = [:]
        var next: [DeviceID: Int64] = [:]
        let aheadFrom = clock() + Journal.clockAheadLimit
        let now = clock()
        var purgedEntries = Set<EntryID>()
        var identifierEntries = Set<EntryID>()
        for id in unique.keys.sorted() {
            guard var (change, json) = unique[id] else { continue }
            // SPEC §2.3: a change of a purged entry is kept only as its stub, whenever and however it arrives.
            if !change.isReplacement, try Erasures.isPurged(change.entryID, in: db), let stub = change.stub() {
                change = stub
                json = try ChangeLog.json(of: stub)
                outcome.erased += 1
            } else if change.erasureRank < 2, try Erasures.isRedactingIdentifiers(change.entryID, in: db),
                let redacted = change.redactingIdentifiers()
            {
                // An entry redacted with --phi: what the guard finds in an arriving change is taken out on arrival.
                change = redacted
                json = try ChangeLog.json(of: redacted)
                outcome.erased += 1
            }
            if let stored = try ChangeLog.storedJSON(of: id, in: db) {
                let settled = try stored != json && HeldChanges.isSettled(change, json: json, in: db)
                if stored == json || settled {
                    if !released.contains(id) { outcome.duplicates += 1 }
                } else if let resolution = try Erasures.resolve(change, json: json, stored: stored, in: db) {
                    // SPEC §2.3: of a change and its stub or redacted copy, the more erased one stays.
                    switch resolution {
                    case .replaced:
                        outcome.erased += 1
                        if fresh[change.entryID] == nil { fresh[change.entryID] = [] }
                        existed[change.entryID] = true
                    case .keptOurs:
                        outcome.keptErased.append(id)
                        outcome.duplicates += 1
                    }
                } else {
                    try HeldChanges.hold(change, json: json, reason: .differs, at: now, in: db)
                    outcome.differing.append(id)
                }
                continue
            }
            let expected = try next[id.deviceID] ?? ChangeLog.lastSeq(of: id.deviceID, in: db) + 1
            guard id.seq <= expected else {
                // §2.1: a device's log is a prefix; a change after a gap waits for the missing ones.
                try HeldChanges.hold(change, json: json, reason: .gap, at: now, fromServer: fromServer, in: db)
                next[id.deviceID] = expected
                continue
            }
            next[id.deviceID] = max(expected, id.seq + 1)
            if existed[change.entryID] == nil {
                existed[change.entryID] = try ChangeLog.hasChanges(for: change.entryID, in: db)
            }
            try ChangeLog.insert(change, json: json, in: db)
            if let server = serverCopies[id] {
                if server == json {
                    try db.execute(
                        sql: "UPDATE change SET pushed = 1 WHERE device = ? AND seq = ?",
                        arguments: [id.deviceID.rawValue, id.seq])
                } else {
                    // Stored erased (a purged entry's stub): the server still has the other form.
                    try db.execute(
                        sql: "UPDATE change SET pushed = 1 WHERE device = ? AND seq = ?",
                        arguments: [id.deviceID.rawValue, id.seq])
                    try Erasures.sendAgain(id, in: db)
                }
            }
            fresh[change.entryID, default: []].append(change)
            outcome.inserted += 1
            switch change.operation {
            case .purge, .redact:
                try Erasures.record(change, in: db)
                outcome.erasures.append(change.id)
                if case .purge = change.operation { purgedEntries.insert(change.entryID) }
                if case .redact(_, true) = change.operation { identifierEntries.insert(change.entryID) }
            default:
                break
            }
            // SPEC §3: only a stamp with counter 0 is its writer's own clock reading; a stamp advanced by
            // merging (counter > 0) says nothing about the writer's clock, so it never blames that laptop.
            if change.at.counter == 0, change.at.wallMillis > aheadFrom {
                outcome.aheadOfClock[change.id.deviceID] = max(
                    outcome.aheadOfClock[change.id.deviceID] ?? 0, change.at.wallMillis)
            }
        }
        for entryID in identifierEntries where !purgedEntries.contains(entryID) {
            // A redaction of identifiers arrived: the guard's finds leave every change of the entry held here.
            let redacted = try Erasures.redactIdentifiers(of: entryID, in: db)
            outcome.erased += redacted
            if redacted > 0 {
                existed[entryID] = true
                if fresh[entryID] == nil { fresh[entryID] = [] }
            }
        }
        for entryID in purgedEntries {
            // The purge arrived: every change of the entry already here, or in this batch, becomes its stub.
            outcome.erased += try Erasures.stubEntry(entryID, in: db)
            existed[entryID] = true
        }
        if outcome.erased > 0 { try Erasures.markScrub(in: db) }
        outcome.waiting = try HeldChanges.count(.gap, in: db)
        for (entryID, changes) in fresh {
            let state =
                existed[entryID] == true
                ? try ChangeLog.state(of: entryID, in: db) : EntryState(entryID: entryID, changes: changes)
            guard let entry = state.makeEntry() else {
                if state.isPurged || existed[entryID] == true { try Projection.remove(entryID, in: db) }
                continue
            }
            try Projection.save(entry, in: db)
            outcome.entriesTouched += 1
            outcome.touchedEntries.append(entryID)
            if entry.hasConflict { outcome.conflicts += 1 }
        }
        return outcome
    }
}
