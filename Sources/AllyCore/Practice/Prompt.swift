/// A question that starts an entry, tied to a trust theme and suited to some kinds of entry (DOMAIN.md §1, §3).
public struct Prompt: Hashable, Sendable, Codable {
    /// The question.
    public var text: String
    /// The theme it exercises.
    public var theme: Theme
    /// The kinds of entry it suits.
    public var kinds: [EntryKind]

    /// Makes a prompt.
    public init(_ text: String, theme: Theme, kinds: [EntryKind]) {
        self.text = text
        self.theme = theme
        self.kinds = kinds
    }

    /// The prompt for `date` among the built-in ones matching the filters, rotating day by day; nil if none match.
    public static func pick(theme: Theme? = nil, kind: EntryKind? = nil, on date: LocalDate) -> Prompt? {
        pick(theme: theme, kind: kind, from: catalog, rotation: date.dayNumber)
    }

    /// The prompt at position `rotation` (a day or week number) in the matching list of `prompts`.
    ///
    /// Consecutive rotations walk the whole matching list before a prompt comes back, so a daily prompt or a
    /// weekly review never repeats until every matching prompt has had its turn.
    public static func pick(theme: Theme? = nil, kind: EntryKind? = nil, from prompts: [Prompt], rotation: Int)
        -> Prompt?
    {
        let matching = prompts.filter { prompt in
            (theme.map { prompt.theme == $0 } ?? true) && (kind.map { prompt.kinds.contains($0) } ?? true)
        }
        guard !matching.isEmpty else { return nil }
        return matching[((rotation % matching.count) + matching.count) % matching.count]
    }
}
