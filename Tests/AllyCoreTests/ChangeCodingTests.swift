import AllyCore
import Foundation
import Testing

@Suite struct ChangeCodingTests {
    let device = DeviceID(rawValue: "aaaaaaaaaaaaaaaa")!
    let entry = EntryID(rawValue: "0123456789abcdef0123456789abcdef")!

    @Test func everyOperationRoundTripsThroughCanonicalJSON() throws {
        let parent = ChangeID(deviceID: device, seq: 1)
        let operations: [ChangeOperation] = [
            .create(kind: .goal, createdAt: 5), .set(.title, "Read Good Guys"), .set(.due, nil),
            .add(.tags, "books"), .remove(.tags, "books", observed: [parent]),
            .editBody(text: "é\n\"quoted\"", parents: [parent]), .trash(seen: VersionVector([device: 3])), .restore,
        ]
        for (index, operation) in operations.enumerated() {
            let change = Change(
                id: ChangeID(deviceID: device, seq: Int64(index + 2)),
                at: HybridTimestamp(wallMillis: 10, counter: Int32(index), deviceID: device), entryID: entry,
                operation: operation)
            let json = try change.canonicalJSON()
            let decoded = try JSONDecoder().decode(Change.self, from: json)
            #expect(decoded == change)
            #expect(try decoded.canonicalJSON() == json)
        }
    }

    @Test func malformedChangesAreRefused() {
        let good =
            #"{"device":"aaaaaaaaaaaaaaaa","seq":1,"wall":1,"counter":0,"entry":"0123456789abcdef0123456789abcdef","#
        let bad = [
            good + #""op":"set","field":"level","value":"galactic"}"#,
            good + #""op":"explode"}"#,
            good + #""op":"add","field":"tags","element":"two words"}"#,
            good + #""op":"set","field":"minutes","value":"-5"}"#,
            #"{"device":"AAAA","seq":1,"wall":1,"counter":0,"entry":"0123456789abcdef0123456789abcdef","op":"restore"}"#,
            #"{"device":"aaaaaaaaaaaaaaaa","seq":0,"wall":1,"counter":0,"entry":"0123456789abcdef0123456789abcdef","op":"restore"}"#,
        ]
        for json in bad {
            #expect(throws: (any Error).self, "\(json)") {
                try JSONDecoder().decode(Change.self, from: Data(json.utf8))
            }
        }
        #expect(throws: Never.self) {
            try JSONDecoder().decode(Change.self, from: Data((good + #""op":"restore"}"#).utf8))
        }
    }

    @Test func bundlesRefuseTruncationPaddingAndBadUTF8() throws {
        let change = Change(
            id: ChangeID(deviceID: device, seq: 1), at: HybridTimestamp(wallMillis: 1, counter: 0, deviceID: device),
            entryID: entry, operation: .create(kind: .reflection, createdAt: 1))
        let data = try ChangeBundle.encode([change, change], from: device)
        #expect(try ChangeBundle.decode(data).changes == [change, change])
        #expect(throws: ChangeBundle.FormatError.self) { try ChangeBundle.decode(data.prefix(data.count - 10)) }
        #expect(throws: ChangeBundle.FormatError.self) { try ChangeBundle.decode(data.prefix(data.count / 2)) }
        #expect(throws: ChangeBundle.FormatError.self) { try ChangeBundle.decode(Data([0xff, 0xfe]) + data) }
        #expect(throws: ChangeBundle.FormatError.self) { try ChangeBundle.decode(Data("hello\n".utf8)) }
        var padded = data
        padded.append(contentsOf: Array(try change.canonicalJSON()) + [0x0a])
        #expect(throws: ChangeBundle.FormatError.self) { try ChangeBundle.decode(padded) }
    }
}
