import AllyCore
import Foundation
import Testing

/// Issue #4 §5: catch at least 95% of identifiers in realistic prose, with at most 5% false alarms on ordinary
/// reflections, measured on the labelled corpus Tests/Fixtures/phi-corpus.jsonl (figures in docs/PRIVACY.md).
@Suite struct IdentifierScannerTests {
    struct Sample: Decodable {
        var text: String
        var identifiers: [String]
        /// In `phi-classes.jsonl`: the identifier class (or `clean`), for recall per class.
        var `class`: String?
    }

    static func corpus(_ name: String = "phi-corpus.jsonl") throws -> [Sample] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/\(name)")
        let text = try String(contentsOf: url, encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONDecoder().decode(Sample.self, from: Data($0.utf8)) }
    }

    /// Scores the scanner: a labelled identifier is caught when a match overlaps it; a match is correct when it
    /// overlaps a label; a clean sentence with any match is a false alarm.
    static func score(_ samples: [Sample]) -> (
        recall: Double, precision: Double, falseAlarms: Double, misses: [String], alarms: [String]
    ) {
        var labelled = 0
        var caught = 0
        var matches = 0
        var correct = 0
        var clean = 0
        var alarmed = 0
        var misses: [String] = []
        var alarms: [String] = []
        for sample in samples {
            let found = IdentifierScanner.scan(sample.text)
            let ns = sample.text as NSString
            let labels = sample.identifiers.map { ns.range(of: $0) }
            func overlaps(_ match: IdentifierScanner.Match, _ label: NSRange) -> Bool {
                match.start < label.location + label.length && label.location < match.end
            }
            labelled += labels.count
            for (label, text) in zip(labels, sample.identifiers) {
                if found.contains(where: { overlaps($0, label) }) {
                    caught += 1
                } else {
                    misses.append("\(text)  ←  \(sample.text)")
                }
            }
            matches += found.count
            correct += found.filter { match in labels.contains { overlaps(match, $0) } }.count
            if sample.identifiers.isEmpty {
                clean += 1
                if !found.isEmpty {
                    alarmed += 1
                    alarms.append(
                        found.map { "\($0.kind.rawValue): \($0.text)" }.joined(separator: ", ") + "  ←  \(sample.text)")
                }
            }
        }
        return (
            Double(caught) / Double(labelled), Double(correct) / Double(max(matches, 1)),
            Double(alarmed) / Double(clean), misses, alarms
        )
    }

    @Test func meetsTheRecallAndFalseAlarmTargets() throws {
        let samples = try Self.corpus()
        #expect(samples.count >= 200)
        let result = Self.score(samples)
        print(
            String(
                format: "PHI scanner: recall %.3f, precision %.3f, false alarms %.3f on %d sentences", result.recall,
                result.precision, result.falseAlarms, samples.count))
        for miss in result.misses { print("  missed: \(miss)") }
        for alarm in result.alarms { print("  false alarm: \(alarm)") }
        #expect(result.recall >= 0.95)
        #expect(result.falseAlarms <= 0.05)
    }

    /// A second corpus written after the patterns were first frozen. At first sight the scanner caught 91.4% of
    /// it; the three misses were fixed, so it now guards against regressions (docs/PRIVACY.md).
    @Test func heldOutCorpusStaysAboveTheTargets() throws {
        let samples = try Self.corpus("phi-holdout.jsonl")
        let result = Self.score(samples)
        print(
            String(
                format: "PHI scanner (held out): recall %.3f, precision %.3f, false alarms %.3f on %d sentences",
                result.recall, result.precision, result.falseAlarms, samples.count))
        for miss in result.misses { print("  missed: \(miss)") }
        for alarm in result.alarms { print("  false alarm: \(alarm)") }
        #expect(result.recall >= 0.95)
        #expect(result.falseAlarms <= 0.05)
    }

    /// Issue 12 §3: a corpus by identifier class — the classes the independent held-out sets missed (beneficiary
    /// and plan ids in newer formats, plates, room and bed numbers without a name, a date of birth a few words from
    /// its label) and every HIPAA Safe Harbor class a pattern can catch, in UK, US, Canadian and Australian formats —
    /// with clean sentences full of look-alike numbers. Prints recall per class (docs/PRIVACY.md).
    @Test func everyClassIsCaughtWithoutFalseAlarms() throws {
        let samples = try Self.corpus("phi-classes.jsonl")
        let classes = Set(samples.compactMap(\.class)).subtracting(["clean"]).sorted()
        for name in classes {
            let result = Self.score(samples.filter { $0.class == name })
            print(String(format: "PHI scanner, class %@: recall %.3f", name, result.recall))
            for miss in result.misses { print("  missed: \(miss)") }
        }
        let result = Self.score(samples)
        print(
            String(
                format: "PHI scanner (by class): recall %.3f, precision %.3f, false alarms %.3f on %d sentences",
                result.recall, result.precision, result.falseAlarms, samples.count))
        for alarm in result.alarms { print("  false alarm: \(alarm)") }
        #expect(result.recall >= 0.95)
        #expect(result.falseAlarms == 0)
    }

    /// Written after the widened patterns of issue 12 were frozen, and scored once before any fix
    /// (docs/PRIVACY.md gives that first figure); it now guards against regressions.
    @Test func secondHeldOutCorpusStaysAboveTheTargets() throws {
        let samples = try Self.corpus("phi-holdout-2.jsonl")
        let result = Self.score(samples)
        print(
            String(
                format:
                    "PHI scanner (held out, second): recall %.3f, precision %.3f, false alarms %.3f on %d sentences",
                result.recall, result.precision, result.falseAlarms, samples.count))
        for miss in result.misses { print("  missed: \(miss)") }
        for alarm in result.alarms { print("  false alarm: \(alarm)") }
        #expect(result.recall >= 0.95)
        #expect(result.falseAlarms == 0)
    }

    @Test func redactionReplacesEverySpanAndNothingElse() {
        let text = "Mrs Patel in bed 12, DOB 04/11/1938, asked for the nurse. Call 07700 900123."
        let redacted = IdentifierScanner.redact(text)
        #expect(redacted == "[redacted], [redacted], asked for the nurse. Call [redacted].")
        #expect(IdentifierScanner.scan(redacted).isEmpty)
        #expect(
            IdentifierScanner.redact("Coffee with J. about her fellowship.") == "Coffee with J. about her fellowship.")
    }

    @Test func matchesNameTheirKind() {
        let kinds = IdentifierScanner.scan("Email a.b@example.com, SSN 078-05-1120, a 94-year-old.").map(\.kind)
        #expect(kinds == [.email, .nationalID, .age])
    }
}

@Suite struct ColleagueNameTests {
    @Test func titlesAndInitialsAreReplaced() {
        let cases: [(String, String)] = [
            ("I talked over Dr. K in the huddle.", "I talked over [colleague] in the huddle."),
            (
                "Coffee with J. about her fellowship; R.'s idea won.",
                "Coffee with [colleague] about her fellowship; [colleague]'s idea won."
            ),
            ("Prof. Adams and Sister M. agreed.", "[colleague] and [colleague] agreed."),
            ("Dr O'Neill asked; I said no.", "[colleague] asked; I said no."),
            ("I. think. The U.K. rota.", "I. think. The U.K. rota."),
        ]
        for (text, expected) in cases { #expect(ColleagueNames.redact(text) == expected, "\(text)") }
    }
}
