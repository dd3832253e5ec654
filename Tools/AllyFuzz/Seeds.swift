import AllyCore
import AllyProtocol
import AllyStore
import Foundation

/// The generated part of the seed corpus: real changes from a journal written through `Journal`, and the bundles,
/// sealed bundles, envelopes and wire bodies made from them. The hand-written part (dates, config, search, merge)
/// is committed as it is.
enum Seeds {
    static func write(to folder: String) throws {
        let scratch = NSTemporaryDirectory() + "ally-fuzz-seeds-\(getpid())"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let journal = try Journal.create(at: scratch + "/journal.sqlite", deviceID: Targets.device)
        var patch = EntryPatch()
        patch.scalars[.title] = "Ward round"
        patch.body = "I noticed Dr. Okafor was talked over.\nI said: \"Let her finish.\"\n"
        patch.additions[.themes] = ["agency"]
        patch.additions[.tags] = ["ward", "résumé"]
        let first = try journal.create(.reflection, patch: patch)
        var edit = EntryPatch()
        edit.body = "I noticed Dr. Okafor was talked over.\nI said: \"Let her finish.\"\nShe thanked me after. 👍\n"
        edit.scalars[.level] = "interpersonal"
        _ = try journal.update(first.id, patch: edit)
        var goal = EntryPatch()
        goal.scalars[.title] = "Credit ideas by name"
        goal.scalars[.due] = "2026-12-31"
        goal.body = "Each handover: name who had the idea.\r\nCRLF line.\n"
        let second = try journal.create(.goal, patch: goal)
        _ = try journal.trash(second.id)
        _ = try journal.restore(second.id)
        // Erasure (SPEC §2.3): a redacted copy, a redaction, a purged entry's stubs and its purge.
        var personal = EntryPatch()
        personal.scalars[.title] = "About Mrs Example"
        personal.body = "Mrs Example in bed 4 asked for the nurse.\n"
        personal.additions[.tags] = ["example"]
        let redacted = try journal.create(.mistake, patch: personal)
        _ = try journal.redact(redacted.id, strings: ["Mrs Example", "example"], identifiers: true)
        let purged = try journal.create(.feedback, patch: goal)
        _ = try journal.purge(purged.id)
        let changes = try journal.allChanges()

        func put(_ target: String, _ name: String, _ data: Data) throws {
            let directory = folder + "/" + target
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try data.write(to: URL(fileURLWithPath: directory + "/" + name))
        }
        let bundle = try ChangeBundle.encode(changes, from: Targets.device)
        try put("bundle", "journal.bundle", bundle)
        try put("bundle", "one.bundle", try ChangeBundle.encode(Array(changes.prefix(1)), from: Targets.device))
        try put("sealed", "plain.bundle", bundle)
        try put(
            "sealed", "journal.sealed",
            try SealedBundle.seal(bundle, passphrase: Targets.passphrase, logRounds: 10))
        var items: [Wire.Item] = []
        for (index, change) in changes.enumerated() {
            let json = try change.canonicalJSON()
            try put("change", "change-\(index).json", json)
            try put("envelope", "change-\(index).json", json)
            let envelope = try Envelope.seal(change, userID: Targets.userID, key: Targets.key)
            try put("envelope", "envelope-\(index).bin", envelope)
            items.append(Wire.Item(device: change.id.deviceID.rawValue, seq: change.id.seq, envelope: envelope))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        func wire(_ selector: UInt8, _ name: String, _ value: some Encodable) throws {
            try put("wire", name, Data([selector]) + (try encoder.encode(value)))
        }
        try wire(0, "push.json", Wire.Push(changes: Array(items.prefix(3))))
        try wire(
            1, "page.json",
            Wire.Page(
                changes: items, next: "\(items.count)", hasMore: false, latest: "\(items.count)",
                afterChain: nil, nextChain: String(repeating: "ab", count: 32)))
        try wire(
            2, "held.json", Wire.Held(ranges: [Wire.HeldRange(device: Targets.device.rawValue, first: 1, last: 7)]))
        try wire(3, "push-result.json", Wire.PushResult(accepted: 3, duplicates: 1))
        try wire(11, "item.json", items[0])
        let sealedKey = Data(repeating: 7, count: 80)
        try wire(
            12, "key-rotation.json",
            Wire.KeyRotation(
                keyID: 2, wrappedKey: Data(repeating: 1, count: 60), recoverySealed: sealedKey,
                devices: [Wire.SealedKey(deviceID: Targets.device.rawValue, sealed: sealedKey)]))
        try wire(
            13, "current-key.json",
            Wire.CurrentKey(
                keyID: 2, wrappedKey: Data(repeating: 1, count: 60), sealed: sealedKey,
                recoveryPublicKey: Data(repeating: 2, count: 32),
                devices: [
                    Wire.DevicePublicKey(deviceID: Targets.device.rawValue, publicKey: Data(repeating: 3, count: 32))
                ]))
        try wire(
            14, "exposure.json",
            Wire.Exposure(
                deviceID: Targets.device.rawValue, name: "lost", lastSeenAt: "2026-11-24T10:00:00.000Z", revoked: true,
                sentTo: "12", ranges: [Wire.HeldRange(device: Targets.device.rawValue, first: 1, last: 12)]))
    }
}
