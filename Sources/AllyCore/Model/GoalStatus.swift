/// Where a learning goal stands.
public enum GoalStatus: String, CaseIterable, Codable, Sendable, Hashable {
    case open, done, dropped
}
