@testable import AllyCLI
@testable import AllyCore
import AllyProtocol
@testable import AllyStore
import Foundation
import GRDB

/// The fuzz targets of the reliability suite (issue 11 §3, docs/RELIABILITY.md). Each takes arbitrary bytes and
/// must neither crash nor break the property it names; a broken property stops the process with `fatalError`, which
/// libFuzzer records as a crash with the input that caused it.
enum Targets {
    static let all: [String: @Sendable (Data) -> Void] = [
        "change": change, "bundle": bundle, "sealed": sealed, "envelope": envelope, "wire": wire, "dates": dates,
        "config": config, "search": search, "merge": merge,
    ]

    static func fail(_ target: String, _ message: String) -> Never {
        fatalError("fuzz target \(target): \(message)")
    }

    /// A change received from a server, a bundle or another laptop's log (`ReceivedChange.check`): accepted bytes
    /// are canonical, re-check the same way, and read the same through the journal's own log decoder.
    static func change(_ data: Data) {
        guard case .success(let change) = ReceivedChange.check(data) else { return }
        guard let again = try? change.canonicalJSON(), again == data else {
            fail("change", "an accepted change does not encode back to its bytes")
        }
        guard case .success(let same) = ReceivedChange.check(again, expected: change.id), same == change else {
            fail("change", "an accepted change is refused, or read differently, the second time")
        }
        guard let text = String(data: data, encoding: .utf8), let logged = try? ChangeLog.decode(text),
            logged == change
        else { fail("change", "an accepted change is not read back the same from the journal's log") }
    }

    /// A plain bundle file (`ChangeBundle.decodeKeepingUnreadable`): what it accepts, written again as a bundle,
    /// reads back as the same changes.
    static func bundle(_ data: Data) {
        guard let decoded = try? ChangeBundle.decodeKeepingUnreadable(data) else { return }
        guard let encoded = try? ChangeBundle.encode(decoded.changes, from: decoded.device) else {
            fail("bundle", "the changes of an accepted bundle cannot be written as a bundle")
        }
        guard let again = try? ChangeBundle.decode(encoded), again.device == decoded.device,
            again.changes == decoded.changes
        else { fail("bundle", "a bundle written from accepted changes does not read back the same") }
    }

    static let passphrase = "correct horse battery staple"

    /// A sealed bundle (`SealedBundle.open`), then the plain bundle inside. Input that is not a sealed bundle is
    /// sealed (at the cheapest cost a reader accepts) and must open to itself; any other sealed input must be
    /// refused with one of the named failures, never crash, and never open.
    static func sealed(_ data: Data) {
        if SealedBundle.isSealed(data) {
            if let plain = try? SealedBundle.open(data, passphrase: passphrase) {
                // Only a file sealed under the fuzz passphrase opens; the corpus holds some, and mutants of them
                // that still open must have authentic bytes, which the plain reader then checks.
                _ = try? ChangeBundle.decodeKeepingUnreadable(plain)
            }
            return
        }
        guard data.count <= 64 << 10 else { return }
        guard
            let sealed = try? SealedBundle.seal(
                data, passphrase: passphrase, logRounds: 10, salt: Data(repeating: 7, count: 16),
                nonce: Data(repeating: 9, count: 12))
        else { fail("sealed", "sealing failed") }
        guard let opened = try? SealedBundle.open(sealed, passphrase: passphrase), opened == data else {
            fail("sealed", "a sealed bundle does not open to what was sealed")
        }
        var altered = sealed
        altered[altered.count / 2] ^= 0x01
        if (try? SealedBundle.open(altered, passphrase: passphrase)) != nil {
            fail("sealed", "a sealed bundle with one bit changed still opens")
        }
    }

    static let userID = "fuzz-user"
    static let key: JournalKey = {
        guard let key = try? JournalKey(bytes: Data((0..<32).map { UInt8($0) }), keyID: 3) else {
            fatalError("the fuzz key cannot be made")
        }
        return key
    }()
    static let device = DeviceID(rawValue: "0123456789abcdef") ?? .random()

    /// An envelope from the server (`Envelope.openPlaintext`/`open`). Input that is a valid change is sealed and
    /// must open to itself, and fail to open as any other change id; anything else is opened as an envelope said
    /// to hold change (fuzz device, 1) and must be refused with a `ProtocolError`, or open to exactly that change.
    static func envelope(_ data: Data) {
        if case .success(let change) = ReceivedChange.check(data) {
            guard let sealed = try? Envelope.seal(change, userID: userID, key: key) else {
                fail("envelope", "a valid change cannot be sealed")
            }
            guard let opened = try? Envelope.open(sealed, userID: userID, id: change.id, keys: [key]), opened == change
            else { fail("envelope", "a sealed change does not open to itself") }
            let other = ChangeID(deviceID: change.id.deviceID, seq: change.id.seq == 1 ? 2 : 1)
            if (try? Envelope.open(sealed, userID: userID, id: other, keys: [key])) != nil {
                fail("envelope", "an envelope opens as another change id")
            }
            if (try? Envelope.open(sealed, userID: "someone-else", id: change.id, keys: [key])) != nil {
                fail("envelope", "an envelope opens for another user")
            }
            return
        }
        let id = ChangeID(deviceID: device, seq: 1)
        do {
            let change = try Envelope.open(data, userID: userID, id: id, keys: [key])
            if change.id != id { fail("envelope", "an envelope opened as a change other than the one named") }
        } catch is ProtocolError {
        } catch {
            fail("envelope", "opening failed with something other than a ProtocolError: \(error)")
        }
    }

    /// The JSON bodies the server reads (strict check, then decode) and the answers a laptop reads. The first
    /// byte picks the type; a decoded value encodes and decodes back to itself.
    static func wire(_ data: Data) {
        guard let selector = data.first else { return }
        let body = data.dropFirst()
        let strict = (try? StrictJSON.check(Data(body))) != nil
        func roundTrip<T: Codable & Equatable>(_ type: T.Type) {
            guard let value = try? JSONDecoder().decode(T.self, from: body) else { return }
            guard let encoded = try? JSONEncoder().encode(value),
                let again = try? JSONDecoder().decode(T.self, from: encoded), again == value
            else { fail("wire", "\(T.self) does not survive encoding and decoding again") }
            _ = strict
        }
        func decodes<T: Decodable>(_ type: T.Type) { _ = try? JSONDecoder().decode(T.self, from: body) }
        switch selector % 16 {
        case 0: decodes(Wire.Push.self)
        case 1: decodes(Wire.Page.self)
        case 2: roundTrip(Wire.Held.self)
        case 3: roundTrip(Wire.PushResult.self)
        case 4: roundTrip(Wire.Info.self)
        case 5: decodes(Wire.Registration.self)
        case 6: decodes(Wire.LoginRequest.self)
        case 7: decodes(Wire.Session.self)
        case 8: roundTrip(Wire.Device.self)
        case 9: roundTrip(Wire.Problem.self)
        case 10: decodes(Wire.RecoveryReset.self)
        case 12: roundTrip(Wire.KeyRotation.self)
        case 13: roundTrip(Wire.CurrentKey.self)
        case 14: roundTrip(Wire.Exposure.self)
        default: roundTrip(Wire.Item.self)
        }
    }

    /// Date expressions (`DateExpression.read`) in both directions and every day order, and ISO timestamps: a date
    /// read is one `LocalDate` can print and read back; relative words land within a few years of today.
    static func dates(_ data: Data) {
        guard let text = String(data: data, encoding: .utf8) else { return }
        let today = LocalDate(dayNumber: 20_781)  // 2026-11-24
        for direction in [DateExpression.Direction.past, .future] {
            for order in [nil, DateExpression.DayOrder.dayFirst, .monthFirst] {
                switch DateExpression.read(text, today: today, direction: direction, order: order) {
                case .date(let date):
                    check(date, text)
                case .ambiguous(let first, let second):
                    check(first, text)
                    check(second, text)
                    if order != nil { fail("dates", "\(Quoted(text)) is ambiguous although a day order was given") }
                case .invalid:
                    break
                }
            }
        }
        if let parsed = DateExpression.parse(text, today: today) { check(parsed, text) }
        _ = ISOTimestamp.parse(text)
    }

    static func check(_ date: LocalDate, _ text: String) {
        let printed = date.description
        guard LocalDate(iso: printed) == date else {
            fail("dates", "\(Quoted(text)) gave a date that does not print and read back (\(printed))")
        }
    }

    /// The config file parser (`Config.parse`): any text gives a config or a `ParseError` naming a line of it.
    static func config(_ data: Data) {
        guard let text = String(data: data, encoding: .utf8) else { return }
        do {
            _ = try Config.parse(text)
        } catch let error as Config.ParseError {
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).count
            guard (1...max(lines, 1)).contains(error.line) else {
                fail("config", "an error names line \(error.line) of a \(lines)-line file")
            }
        } catch {
            fail("config", "parsing failed with something other than a ParseError: \(error)")
        }
    }

    /// An in-memory FTS5 table built like the journal's (Journal+Schema.swift).
    static let searchDatabase: DatabaseQueue = {
        do {
            let queue = try DatabaseQueue()
            try queue.write { db in
                try db.execute(
                    sql: """
                        CREATE VIRTUAL TABLE entry_search USING fts5(
                            title, body, tags, tokenize = 'unicode61 remove_diacritics 2');
                        INSERT INTO entry_search(rowid, title, body, tags)
                            VALUES (1, 'Ward round', 'I spoke up for Dr. Okafor''s shout-out', 'voice credit');
                        """)
            }
            return queue
        } catch {
            fatalError("the in-memory search table cannot be made: \(error)")
        }
    }()

    /// The search-query builder (`SearchQuery.fts`): what it builds from plain words — no quotes, parentheses,
    /// operators, `*` or `column:` — SQLite's FTS5 always accepts; anything it builds is refused, if at all, only
    /// as an SQL error the journal turns into a message, never a crash.
    static func search(_ data: Data) {
        guard let text = String(data: data, encoding: .utf8), text.utf8.count <= 4096 else { return }
        guard let query = try? SearchQuery.fts(text) else { return }
        // The builder separates words at NUL too.
        let spaced = String(String.UnicodeScalarView(text.unicodeScalars.map { $0 == "\0" ? " " : $0 }))
        let words = spaced.split(whereSeparator: \.isWhitespace)
        let plain = words.allSatisfy { word in
            !SearchQuery.operators.contains(String(word))
                && !word.unicodeScalars.contains(where: { "\"()*:".unicodeScalars.contains($0) })
        }
        do {
            _ = try searchDatabase.read { db in
                try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM entry_search WHERE entry_search MATCH ?", arguments: [query])
            }
        } catch let error as DatabaseError {
            if plain { fail("search", "plain words \(Quoted(text)) built \(query), which FTS5 refuses: \(error)") }
        } catch {
            fail("search", "the search failed with something other than a database error: \(error)")
        }
    }

    /// The 3-way text merge (`TextMerge.merge`). From the input it reads three texts (split at 0x00 bytes) and
    /// checks the merge is deterministic, takes one side whole when the other is unchanged, and treats both sides
    /// alike; then it builds a base of distinct lines with edits of both sides in separate places and checks that
    /// the merge keeps every edit of both, without a conflict.
    static func merge(_ data: Data) {
        let parts = data.split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false).map {
            String(decoding: $0, as: UTF8.self)
        }
        guard parts.count == 3, data.count <= 8192 else { return }
        let (base, ours, theirs) = (parts[0], parts[1], parts[2])
        let first = TextMerge.merge(base: base, ours: ours, theirs: theirs)
        guard TextMerge.merge(base: base, ours: ours, theirs: theirs) == first else {
            fail("merge", "the merge gives different results for the same texts")
        }
        if ours == base, TextMerge.merge(base: base, ours: base, theirs: theirs).text != theirs {
            fail("merge", "merging an unchanged side does not give the other side")
        }
        let swapped = TextMerge.merge(base: base, ours: theirs, theirs: ours)
        guard swapped.hasConflict == first.hasConflict else {
            fail("merge", "swapping the sides changes whether the merge has a conflict")
        }
        if !first.hasConflict, swapped.text != first.text {
            fail("merge", "a clean merge depends on which side is ours")
        }
        separateEdits(data)
    }

    /// Edits of both sides in separate places of a text of distinct lines always merge cleanly, keeping both.
    static func separateEdits(_ data: Data) {
        let bytes = [UInt8](data)
        guard bytes.count >= 2 else { return }
        let lineCount = Int(bytes[0] % 24) + 4
        let baseLines = (0..<lineCount).map { "base line \($0)\n" }
        var ours = baseLines.map { [$0] }
        var theirs = baseLines.map { [$0] }
        var inserted = 0
        // Each byte after the first edits one line: which side and what (replace, delete, insert after). A line
        // next to a line the other side edited is left alone, so every edit has an unchanged line on each side.
        var owner = [Int?](repeating: nil, count: lineCount)
        for (step, byte) in bytes.dropFirst().prefix(64).enumerated() {
            let line = Int(byte >> 2) % lineCount
            let side = step % 2
            let touching = (max(0, line - 1)...min(lineCount - 1, line + 1)).contains {
                owner[$0] != nil && owner[$0] != side
            }
            guard !touching, owner[line] == nil else { continue }
            owner[line] = side
            inserted += 1
            let new = "side \(side) edit \(inserted)\n"
            let replacement: [String]
            switch byte & 3 {
            case 0: replacement = [new]
            case 1: replacement = []
            default: replacement = [baseLines[line], new]
            }
            if side == 0 { ours[line] = replacement } else { theirs[line] = replacement }
        }
        var expected: [String] = []
        for line in 0..<lineCount {
            switch owner[line] {
            case 0?: expected += ours[line]
            case 1?: expected += theirs[line]
            default: expected.append(baseLines[line])
            }
        }
        let result = TextMerge.merge(
            base: baseLines.joined(), ours: ours.joined().joined(), theirs: theirs.joined().joined())
        guard !result.hasConflict, result.text == expected.joined() else {
            fail(
                "merge",
                "edits in separate places did not merge cleanly:\nbase:\n\(baseLines.joined())\nours:\n"
                    + "\(ours.joined().joined())\ntheirs:\n\(theirs.joined().joined())\ngot:\n\(result.text)")
        }
    }
}
