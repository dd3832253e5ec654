/// A field holding one value, merged last-writer-wins by timestamp (Protocol/SPEC.md §4.1).
public enum ScalarField: String, CaseIterable, Codable, Sendable, Hashable {
    case title, level, occurredOn, due, status, minutes, pledge

    /// Whether `value` is acceptable for this field; nil (clearing the field) always is.
    public func accepts(_ value: String?) -> Bool {
        guard let value else { return true }
        switch self {
        case .title:
            return value.count <= 500 && !value.unicodeScalars.contains { $0 == "\n" || $0 == "\r" || $0 == "\0" }
        case .level: return Level(rawValue: value) != nil
        case .occurredOn, .due: return LocalDate(iso: value) != nil
        case .status: return GoalStatus(rawValue: value) != nil
        case .minutes: return Int(value).map { (0...100_000).contains($0) } ?? false
        case .pledge: return PledgeCategory(rawValue: value) != nil
        }
    }
}
