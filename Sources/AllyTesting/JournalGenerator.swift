import AllyCore
import AllyStore

/// Writes realistic synthetic entries into a journal, reproducibly from a seed: for benchmarks and load tests.
public struct JournalGenerator {
    static let words = """
        handover rounds huddle registrar consultant nurse charge ward clinic theatre patient family shift night \
        morning listened interrupted credited amplified sponsored mentored coffee career fellowship promotion \
        committee rota meeting email feedback apology repair silence voice idea colleague junior senior team \
        leader bias pay gap criteria childcare planning chores lists events school laundry dinner noticed asked \
        waited spoke stepped back invited named thanked supported challenged escalated reflected learned read \
        chapter symposium training workshop podcast article guideline audit reliable honest humble capable \
        proactive trust partnership rescue accountable public private system policy change small steps weekly
        """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
    static let tags = [
        "ward", "clinic", "rounds", "huddle", "mm", "home", "teaching", "committee", "oncall", "reading",
    ]

    var generator: SplitMix64
    let firstDay: LocalDate

    /// Makes a generator; entries are spread over the days from `firstDay` on.
    public init(seed: UInt64, firstDay: LocalDate = LocalDate(dayNumber: 16_000)) {
        generator = SplitMix64(seed: seed)
        self.firstDay = firstDay
    }

    /// One random local write creating an entry.
    public mutating func makeWrite(index: Int) -> LocalWrite {
        let kind = EntryKind.allCases.randomElement(using: &generator) ?? .reflection
        var patch = EntryPatch()
        patch.scalars[.title] = sentence(words: Int.random(in: 3...7, using: &generator))
        patch.scalars[.occurredOn] = firstDay.adding(days: index / 8).description
        patch.scalars[.level] = Level.allCases.randomElement(using: &generator)?.rawValue
        if kind == .action {
            patch.scalars[.minutes] = String(Int.random(in: 1...60, using: &generator))
            patch.scalars[.pledge] = PledgeCategory.allCases.randomElement(using: &generator)?.rawValue
        }
        if kind == .goal { patch.scalars[.status] = "open" }
        patch.additions[.themes] = (0..<Int.random(in: 1...2, using: &generator)).compactMap { _ in
            Theme.allCases.randomElement(using: &generator)?.rawValue
        }
        patch.additions[.tags] = (0..<Int.random(in: 0...3, using: &generator)).compactMap { _ in
            Self.tags.randomElement(using: &generator)
        }
        let lines = (0..<Int.random(in: 2...6, using: &generator)).map { _ in
            sentence(words: Int.random(in: 8...18, using: &generator))
        }
        // One entry in a hundred mentions a rare word, so searches have a selective target.
        patch.body = lines.joined(separator: "\n") + (index % 100 == 0 ? "\nAthena Rising, chapter \(index % 12)." : "")
        return LocalWrite(entryID: EntryID.random(using: &generator), kind: kind, patch: patch)
    }

    private mutating func sentence(words count: Int) -> String {
        var text = (0..<count).map { _ in Self.words.randomElement(using: &generator) ?? "ally" }.joined(separator: " ")
        text = text.prefix(1).uppercased() + text.dropFirst()
        return text + "."
    }

    /// Fills `journal` with `count` entries, `batch` per transaction.
    public mutating func fill(_ journal: Journal, count: Int, batch: Int = 2_000) throws {
        var index = 0
        while index < count {
            let size = min(batch, count - index)
            try journal.write((index..<index + size).map { makeWrite(index: $0) })
            index += size
        }
    }
}
