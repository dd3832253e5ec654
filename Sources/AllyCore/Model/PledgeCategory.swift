/// The parts of the 36-minute weekly pledge an action can count towards (DOMAIN.md §4).
public enum PledgeCategory: String, CaseIterable, Codable, Sendable, Hashable {
    /// Coffee with a talented junior woman colleague about her career (30 minutes a week).
    case mentoring
    /// A shout-out for a colleague's achievement (5 minutes a week).
    case shoutOut = "shout-out"
    /// Telling senior leaders about it (1 minute a week).
    case tellLeaders = "tell-leaders"
}
