import AllyCore
import Foundation
import Testing

/// Issue 8 §5: a bundle's corruption is detected, nothing crashes or hangs, and nothing altered is imported.
@Suite struct BundleDamageTests {
    let entryID = EntryID(rawValue: "0123456789abcdef0123456789abcdef")!
    let device = DeviceID(rawValue: "aaaaaaaaaaaaaaaa")!

    func changes() -> [Change] {
        var result: [Change] = []
        var clock = HybridClock(deviceID: device)
        let operations: [ChangeOperation] = [
            .create(kind: .reflection, createdAt: 1000), .editBody(text: "hello world\nsecond line", parents: []),
            .set(.title, "Handover"), .add(.tags, "ward"), .set(.level, "public"),
        ]
        for (index, operation) in operations.enumerated() {
            result.append(
                Change(
                    id: ChangeID(deviceID: device, seq: Int64(index + 1)), at: clock.tick(wallMillis: 1000),
                    entryID: entryID, operation: operation))
        }
        return result
    }

    @Test func aBundleRoundTripsAndVersionOneIsStillRead() throws {
        let original = changes()
        let bundle = try ChangeBundle.encode(original, from: device)
        #expect(try ChangeBundle.decode(bundle).changes == original)
        // Version 1: no digests.
        var v1 = Data(
            "{\"count\":\(original.count),\"device\":\"\(device)\",\"format\":\"ally-bundle\",\"version\":1}\n".utf8)
        for change in original { v1 += try change.canonicalJSON() + Data("\n".utf8) }
        v1 += Data("{\"count\":\(original.count),\"end\":\"ally-bundle\"}\n".utf8)
        #expect(try ChangeBundle.decode(v1).changes == original)
    }

    /// One changed character (`hello world` → `hellp world`) was imported, after which two laptops refused each
    /// other's bundles forever.
    @Test func oneChangedCharacterIsRefusedAsDamaged() throws {
        let bundle = try ChangeBundle.encode(changes(), from: device)
        let text = String(decoding: bundle, as: UTF8.self)
        let altered = Data(text.replacingOccurrences(of: "hello world", with: "hellp world").utf8)
        #expect(altered != bundle)
        #expect { try ChangeBundle.decode(altered) } throws: {
            ($0 as? ChangeBundle.FormatError)?.description.contains("damaged") == true
        }
    }

    @Test func craftedHeadersAndLinesAreRefusedWithoutCrashing() throws {
        let original = changes()
        let bundle = String(decoding: try ChangeBundle.encode(original, from: device), as: UTF8.self)
        var lines = bundle.split(separator: "\n").map(String.init)
        let crafted: [String] = [
            // A count of 2^63 − 1 overflowed `count + 2`.
            bundle.replacingOccurrences(of: "\"count\":5", with: "\"count\":9223372036854775807"),
            bundle.replacingOccurrences(of: "\"count\":5", with: "\"count\":-9223372036854775808"),
            bundle.replacingOccurrences(of: "\"version\":2", with: "\"version\":-1"),
            bundle.replacingOccurrences(of: "\"version\":2", with: "\"version\":9223372036854775807"),
            "", "\n", "{}\n", String(repeating: "\n", count: 1000),
        ]
        for text in crafted {
            #expect(throws: ChangeBundle.FormatError.self) { try ChangeBundle.decode(Data(text.utf8)) }
        }
        // A non-canonical change line (an extra key, a number as 1e0) is refused even in a version 1 bundle.
        let change = try String(decoding: original[0].canonicalJSON(), as: UTF8.self)
        for variant in [
            change.replacingOccurrences(of: "\"seq\":1", with: "\"seq\":1e0"),
            change.replacingOccurrences(of: "{", with: "{\"zzz\":1,"),
            change.replacingOccurrences(of: "{", with: "{\"seq\":1,"),
        ] {
            let v1 =
                "{\"count\":1,\"device\":\"\(device)\",\"format\":\"ally-bundle\",\"version\":1}\n\(variant)\n"
                + "{\"count\":1,\"end\":\"ally-bundle\"}\n"
            #expect(throws: ChangeBundle.FormatError.self, "\(variant)") { try ChangeBundle.decode(Data(v1.utf8)) }
        }
        // A line over the bound is refused before it is parsed.
        lines[1] = String(repeating: "x", count: ChangeBundle.maximumLineBytes + 1)
        #expect(throws: ChangeBundle.FormatError.self) {
            try ChangeBundle.decode(Data(lines.joined(separator: "\n").utf8))
        }
    }

    /// 2,000 random mutations of a bundle: none crashes, and any that decodes decodes to exactly the original
    /// changes (only harmless changes, such as spaces in the end line, get through).
    @Test func randomMutationsAreRefusedOrHarmless() throws {
        let seed =
            ProcessInfo.processInfo.environment["ALLY_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 0...UInt64.max)
        print("BundleDamageTests.randomMutationsAreRefusedOrHarmless seed \(seed) (replay with ALLY_SEED=\(seed))")
        var generator = SplitMix64(seed: seed)
        let original = changes()
        let bundle = [UInt8](try ChangeBundle.encode(original, from: device))
        var accepted = 0
        for round in 0..<2000 {
            var bytes = bundle
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                let index = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<5, using: &generator) {
                case 0: bytes[index] ^= UInt8(1 << Int.random(in: 0..<8, using: &generator))
                case 1: bytes[index] = UInt8.random(in: 0x20...0x7e, using: &generator)
                case 2: bytes.remove(at: index)
                case 3: bytes.insert(UInt8.random(in: 0...255, using: &generator), at: index)
                default: bytes = Array(bytes.prefix(index))
                }
                if bytes.isEmpty { break }
            }
            if let decoded = try? ChangeBundle.decode(Data(bytes)) {
                accepted += 1
                #expect(decoded.changes == original, "seed \(seed) round \(round): an altered bundle was accepted")
            }
        }
        print("BundleDamageTests: \(accepted) of 2000 mutated bundles decoded, all to the original changes")
    }
}
