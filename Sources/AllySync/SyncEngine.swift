import AllyCore
import AllyProtocol
import AllyStore
import Foundation

/// Pushes this journal's pending changes, then pulls the server's in pages (DESIGN.md §5): each page is opened
/// and checked whole, then applied in one transaction together with its cursor.
public struct SyncEngine {
    let journal: Journal
    let transport: any SyncTransport
    let link: AccountLink
    /// Changes per push request and per pulled page.
    public var batchSize = 2_000

    public init(journal: Journal, transport: any SyncTransport, link: AccountLink) {
        self.journal = journal
        self.transport = transport
        self.link = link
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
        public var serverLostData = false
        public var cursor = "0"
        /// Devices whose pulled changes are stamped more than a day ahead of this laptop's clock: device id →
        /// the latest such stamp (ISO 8601). Merged all the same; that laptop's clock is probably wrong.
        public var clockAhead: [String: String] = [:]
        /// Pulled changes waiting for earlier ones from the same laptop (SPEC §2.1); applied once those arrive.
        public var waiting = 0
        /// Pulled changes that differ from this journal's copy under the same id, held aside (`ally check`).
        public var differing: [String] = []
    }

    /// Runs one sync. Throws `SyncError`; whatever was applied before a failure stays applied and consistent.
    public func sync(progress: (Progress) -> Void = { _ in }) throws -> Report {
        var report = Report()
        try push(into: &report, progress: progress)
        let lost = try pull(into: &report, progress: progress)
        if lost {
            // The server is behind this laptop: send everything again, then read from the start.
            report.serverLostData = true
            try journal.markAllUnpushed()
            try journal.updateSyncState(["cursor": "0"])
            try push(into: &report, progress: progress)
            _ = try pull(into: &report, progress: progress)
        }
        report.conflicts = try journal.conflicts().count
        try journal.updateSyncState(["lastSync": ISOTimestamp.format(Int64(Date().timeIntervalSince1970 * 1000))])
        return report
    }

    func push(into report: inout Report, progress: (Progress) -> Void) throws {
        let total = try journal.unpushedCount()
        var done = 0
        progress(.pushing(done: 0, total: total))
        while true {
            let batch = try journal.unpushedChanges(limit: batchSize)
            if batch.isEmpty { break }
            let items = try batch.map { entry in
                Wire.Item(
                    device: entry.change.id.deviceID.rawValue, seq: entry.change.id.seq,
                    envelope: try Envelope.seal(entry.change, userID: link.userID, key: link.journalKey))
            }
            let result: Wire.PushResult
            do {
                result = try transport.push(Wire.Push(changes: items), token: link.token)
            } catch let error as SyncError where error.code == .conflict {
                throw SyncError(
                    .conflict,
                    "the server holds a different change under an id this journal has (\(error.message)); nothing was overwritten. "
                        + "Is another journal file using this one's device id (a copied file)?")
            }
            try journal.markPushed(batch.map(\.rowID))
            report.pushed += result.accepted
            report.alreadyOnServer += result.duplicates
            done += batch.count
            progress(.pushing(done: done, total: max(total, done)))
        }
    }

    /// Pulls until the server has no more; returns true if the server turned out to be behind this laptop.
    func pull(into report: inout Report, progress: (Progress) -> Void) throws -> Bool {
        var cursor = try journal.syncState()["cursor"] ?? "0"
        while true {
            let page = try transport.pull(after: cursor, limit: batchSize, token: link.token)
            if let latest = Int64(page.latest), let mine = Int64(cursor), latest < mine { return true }
            var changes: [Change] = []
            var canonical: [String] = []
            changes.reserveCapacity(page.changes.count)
            canonical.reserveCapacity(page.changes.count)
            for item in page.changes {
                guard let device = DeviceID(rawValue: item.device), item.seq >= 1 else {
                    throw SyncError(
                        .untrusted, "the server sent a change with a malformed id; nothing from that page was applied")
                }
                do {
                    let opened = try Envelope.openWithPlaintext(
                        item.envelope, userID: link.userID, id: ChangeID(deviceID: device, seq: item.seq),
                        keys: [link.journalKey])
                    changes.append(opened.change)
                    canonical.append(String(decoding: opened.plaintext, as: UTF8.self))
                } catch let error as ProtocolError {
                    throw SyncError(
                        .untrusted,
                        "\(error.message); nothing from that page was applied. The server's copy may be damaged or tampered with"
                    )
                }
            }
            let outcome = try journal.applyPulled(changes, canonical: canonical, cursor: page.next)
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
