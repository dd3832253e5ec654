/// The five dimensions of trustworthiness an entry can be tagged with (DOMAIN.md §1).
public enum Theme: String, CaseIterable, Codable, Sendable, Hashable, Comparable {
    case humility, capability, agency, reliability, integrity

    /// The position of the theme in DOMAIN.md's table, which is the order the product shows them in.
    public var rank: Int {
        switch self {
        case .humility: 0
        case .capability: 1
        case .agency: 2
        case .reliability: 3
        case .integrity: 4
        }
    }

    public static func < (lhs: Theme, rhs: Theme) -> Bool { lhs.rank < rhs.rank }
}
