import AllyCore
import AllyProtocol
import AllyStore
import Foundation

/// Key rotation (SPEC §8.1, DESIGN.md §11): a new journal key that the passphrase, the recovery key and every
/// remaining laptop can open and a revoked one cannot; then every envelope on the server sealed again under it.
///
/// Each step is recorded in the journal before the next one starts, so a run killed anywhere is finished by
/// running it again:
/// 1. the new key is made and kept in the journal (`rotation` in the sync state);
/// 2. the server takes it (`POST /v1/account/keys`; a retry of the same key is accepted again);
/// 3. the laptop adopts it (the old key is kept to open what is not re-sealed yet);
/// 4. every envelope under an older key is sealed again and replaces the server's copy (`replace`), from a cursor
///    kept in the journal, until a pass finds none.
/// When another laptop's rotation got there first, this one adopts that key and, when the rotation is for a lost
/// laptop (`fresh`), rotates once more so that no key made before the revocation stays in use.
public struct KeyRotator {
    let journal: Journal
    let transport: any SyncTransport
    let box: LinkBox
    /// Where a test stops the process (SIGKILL) to check that a rerun finishes the rotation.
    let crashAt: String?

    public init(journal: Journal, transport: any SyncTransport, link: AccountLink, crashAt: String? = nil) {
        self.journal = journal
        self.transport = transport
        self.box = LinkBox(link)
        self.crashAt = crashAt
    }

    /// What a rotation did.
    public struct Report: Codable, Sendable, Equatable {
        public var keyID: UInt32 = 0
        /// Whether this laptop made the key (false: another laptop's rotation won and this one adopted it).
        public var madeHere = false
        /// Laptops the new key was sealed to (they pick it up at their next sync without a passphrase).
        public var sealedTo: [String] = []
        /// Laptops without a key pair on the server: they ask for the passphrase once.
        public var needPassphrase: [String] = []
        /// Envelopes sealed again under the new key.
        public var resealed = 0
        /// Whether an earlier, interrupted run was finished.
        public var resumed = false
    }

    /// Where a rotation is.
    public enum Progress: Sendable { case resealing(done: Int, total: Int) }

    struct Pending: Codable {
        var keyID: UInt32
        var keyHex: String
        var fresh: Bool
    }

    var link: AccountLink { box.link }

    func crash(_ step: String) {
        if crashAt == step { kill(getpid(), SIGKILL) }
    }

    /// Rotates the journal key with the passphrase (and the recovery key, if the server lacks its public half), or
    /// finishes a rotation an earlier run left. `fresh`: the key must be made after now (a lost laptop).
    public func rotate(
        passphrase: String, recoveryKey: RecoveryKey?, fresh: Bool, progress: (Progress) -> Void = { _ in }
    ) throws -> Report {
        var report = Report()
        let engine = SyncEngine(journal: journal, transport: transport, link: link)
        var refresher = engine
        refresher.passphrase = passphrase
        let state = try journal.syncState()
        var pending = try state["rotation"].flatMap { try? JSONDecoder().decode(Pending.self, from: Data($0.utf8)) }
        report.resumed = pending != nil || state["reseal-key"] != nil
        var attempts = 0
        // An earlier run made and adopted the key and was cut off while sealing again: finish that.
        let resealing = state["reseal-key"].flatMap(UInt32.init).map { $0 == link.journalKey.keyID } ?? false
        while !resealing {
            attempts += 1
            let current = try transport.currentKey(token: link.token)
            if let waiting = pending, current.keyID >= waiting.keyID {
                // Step 2 happened (ours), or another laptop's rotation took this key id: the server's word decides.
                try refresher.refreshKey()
                box.link = refresher.box.link
                if try adoptedIsOurs(waiting) {
                    report.madeHere = true
                    try clearPending()
                    break
                }
                try clearPending()
                pending = nil
                if !waiting.fresh || attempts > 3 { break }
                continue
            }
            if current.keyID > link.journalKey.keyID {
                try refresher.refreshKey()
                box.link = refresher.box.link
            }
            let keys = try passphraseKeys(passphrase)
            // The passphrase must open the account's current key: a typo must not make a key nobody can open.
            guard
                (try? KeyWrap.unwrap(
                    current.wrappedKey, with: keys.wrappingKey, userName: link.username, keyID: current.keyID)) != nil
            else { throw SyncError(.unauthorized, "wrong passphrase: it does not open the account's journal key") }
            let waiting =
                pending
                ?? Pending(keyID: current.keyID + 1, keyHex: JournalKey.generate().bytes.hexString, fresh: fresh)
            pending = waiting
            try journal.updateSyncState([
                "rotation": String(decoding: try JSONEncoder().encode(waiting), as: UTF8.self)
            ])
            crash("made")
            let key = try JournalKey(bytes: Data(hex: waiting.keyHex) ?? Data(), keyID: waiting.keyID)
            guard let recoveryPublic = current.recoveryPublicKey ?? recoveryKey?.publicKey else {
                throw SyncError(
                    .refused,
                    "the server has no public half of the recovery key (an account made before key rotation): give "
                        + "the recovery key once (ALLY_RECOVERY_KEY or the prompt) so that it keeps opening the journal"
                )
            }
            var sealed: [Wire.SealedKey] = []
            report.sealedTo = []
            for device in current.devices {
                sealed.append(
                    Wire.SealedKey(
                        deviceID: device.deviceID,
                        sealed: try KeySeal.seal(
                            key, to: device.publicKey, userName: link.username, recipient: "device:\(device.deviceID)"))
                )
                report.sealedTo.append(device.deviceID)
            }
            let rotation = Wire.KeyRotation(
                keyID: key.keyID, wrappedKey: try KeyWrap.wrap(key, with: keys.wrappingKey, userName: link.username),
                recoverySealed: try KeySeal.seal(
                    key, to: recoveryPublic, userName: link.username, recipient: "recovery"),
                recoveryPublicKey: current.recoveryPublicKey == nil ? recoveryPublic : nil, devices: sealed)
            do {
                try transport.rotateKey(rotation, token: link.token)
            } catch let error as SyncError where error.code == .conflict {
                // Another laptop rotated first: the loop adopts its key (and, for a lost laptop, rotates again).
                _ = error
                continue
            }
            crash("sent")
            var adopted = link
            adopted.adopt(key)
            try adopted.save(to: journal)
            try journal.updateSyncState(["reseal-key": String(key.keyID)])
            box.link = adopted
            try clearPending()
            report.madeHere = true
            crash("adopted")
            break
        }
        if resealing { report.madeHere = true }
        try journal.updateSyncState(["reseal-key": String(link.journalKey.keyID)])
        report.resealed = try reseal(progress: progress)
        report.keyID = link.journalKey.keyID
        let devices = try transport.devices(token: link.token).devices.filter { !$0.revoked }
        let sealedSet = Set(try transport.currentKey(token: link.token).devices.map(\.deviceID))
        report.needPassphrase = devices.map(\.deviceID).filter { !sealedSet.contains($0) }
        return report
    }

    /// Whether the key the laptop now holds is the one this rotation made.
    func adoptedIsOurs(_ pending: Pending) throws -> Bool {
        link.journalKey.keyID == pending.keyID && link.journalKey.bytes.hexString == pending.keyHex
    }

    func clearPending() throws { try journal.updateSyncState(["rotation": nil]) }

    func passphraseKeys(_ passphrase: String) throws -> PassphraseKeys {
        let prelogin = try transport.prelogin(Wire.PreloginRequest(username: link.username))
        try AccountClient.check(prelogin)
        return try PassphraseKeys.derive(passphrase: passphrase, salt: prelogin.salt, rounds: prelogin.rounds)
    }

    /// Seals every envelope under an older key again, replacing the server's copy, from the cursor an interrupted
    /// run kept; passes until one finds none. Returns how many were sealed again.
    public func reseal(progress: (Progress) -> Void = { _ in }) throws -> Int {
        var key = link.journalKey
        var resealed = 0
        var cursor = try journal.syncState()["reseal-cursor"] ?? "0"
        let latest = Int(try transport.pull(after: "0", limit: 1, token: link.token).latest) ?? 0
        progress(.resealing(done: 0, total: latest))
        while true {
            var found = 0
            while true {
                let page = try transport.pull(after: cursor, limit: 500, token: link.token)
                var items: [Wire.Item] = []
                for item in page.changes {
                    guard let header = Envelope.header(of: item.envelope), header.keyID < key.keyID,
                        let device = DeviceID(rawValue: item.device)
                    else { continue }
                    let id = ChangeID(deviceID: device, seq: item.seq)
                    let plaintext = try Envelope.openPlaintext(
                        item.envelope, userID: link.userID, id: id, keys: link.keys)
                    items.append(
                        Wire.Item(
                            device: item.device, seq: item.seq,
                            envelope: try Envelope.seal(plaintext: plaintext, id: id, userID: link.userID, key: key),
                            replace: true))
                }
                if !items.isEmpty {
                    do {
                        _ = try transport.push(Wire.Push(changes: items), token: link.token)
                    } catch let error as SyncError where SyncEngine.isStaleKey(error) {
                        // Another laptop rotated again meanwhile: take its key, and seal again under that one.
                        let engine = SyncEngine(journal: journal, transport: transport, link: link)
                        guard try engine.refreshKey() else { throw error }
                        box.link = engine.link
                        key = link.journalKey
                        try journal.updateSyncState(["reseal-key": String(key.keyID)])
                        found += 1
                        continue
                    }
                    found += items.count
                    resealed += items.count
                    crash("resealing")
                }
                cursor = page.next
                try journal.updateSyncState(["reseal-cursor": cursor])
                progress(.resealing(done: min(Int(cursor) ?? 0, latest), total: latest))
                if !page.hasMore { break }
            }
            // Re-sealed envelopes moved to the end of the log and were passed over; a pass that found nothing old
            // is the proof that none is left.
            if found == 0 { break }
        }
        try journal.updateSyncState(["reseal-cursor": nil, "reseal-key": nil])
        return resealed
    }
}

/// What a lost laptop could hold (SPEC §8.1), for the clinician's incident report.
public struct ExposureReport: Codable, Sendable {
    public struct Item: Codable, Sendable, Equatable {
        public var id: String
        public var kind: String?
        public var title: String?
        public var occurredOn: String?
        public var createdAt: String?
        public var trashed: Bool
        /// Purged since: its words were on the laptop, and are gone everywhere else.
        public var purgedSince: Bool
        /// What the identifier guard finds in the versions the laptop held.
        public var identifiers: [String]
    }

    public var device: String
    public var name: String
    public var lastSeen: String
    public var revoked: Bool
    /// How far in the server's log the laptop was sent changes.
    public var sentTo: String?
    public var changes: Int
    public var entries: [Item]

    /// Computes the report from the server's account of what the laptop was sent and this journal's copies.
    public static func make(deviceID: String, journal: Journal, transport: any SyncTransport, link: AccountLink)
        throws -> ExposureReport
    {
        let exposure = try transport.exposure(deviceID: deviceID, token: link.token)
        var byEntry: [EntryID: [Change]] = [:]
        var count = 0
        for range in exposure.ranges {
            guard let device = DeviceID(rawValue: range.device) else { continue }
            for change in try journal.changes(from: device, seqs: range.first...range.last) {
                byEntry[change.entryID, default: []].append(change)
                count += 1
            }
        }
        var items: [Item] = []
        for (entryID, changes) in byEntry {
            let state = EntryState(entryID: entryID, changes: changes)
            let here = try journal.entry(entryID)
            let purged = changes.contains { $0.erasureRank == 2 } || here == nil
            let entry = state.makeEntry()
            if entry == nil && !purged { continue }
            let texts = changes.flatMap { change -> [String] in
                switch change.operation {
                case .set(.title, let value?): [value]
                case .add(.tags, let tag): [tag]
                case .editBody(let text, _): [text]
                default: []
                }
            }
            let found = Array(Set(texts.flatMap(IdentifierScanner.scan).map(\.kind.rawValue))).sorted()
            items.append(
                Item(
                    id: entryID.rawValue, kind: entry?.kind.rawValue, title: entry?.title,
                    occurredOn: entry?.occurredOn?.description,
                    createdAt: entry.map { ISOTimestamp.format($0.createdAt) },
                    trashed: entry?.isTrashed ?? false, purgedSince: entry == nil, identifiers: found))
        }
        items.sort { ($0.createdAt ?? "", $0.id) < ($1.createdAt ?? "", $1.id) }
        return ExposureReport(
            device: exposure.deviceID, name: exposure.name, lastSeen: exposure.lastSeenAt, revoked: exposure.revoked,
            sentTo: exposure.sentTo, changes: count, entries: items)
    }
}
