import AllyCore
import AllyProtocol
import AllyStore
import AllySync
import AllyTesting
import Foundation
import Testing

/// Issue 7 §5: every received change is checked; one this version cannot apply — an operation from a newer ally,
/// or a change that fails the checks (here: an extra key, so not canonical) — is held aside without blocking the
/// rest, reported by `ally status` and `ally check`, and applied once a version that can read it runs (SPEC §2.1).
@Suite(.serialized) struct UnreadableChangeTests {
    let folder = TemporaryDirectory()
    let entry = EntryID.random()
    let newer = DeviceID.random()
    let faulty = DeviceID.random()

    func canonical(_ seq: Int64, device: DeviceID, _ operation: ChangeOperation) throws -> Data {
        try Change(
            id: ChangeID(deviceID: device, seq: seq),
            at: HybridTimestamp(wallMillis: 1_790_000_000_000 + seq, counter: 0, deviceID: device), entryID: entry,
            operation: operation
        ).canonicalJSON()
    }

    /// From a newer ally: a create, an operation this version does not know (written in canonical form, keys
    /// sorted), then a tag after it. From a faulty writer: a create with an extra key.
    func crafted() throws -> [(id: ChangeID, bytes: Data)] {
        let unknown =
            #"{"colour":"teal","counter":0,"device":"\#(newer.rawValue)","entry":"\#(entry.rawValue)","#
            + #""op":"highlight","seq":2,"wall":1790000000002}"#
        var faultyCreate = try canonical(1, device: faulty, .create(kind: .goal, createdAt: 1_790_000_000_000))
        faultyCreate.removeLast()
        faultyCreate.append(contentsOf: Array(#","zzz":1}"#.utf8))
        return [
            (
                ChangeID(deviceID: newer, seq: 1),
                try canonical(1, device: newer, .create(kind: .reflection, createdAt: 1_790_000_000_000))
            ),
            (ChangeID(deviceID: newer, seq: 2), Data(unknown.utf8)),
            (ChangeID(deviceID: newer, seq: 3), try canonical(3, device: newer, .add(.tags, "after"))),
            (ChangeID(deviceID: faulty, seq: 1), faultyCreate),
        ]
    }

    func expectHeldAside(_ laptop: SyncLaptop) throws {
        let check = try decodeObject(laptop.ok("check", "--json"))
        let held = try #require(check["heldAside"] as? [String: Any])
        let unreadable = held["unreadable"] as? [[String: Any]] ?? []
        #expect(Set(unreadable.compactMap { $0["reason"] as? String }) == ["unknown", "invalid"], "\(unreadable)")
        #expect(held["waiting"] as? Int == 1, "the tag after the unknown change waits for it")
        let status = laptop.ok("status")
        #expect(status.contains("needs a newer ally") && status.contains("not a valid change"), "\(status)")
        // What could be applied was: the newer laptop's entry exists.
        #expect(laptop.ok("list").contains(String(entry.rawValue.prefix(8))))
    }

    @Test func aPulledChangeThisVersionCannotApplyIsHeldAsideAndTheRestMerges() throws {
        let server = try ServerProcess(database: folder.file("server.sqlite"), arguments: ["--open-registration"])
        let a = SyncLaptop(folder, "a")
        a.ok("account", "register", "--server", server.url, "--username", "newer")
        let journal = try Journal.open(at: a.path)
        let link = try #require(try AccountLink.load(from: journal))
        let transport = try HTTPSyncTransport(server: server.url)
        let items = try crafted().map { item in
            Wire.Item(
                device: item.id.deviceID.rawValue, seq: item.id.seq,
                envelope: try Envelope.seal(plaintext: item.bytes, id: item.id, userID: link.userID, key: link.journalKey))
        }
        _ = try transport.push(Wire.Push(changes: items), token: link.token)
        let later = a.ok("new", "reflection", "written after the odd ones")
        a.ok("sync")

        let b = SyncLaptop(folder, "b")
        b.ok("account", "login", "--server", server.url, "--username", "newer")
        let sync = b.run.run(["sync", "--json"])
        #expect(sync.status == 0, "\(sync.stderr)")
        #expect(try decodeObject(sync.stdout)["unreadable"] as? Int == 2)
        #expect(b.ok("list").contains(later))
        try expectHeldAside(b)
        // Held, not repeated: the next sync finds nothing new and still reports them through check.
        b.ok("sync")
        #expect(try Journal.open(at: b.path).unreadableChanges().count == 2)
    }

    @Test func aBundleLineThisVersionCannotApplyIsHeldAsideAndTheRestMerges() throws {
        let bundle = try ChangeBundle.encode(lines: try crafted().map(\.bytes), from: newer)
        let file = folder.file("newer.bundle")
        try bundle.write(to: URL(fileURLWithPath: file))
        let b = SyncLaptop(folder, "b")
        b.ok("new", "reflection", "already here")
        let imported = b.run.run(["bundle", "import", "--json", file])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(try decodeObject(imported.stdout)["unreadable"] as? Int == 2)
        try expectHeldAside(b)
    }

    /// A newer ally reads what this one kept: simulated by a held change whose text this version can read.
    @Test func aHeldChangeIsAppliedOnceItCanBeRead() throws {
        let journal = try Journal.create(at: folder.file("j.sqlite"))
        let create = Change(
            id: ChangeID(deviceID: newer, seq: 1), at: HybridTimestamp(wallMillis: 5, counter: 0, deviceID: newer),
            entryID: entry, operation: .create(kind: .goal, createdAt: 5))
        let text = String(decoding: try create.canonicalJSON(), as: UTF8.self)
        _ = try journal.apply(
            [],
            unreadable: [
                (
                    ReceivedChange.Refusal(reason: .unknown, id: create.id, entryID: entry, problem: "from the future"),
                    text
                )
            ])
        #expect(try journal.unreadableChanges().count == 1)
        #expect(try journal.entry(entry) == nil)
        _ = try journal.apply([])
        #expect(try journal.unreadableChanges().isEmpty)
        #expect(try journal.entry(entry)?.kind == .goal)
        try journal.checkInvariants()
    }
}
