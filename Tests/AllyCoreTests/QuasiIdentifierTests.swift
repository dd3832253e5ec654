import AllyCore
import Foundation
import Testing

/// Issue 12 §3: warn when one entry combines three or more details about one person (age, sex, setting,
/// condition, date), with the false-alarm rate on ordinary reflections measured (docs/PRIVACY.md).
@Suite struct QuasiIdentifierTests {
    static let combined = [
        "I ignored the 34-year-old woman in bay 3 with pre-eclampsia last Tuesday.",
        "The 82-year-old man with dementia in bed 14 was left without food on Sunday.",
        "A pregnant woman in her thirties with sepsis waited in resus for two hours yesterday.",
        "The 6-month-old boy with bronchiolitis on ward 4 was the one I handed over badly.",
        "On Friday the 19-year-old girl with an overdose was discharged from A&E without a psychiatric review.",
        "The widow in side room 2 with heart failure asked me twice for her daughter.",
        "Last night a man aged 45 with a fractured hip lay in cubicle 7 for six hours.",
        "The diabetic mother in bay 5 was told off in front of everyone this morning.",
        "We lost the 27-year-old woman with a PPH on the delivery suite on 3 March.",
        "The lady in her eighties with delirium in bed 9 kept calling for her husband.",
        "A 15-year-old boy with DKA came to ICU on Monday.",
        "The elderly man with COPD in room 12 was not offered oxygen until 4 March.",
    ]

    /// Ordinary reflections: every clean sentence of the identifier corpora (written to look risky: times, years,
    /// rooms, wards, ages of colleagues) and reflections about colleagues that mention women, days and places.
    static func ordinary() throws -> [String] {
        var sentences: [String] = []
        for name in ["phi-corpus.jsonl", "phi-holdout.jsonl", "phi-classes.jsonl", "phi-holdout-2.jsonl"] {
            sentences += try IdentifierScannerTests.corpus(name).filter(\.identifiers.isEmpty).map(\.text)
        }
        return sentences + [
            "The woman registrar in ICU led the arrest call on Tuesday and nobody thanked her.",
            "I told the 34-year-old consultant that her audit was excellent, yesterday in the corridor.",
            "A woman surgeon in our department returned from maternity leave on Monday.",
            "My daughter's school play clashed with the rota on 12 December again.",
            "On ward 7 this morning the charge nurse asked me to stop interrupting her.",
            "The female FY1 was asked to fetch coffee at the start of the ward round today.",
            "She is a mother of two and still gets the night shifts nobody wants.",
            "In resus yesterday I let the registrar run the team and stayed quiet.",
            "I sat with the new nurse on Wednesday after her first death on the ward.",
            "On Friday the diabetes clinic ran late and I stayed to help the nurse specialist.",
        ]
    }

    @Test func sentencesThatPointAtOnePatientAreFound() {
        let missed = Self.combined.filter { QuasiIdentifiers.scan($0).isEmpty }
        print("Combinations: \(Self.combined.count - missed.count) of \(Self.combined.count) found")
        for sentence in missed { print("  missed: \(sentence)") }
        #expect(missed.isEmpty)
        let finding = QuasiIdentifiers.scan(Self.combined[0]).first
        #expect(finding?.details.keys.sorted() == ["age", "condition", "date", "place", "sex"])
    }

    @Test func ordinaryReflectionsRarelyRaiseTheWarning() throws {
        let sentences = try Self.ordinary()
        let alarms = sentences.filter { !QuasiIdentifiers.scan($0).isEmpty }
        print(
            String(
                format: "Combinations: false alarms on ordinary reflections %.3f (%d of %d)",
                Double(alarms.count) / Double(sentences.count), alarms.count, sentences.count))
        for alarm in alarms { print("  false alarm: \(alarm)") }
        #expect(sentences.count >= 200)
        #expect(Double(alarms.count) / Double(sentences.count) <= 0.02)
    }

    @Test func oneDetailPerSentenceIsNotACombination() {
        #expect(QuasiIdentifiers.scan("The woman was kind. She had sepsis once. It was Tuesday.").isEmpty)
    }
}
