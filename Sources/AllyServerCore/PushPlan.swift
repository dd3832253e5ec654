import AllyProtocol
import Foundation

/// Sorts a push into new changes and duplicates by `(device, seq)`, refusing different bytes under a known id
/// (SPEC §9). Both stores feed it the bytes they hold, so the rule lives in one place.
struct PushPlan {
    /// Refuses new changes sealed under a journal key older than the account's current one (SPEC §8.1): after a
    /// rotation, a laptop that still seals with the old key picks the new one up and seals again.
    static func checkKeys(_ items: [Wire.Item], current: UInt32) throws {
        for item in items {
            guard let keyID = Envelope.header(of: item.envelope)?.keyID, keyID < current else { continue }
            throw ServerError(
                .conflict,
                "change \(item.device.prefix(8)).\(item.seq) is sealed with journal key \(keyID), but the account's "
                    + "journal key is now \(current) (rotated after a laptop was lost); nothing was stored")
        }
    }

    /// Changes to store, in the order pushed.
    private(set) var fresh: [Wire.Item] = []
    /// Changes already held, byte for byte (in the store or earlier in the same push).
    private(set) var duplicates = 0
    /// Of `fresh`, the ids (`device.seq`) that replace a stored change (SPEC §2.3): the stored row leaves its
    /// position and the replacement takes the next one.
    private(set) var replacing: Set<String> = []
    private var seen: [String: Data] = [:]

    /// Considers the next pushed change, given the envelope the store holds under its id, if any, and whether the
    /// store holds the device's previous change. A device's changes are held as a prefix, here as on every laptop
    /// (SPEC §9): a change whose predecessor is neither stored nor earlier in the push is refused, so that a server
    /// restored from a backup never keeps a later change whose earlier ones it lost (every laptop would hold it
    /// aside for ever, waiting for them); the laptop re-sends the earlier ones once it has read the log again.
    /// `storedIsReplacement`: the stored envelope came in a `replace` (a stub or a redacted copy, SPEC §2.3); a plain
    /// push of other bytes under its id is a laptop that has not yet pulled it, and counts as a duplicate.
    mutating func add(_ item: Wire.Item, stored: Data?, storedIsReplacement: Bool = false, previousStored: Bool) throws
    {
        let key = "\(item.device).\(item.seq)"
        if stored == nil, seen[key] == nil, item.seq > 1, !previousStored, seen["\(item.device).\(item.seq - 1)"] == nil
        {
            throw ServerError(
                .conflict,
                "change \(item.device.prefix(8)).\(item.seq) follows a gap: this server lacks "
                    + "\(item.device.prefix(8)).\(item.seq - 1); nothing was stored")
        }
        if let earlier = seen[key] ?? stored {
            if earlier == item.envelope {
                duplicates += 1
                return
            }
            // SPEC §2.3: an item marked `replace` (a stub or redacted copy, or a re-sealed envelope) takes the place
            // of the stored one; the server cannot read either and trusts the account's own laptops.
            if item.replace != true, seen[key] == nil, storedIsReplacement {
                duplicates += 1
                return
            }
            guard item.replace == true else {
                throw ServerError(
                    .conflict, "change \(item.device.prefix(8)).\(item.seq) is already stored with different bytes")
            }
            // A re-seal moves a change to a newer key only (SPEC §8.1): never back to an older one.
            if let new = Envelope.header(of: item.envelope)?.keyID, let old = Envelope.header(of: earlier)?.keyID,
                new < old
            {
                throw ServerError(
                    .conflict,
                    "change \(item.device.prefix(8)).\(item.seq) is stored under journal key \(old); a replace under "
                        + "the older key \(new) is refused; nothing was stored")
            }
            seen[key] = item.envelope
            if let index = fresh.firstIndex(where: { $0.device == item.device && $0.seq == item.seq }) {
                fresh[index] = item
            } else {
                replacing.insert(key)
                fresh.append(item)
            }
            return
        }
        seen[key] = item.envelope
        fresh.append(item)
    }
}
