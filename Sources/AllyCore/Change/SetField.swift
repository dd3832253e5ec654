import Foundation

/// A field holding a set, merged as an add-wins observed-remove set (Protocol/SPEC.md §4.2).
public enum SetField: String, CaseIterable, Codable, Sendable, Hashable {
    case themes, tags, links

    /// Whether `element` is acceptable in this set.
    public func accepts(_ element: String) -> Bool {
        switch self {
        case .themes: return Theme(rawValue: element) != nil
        case .links: return EntryID(rawValue: element) != nil
        case .tags: return Tag.isValid(element)
        }
    }
}

/// The rules for tag text.
public enum Tag {
    /// Lower-cases and strips a leading `#` or `@` (jrnl's tag marks).
    public static func normalized(_ text: String) -> String {
        var tag = text.trimmingCharacters(in: .whitespaces).lowercased().precomposedStringWithCanonicalMapping
        while let first = tag.first, first == "#" || first == "@" { tag.removeFirst() }
        return tag
    }

    /// Whether `tag` is 1–64 characters with no whitespace or control characters.
    public static func isValid(_ tag: String) -> Bool {
        !tag.isEmpty && tag.count <= 64
            && !tag.unicodeScalars.contains { $0.properties.isWhitespace || $0.properties.generalCategory == .control }
    }
}
