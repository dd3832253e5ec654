import AllyCore
import AllyProtocol
import AllyStore
import Foundation

/// Pushes this journal's pending changes, then pulls the server's in pages (DESIGN.md §5): each page is opened
/// and checked whole, then applied in one transaction together with its cursor.
public struct SyncEngine {
    let journal: Journal
    let transport: any SyncTransport
    /// The account link; a sync that picks up a rotated journal key (SPEC §8.1) changes it.
    let box: LinkBox
    public var link: AccountLink { box.link }
    /// The passphrase, when the user gave it: opens a rotated journal key that was not sealed to this laptop.
    public var passphrase: String?
    /// Changes per push request and per pulled page.
    public var batchSize = 2_000

    public init(journal: Journal, transport: any SyncTransport, link: AccountLink) {
        self.journal = journal
        self.transport = transport
        self.box = LinkBox(link)
    }

    /// Where a sync is, for a progress bar.
    public enum Progress: Sendable {
        case pushing(done: Int, total: Int)
        case pulling(changes: Int, pages: Int)
    }

    /// What a sync did.
    public struct Report: Codable, Sendable, Equatable {
        public var pushed = 0
        public var alreadyOnServer = 0
        public var pulled = 0
        public var alreadyHere = 0
        public var pages = 0
        public var entriesUpdated = 0
        public var conflicts = 0
        /// The server's log is not the one this laptop had read (restored from a backup, or it lost its newest
        /// commits; SPEC §9.1): this sync re-pushed what it lacked and read again from where the logs agree.
        public var serverLostData = false
        /// Changes sent again because the server had lost them (with `serverLostData`).
        public var resent = 0
        /// The position this laptop read again from after the server lost data.
        public var rereadFrom: String?
        public var cursor = "0"
        /// Devices whose own clock read more than ten minutes ahead of this laptop's when they wrote (SPEC §3):
        /// device id → the latest such stamp (ISO 8601). Merged all the same; that laptop's clock is wrong.
        public var clockAhead: [String: String] = [:]
        /// Pulled changes waiting for earlier ones from the same laptop (SPEC §2.1); applied once those arrive.
        public var waiting = 0
        /// Pulled changes that differ from this journal's copy under the same id, held aside (`ally check`).
        public var differing: [String] = []
        /// Pulled changes this version cannot apply (an operation from a newer ally, or a change that fails the
        /// checks), held aside and listed by `ally check`; the rest was applied.
        public var unreadable = 0
        /// Changes too large for this server's envelope limit: they stay on this laptop (`DEVICE.SEQ`).
        public var tooLargeToPush: [String] = []
        /// Purges and redactions received (SPEC §2.3), and stored changes replaced by stubs or redacted copies.
        public var erasuresReceived = 0
        public var changesErased = 0
        /// Stubs and redacted copies that replaced the server's copy in this sync.
        public var replacedOnServer = 0
        /// The journal key this sync picked up, when the account's key was rotated since (SPEC §8.1).
        public var keyRotated: UInt32?
        /// Whether this journal's files were rewritten after an erasure so that nothing erased remains in them.
        public var scrubbed: Bool?
        /// Entries this sync brought in or changed whose text looks like it holds patient identifiers (full ids;
        /// issue 12 §3): `ally scan` lists them.
        public var identifierEntries: [String] = []
        /// Set when this journal turned out to be a restored or copied one whose new changes collided with its
        /// other copy's (SPEC §2.2): it moved to a new device id and re-issued them.
        public var fork: Journal.Fork?
    }

    /// Runs one sync. Throws `SyncError`; whatever was applied before a failure stays applied and consistent.
    public func sync(progress: (Progress) -> Void = { _ in }) throws -> Report {
        var report = Report()
        try shareDeviceKey()
        // A failed push never stops the pull (SPEC §9): this laptop still receives everyone else's words, and the
        // push error is reported once the pull is done.
        var pushFailure = try attemptPush(&report, progress: progress)
        // Acknowledgements up to here must show in the pull that follows (another process's later ones need not).
        let acknowledged = try journal.lastAck()
        let diverged = try pull(into: &report, progress: progress)
        if diverged {
            // The server's log is not the one this laptop read (SPEC §9.1): read again from where both agree.
            try reread(&report, progress: progress)
        }
        // A pull has now read the log to its end after every push so far: each change a push acknowledged must have
        // been in it. One that was not was lost by the server after it answered (a restore before this laptop read
        // it back).
        let unconfirmed = try journal.requeueUnconfirmed(upTo: acknowledged)
        if unconfirmed > 0 {
            report.serverLostData = true
            report.resent += unconfirmed
        }
        if diverged || unconfirmed > 0 {
            // Send what the server lacks.
            pushFailure = try attemptPush(&report, progress: progress)
        }
        if try journal.resolveRelayedForks() > 0 {
            // Another journal's changes received by bundle in a form the server refused: they moved to an id of their
            // own (SPEC §2.2), so they can be sent now.
            pushFailure = try attemptPush(&report, progress: progress)
        }
        if let fork = try journal.resolveFork(otherIsAccepted: true) {
            // The server holds another copy's changes under this journal's id: this one moved to a new id, so its
            // own changes can be sent now (and a push refused for the collision is no longer a failure).
            report.fork = fork
            let former = fork.formerDeviceID.rawValue + "."
            report.differing.removeAll { $0.hasPrefix(former) }
            pushFailure = try attemptPush(&report, progress: progress)
        }
        if report.changesErased > 0, try journal.unpushedCount() > 0 {
            // A purge or redaction pulled here replaced changes the server holds as written (this laptop's own
            // unpushed edits of a purged entry, or a copy a late laptop pushed): send the stubs and redacted copies now.
            pushFailure = try attemptPush(&report, progress: progress) ?? pushFailure
        }
        if let pushFailure {
            report.conflicts = try journal.conflicts().count
            throw SyncError(
                pushFailure.code,
                pushFailure.message.trimmingCharacters(in: CharacterSet(charactersIn: ". "))
                    + " (sending failed; receiving went ahead: \(report.pulled) new changes pulled)")
        }
        report.conflicts = try journal.conflicts().count
        if report.erasuresReceived > 0 {
            // The receipt (SPEC §2.3): a pull after the position read so far tells the server this laptop applied it.
            _ = try? transport.pull(after: report.cursor, limit: 1, token: link.token)
        }
        // Also finishes a rewrite an earlier run left pending (it checks one flag when there is nothing to do).
        let scrubbed = try journal.scrubIfNeeded()
        if report.changesErased > 0 || report.erasuresReceived > 0 { report.scrubbed = scrubbed }
        try journal.noteIdentifierEntries(
            adding: report.identifierEntries.compactMap(EntryID.init(rawValue:)),
            stillFlagged: { try Self.looksIdentifying($0, in: journal) })
        try journal.updateSyncState(["lastSync": ISOTimestamp.format(Int64(Date().timeIntervalSince1970 * 1000))])
        return report
    }

    /// Pushes, returning a failure instead of throwing it (except a refused token, which ends the sync).
    func attemptPush(_ report: inout Report, progress: (Progress) -> Void) throws -> SyncError? {
        do {
            do {
                try push(into: &report, progress: progress)
            } catch let error as SyncError where Self.isStaleKey(error) {
                // The journal key was rotated (SPEC §8.1): pick the new one up and seal again.
                guard try refreshKey() else { throw error }
                report.keyRotated = link.journalKey.keyID
                try push(into: &report, progress: progress)
            }
            return nil
        } catch let error as SyncError where error.code != .unauthorized {
            return error
        }
    }

    /// The server's log is not the one this laptop read (SPEC §9.1): mark unpushed exactly the changes it lacks,
    /// find the last checkpoint where both logs agree, and read again from there. The caller pushes afterwards.
    func reread(_ report: inout Report, progress: (Progress) -> Void) throws {
        report.serverLostData = true
        var agreed: (position: Int64, chain: String?) = (0, nil)
        if let held = try? transport.held(token: link.token) {
            report.resent = try journal.markUnpushed(notHeldIn: held.ranges.map { ($0.device, $0.first, $0.last) })
            agreed = try agreement()
        } else {
            // A server without `GET /v1/changes/held` (or no answer): send everything and read everything again (the
            // whole log confirms what the server already had).
            try journal.markAllUnpushed()
            report.resent = try journal.unpushedCount()
        }
        try journal.rewindCursor(to: agreed.position, chain: agreed.chain)
        report.rereadFrom = String(agreed.position)
        if try pull(into: &report, progress: progress) {
            throw SyncError(
                .untrusted,
                "the server's log changed again while this laptop was reading it; nothing was lost, run `ally sync` again"
            )
        }
        try journal.updateSyncState([
            "serverRestored": ISOTimestamp.format(Int64(Date().timeIntervalSince1970 * 1000)),
            "serverRestoredResent": String(report.resent),
        ])
    }

    /// The server's limits, or the protocol's defaults if it does not say.
    func limits() -> Wire.Limits {
        (try? transport.info().limits)
            ?? Wire.Limits(
                maxBodyBytes: 8 << 20, maxPushChanges: 2_000, maxPageChanges: 2_000, maxPageBytes: 4 << 20,
                maxEnvelopeBytes: 1 << 20, loginAttemptsPerMinute: 10)
    }

    func push(into report: inout Report, progress: (Progress) -> Void) throws {
        let total = try journal.unpushedCount()
        guard total > 0 else { return }
        let limits = limits()
        // Requests are sized by bytes as well as by count (SPEC §9): an envelope travels base64-encoded, a third
        // larger, and a tenth of the body is left for the JSON around it.
        let byteBudget = limits.maxBodyBytes * 9 / 10 * 3 / 4
        var done = 0
        var after: Int64 = 0
        progress(.pushing(done: 0, total: total))
        while true {
            let batch = try journal.unpushedChanges(after: after, limit: min(batchSize, limits.maxPushChanges))
            guard let last = batch.last else { break }
            after = last.rowID
            var pending: [(rowID: Int64, item: Wire.Item)] = []
            var bytes = 0
            for entry in batch {
                let envelope = try Envelope.seal(entry.change, userID: link.userID, key: link.journalKey)
                guard envelope.count <= limits.maxEnvelopeBytes else {
                    // Too large for this server: it stays here, reported, and never blocks the others.
                    report.tooLargeToPush.append(entry.change.id.description)
                    continue
                }
                if !pending.isEmpty, bytes + envelope.count > byteBudget {
                    try send(pending, into: &report)
                    done += pending.count
                    progress(.pushing(done: done, total: max(total, done)))
                    pending = []
                    bytes = 0
                }
                pending.append(
                    (
                        entry.rowID,
                        Wire.Item(
                            device: entry.change.id.deviceID.rawValue, seq: entry.change.id.seq, envelope: envelope,
                            replace: entry.change.isReplacement ? true : nil)
                    ))
                bytes += envelope.count
            }
            if !pending.isEmpty {
                try send(pending, into: &report)
                done += pending.count
                progress(.pushing(done: done, total: max(total, done)))
            }
        }
    }

    /// Pushes one request and marks its changes pushed.
    func send(_ pending: [(rowID: Int64, item: Wire.Item)], into report: inout Report) throws {
        let result: Wire.PushResult
        do {
            result = try transport.push(Wire.Push(changes: pending.map(\.item)), token: link.token)
        } catch let error as SyncError where Self.isStaleKey(error) {
            throw error
        } catch let error as SyncError where error.code == .conflict && error.message.contains("follows a gap") {
            throw SyncError(
                .conflict,
                "the server lacks earlier changes of a laptop (\(error.message)); was it restored from a backup? "
                    + "This laptop sends them again once it has read the server's log; run `ally sync` again")
        } catch let error as SyncError where error.code == .conflict {
            throw SyncError(
                .conflict,
                "the server holds a different change under an id this journal has (\(error.message)); nothing was overwritten. "
                    + "Is another journal file using this one's device id (a copied file)?")
        }
        try journal.markPushed(pending.map(\.rowID))
        report.pushed += result.accepted
        report.replacedOnServer += result.replaced ?? 0
        report.alreadyOnServer += result.duplicates
    }

    /// The newest checkpoint at which the server's chain is still the one this laptop stored (a binary search,
    /// one `limit=1` read per probe), or the start of the log.
    func agreement() throws -> (position: Int64, chain: String?) {
        let checkpoints = try journal.checkpoints()
        var agreeing = -1
        var differing = checkpoints.count
        while differing - agreeing > 1 {
            let middle = (agreeing + differing) / 2
            let probe = try transport.pull(
                after: String(checkpoints[middle].position), limit: 1, token: link.token)
            if probe.afterChain == checkpoints[middle].chain { agreeing = middle } else { differing = middle }
        }
        return agreeing < 0 ? (0, nil) : checkpoints[agreeing]
    }

    /// Whether an entry's current title, body or tags look like they hold patient identifiers.
    public static func looksIdentifying(_ id: EntryID, in journal: Journal) throws -> Bool {
        guard let entry = try journal.entry(id) else { return false }
        let text = [entry.title ?? "", entry.body, entry.tags.joined(separator: " ")].joined(separator: "\n")
        return !IdentifierScanner.scan(text).isEmpty
    }

    /// Whether a page shows that the server's log is not the one this laptop's cursor (and its chain) refer to.
    static func diverged(_ page: Wire.Page, cursor: String, knownChain: String?) -> Bool {
        guard let mine = Int64(cursor), mine > 0 else { return false }
        if let latest = Int64(page.latest), latest < mine { return true }
        // A server that sends chains (SPEC §9.1) and holds no change at the cursor, or another one there.
        guard page.nextChain != nil else { return false }
        guard let afterChain = page.afterChain else { return true }
        return knownChain.map { $0 != afterChain } ?? false
    }

    /// Pulls until the server has no more; returns true if the server's log turned out not to be the one this
    /// laptop had read.
    func pull(into report: inout Report, progress: (Progress) -> Void) throws -> Bool {
        let state = try journal.syncState()
        var cursor = state["cursor"] ?? "0"
        var knownChain = state["cursor-chain"]
        while true {
            let page = try transport.pull(after: cursor, limit: batchSize, token: link.token)
            if Self.diverged(page, cursor: cursor, knownChain: knownChain) { return true }
            var changes: [Change] = []
            var canonical: [String] = []
            var unreadable: [(refusal: ReceivedChange.Refusal, json: String)] = []
            changes.reserveCapacity(page.changes.count)
            canonical.reserveCapacity(page.changes.count)
            for item in page.changes {
                guard let device = DeviceID(rawValue: item.device), item.seq >= 1 else {
                    throw SyncError(
                        .untrusted, "the server sent a change with a malformed id; nothing from that page was applied")
                }
                do {
                    let id = ChangeID(deviceID: device, seq: item.seq)
                    var plaintext: Data
                    do {
                        plaintext = try Envelope.openPlaintext(
                            item.envelope, userID: link.userID, id: id, keys: link.keys)
                    } catch let error as ProtocolError where error.code == .unknownKey {
                        // Sealed under a key made by a rotation this laptop has not picked up (SPEC §8.1).
                        guard try refreshKey() else { throw error }
                        report.keyRotated = link.journalKey.keyID
                        plaintext = try Envelope.openPlaintext(
                            item.envelope, userID: link.userID, id: id, keys: link.keys)
                    }
                    // Authentic, so written by one of this account's laptops; whether this version can apply it is
                    // another question (SPEC §2.1): what it cannot is held aside, and the page goes on.
                    let text = String(decoding: plaintext, as: UTF8.self)
                    switch ReceivedChange.check(plaintext, expected: id) {
                    case .success(let change):
                        changes.append(change)
                        canonical.append(text)
                    case .failure(let refusal):
                        unreadable.append((refusal, text))
                    }
                } catch let error as ProtocolError {
                    throw SyncError(
                        .untrusted,
                        "\(error.message); nothing from that page was applied. The server's copy may be damaged or tampered with"
                    )
                }
            }
            let outcome = try journal.applyPulled(
                changes, canonical: canonical, unreadable: unreadable, cursor: page.next, chain: page.nextChain)
            report.unreadable += unreadable.count
            report.erasuresReceived += outcome.erasures.count
            for id in outcome.touchedEntries where !report.identifierEntries.contains(id.rawValue) {
                if try Self.looksIdentifying(id, in: journal) { report.identifierEntries.append(id.rawValue) }
            }
            report.changesErased += outcome.erased + outcome.keptErased.count
            knownChain = page.nextChain
            report.pulled += outcome.inserted
            report.alreadyHere += outcome.duplicates
            report.entriesUpdated += outcome.entriesTouched
            report.waiting = outcome.waiting
            report.differing += outcome.differing.map(\.description)
            // ISO 8601 stamps of one width order like the times they name.
            report.clockAhead.merge(outcome.clockAheadStamps) { max($0, $1) }
            report.pages += 1
            cursor = page.next
            report.cursor = cursor
            progress(.pulling(changes: report.pulled + report.alreadyHere, pages: report.pages))
            if !page.hasMore { return false }
        }
    }
}
