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

    /// The prompt for `date` among those matching the filters, rotating day by day; nil if none match.
    ///
    /// The rotation is deterministic (the same day gives the same prompt) and walks the whole matching list
    /// before one comes back.
    public static func pick(theme: Theme? = nil, kind: EntryKind? = nil, on date: LocalDate) -> Prompt? {
        let matching = catalog.filter { prompt in
            (theme.map { prompt.theme == $0 } ?? true) && (kind.map { prompt.kinds.contains($0) } ?? true)
        }
        guard !matching.isEmpty else { return nil }
        let index = ((date.dayNumber % matching.count) + matching.count) % matching.count
        return matching[index]
    }

    /// The built-in prompts. Wording is ours; the frame is Ten Cate & Chen's five dimensions of trustworthiness.
    public static let catalog: [Prompt] = [
        Prompt(
            "What feedback did I get this week, and how did I react to it?", theme: .humility,
            kinds: [.reflection, .feedback]),
        Prompt("Where did I offer partnership rather than a rescue?", theme: .humility, kinds: [.reflection, .action]),
        Prompt("When did I ask for help, or admit I did not know?", theme: .humility, kinds: [.reflection, .mistake]),
        Prompt(
            "What did a colleague tell me that I would not have noticed on my own?", theme: .humility,
            kinds: [.feedback]),
        Prompt(
            "What did I learn about bias this week, and from whom?", theme: .capability, kinds: [.reflection, .goal]),
        Prompt(
            "Which reading, talk or training changed how I see my workplace?", theme: .capability,
            kinds: [.reflection, .goal]),
        Prompt(
            "What skill would make me a better ally, and how will I practise it?", theme: .capability, kinds: [.goal]),
        Prompt("Whom could I sponsor or mentor next, and how?", theme: .agency, kinds: [.goal, .action]),
        Prompt(
            "Where did I wait to be asked when I could have acted?", theme: .agency, kinds: [.reflection, .mistake]),
        Prompt("Whose achievement deserves a shout-out, and who should hear it?", theme: .agency, kinds: [.action]),
        Prompt(
            "Which commitment did I keep, and which did I let slip?", theme: .reliability, kinds: [.reflection, .goal]),
        Prompt(
            "Did I show up for the 36 minutes this week? What got in the way?", theme: .reliability,
            kinds: [.reflection, .action]),
        Prompt(
            "At home, who carried the invisible planning this week: lists, events, sizes?", theme: .reliability,
            kinds: [.audit]),
        Prompt(
            "Where did I stay silent when I should have spoken?", theme: .integrity, kinds: [.reflection, .mistake]),
        Prompt(
            "What did it cost me to act on my values this week, and was it worth it?", theme: .integrity,
            kinds: [.reflection]),
        Prompt(
            "What mistake did I make, what was its impact, and what repair did I offer?", theme: .integrity,
            kinds: [.mistake]),
    ]
}
