/// The three levels of allyship (DOMAIN.md §2).
public enum Level: String, CaseIterable, Codable, Sendable, Hashable {
    case interpersonal, `public`, systemic
}
