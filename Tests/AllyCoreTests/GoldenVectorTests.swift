import AllyCore
import Foundation
import Testing

/// Runs Protocol/vectors/merge/*.json: changes in, entries out. Any implementation of Protocol/SPEC.md must
/// produce the same entries, in any order of the changes.
@Suite struct GoldenVectorTests {
    struct Vector: Codable {
        var description: String
        var changes: [Change]
        var expected: [Entry]?
    }

    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Protocol/vectors/merge")

    static var names: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".json") }
            .sorted()
    }

    @Test func thereAreVectors() { #expect(Self.names.count >= 9) }

    @Test("Golden merge vector", arguments: names)
    func vector(name: String) throws {
        let url = Self.folder.appendingPathComponent(name)
        var vector = try JSONDecoder().decode(Vector.self, from: Data(contentsOf: url))
        let entries = Materializer.materialize(vector.changes).values.sorted { $0.id < $1.id }
        if ProcessInfo.processInfo.environment["ALLY_REGENERATE_VECTORS"] == "1" {
            vector.expected = entries
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try (encoder.encode(vector) + Data("\n".utf8)).write(to: url)
            return
        }
        let expected = try #require(vector.expected, "\(name) has no expected entries")
        #expect(entries == expected, "\(name): \(vector.description)")
        #expect(Materializer.materialize(vector.changes.reversed()).values.sorted { $0.id < $1.id } == expected)
    }
}
