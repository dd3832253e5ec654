import AllyCore
import AllyStore
import ArgumentParser

/// Shell completion of values only the journal knows (issue 10 §7): recent entry ids, and laptops' device ids.
enum Completions {
    /// The journal a completion request is about: `--journal PATH` among the words typed so far, else the default.
    static func journal(_ words: [String]) -> Journal? {
        let context = CLIContext.current
        var explicit: String?
        if let index = words.firstIndex(of: "--journal"), index + 1 < words.count { explicit = words[index + 1] }
        return try? Journal.open(at: JournalOptions.path(explicit: explicit, in: context), clock: context.clock)
    }

    /// The 20 newest entries whose id starts with what was typed (shown as their short ids).
    static let entryIDs: CompletionKind = .custom { words, _, prefix in
        guard let journal = journal(words) else { return [] }
        var query = EntryQuery()
        query.limit = 200
        let entries = ((try? journal.entries(matching: query)) ?? []).filter {
            $0.id.rawValue.hasPrefix(prefix.lowercased())
        }
        let shown = Array(entries.prefix(20))
        let short = (try? journal.shortIDs(for: shown.map(\.id))) ?? [:]
        return shown.map { short[$0.id] ?? String($0.id.rawValue.prefix(8)) }
    }

    /// The devices this journal knows by name (from `ally devices` and `ally sync`), as device id prefixes.
    static let deviceIDs: CompletionKind = .custom { words, _, prefix in
        guard let journal = journal(words) else { return [] }
        let names = (try? journal.deviceNames()) ?? [:]
        return names.keys.map { String($0.rawValue.prefix(8)) }.filter { $0.hasPrefix(prefix.lowercased()) }.sorted()
    }
}
