import AllyCore
import AllyStore
import Foundation

/// Turns entries into the text and JSON the commands print.
struct EntryRenderer {
    let style: Style
    let shortIDs: [EntryID: String]
    let humane: Humane

    init(journal: Journal, entries: [Entry], context: CLIContext) throws {
        style = Style(enabled: context.usesColour)
        humane = Humane(context: context, journal: journal)
        let linked = entries.flatMap(\.links)
        shortIDs = try journal.shortIDs(for: entries.map(\.id) + linked)
    }

    func short(_ id: EntryID) -> String { shortIDs[id] ?? String(id.rawValue.prefix(8)) }

    /// One line per entry: id, date, kind, headline, themes and tags, conflict mark.
    func line(_ entry: Entry) -> String {
        var parts = [
            style.id(short(entry.id)), entry.occurredOn?.description ?? "          ",
            style.kind(entry.kind) + String(repeating: " ", count: max(0, 10 - entry.kind.rawValue.count)),
            // Fit the terminal: id, date and kind take 34 columns; the headline gets what is left (20–48).
            entry.headline.fitted(to: humane.width.map { max(20, min(48, $0 - 36)) } ?? 48),
        ]
        var marks: [String] = entry.themes.map(\.rawValue)
        marks += entry.tags.map { "#" + $0 }
        if let status = entry.status, entry.kind == .goal { marks.append(status.rawValue) }
        if !marks.isEmpty { parts.append(style.dim(marks.joined(separator: " "))) }
        if entry.hasConflict { parts.append(style.warning("! conflict")) }
        if entry.isTrashed { parts.append(style.dim("(trashed)")) }
        return parts.joined(separator: "  ")
    }

    /// The full view of `ally show`.
    func detail(_ entry: Entry, linkedFrom: [Entry] = [], linked: [Entry] = []) -> String {
        var lines: [String] = []
        lines.append("\(style.kind(entry.kind)) \(style.id(entry.id.rawValue))")
        if let title = entry.title { lines.append(style.bold(title)) }
        var facts: [String] = []
        if let date = entry.occurredOn { facts.append("on \(date)") }
        facts.append("created \(humane.time(entry.createdAt))")
        facts.append("updated \(humane.time(entry.updatedAt))")
        lines.append(style.dim(facts.joined(separator: " · ")))
        var fields: [(String, String)] = []
        if !entry.themes.isEmpty { fields.append(("themes", entry.themes.map(\.rawValue).joined(separator: ", "))) }
        if let level = entry.level { fields.append(("level", level.rawValue)) }
        if !entry.tags.isEmpty { fields.append(("tags", entry.tags.map { "#" + $0 }.joined(separator: " "))) }
        if let status = entry.status { fields.append(("status", status.rawValue)) }
        if let due = entry.due { fields.append(("due", due.description)) }
        if let minutes = entry.minutes { fields.append(("minutes", String(minutes))) }
        if let pledge = entry.pledge { fields.append(("pledge", pledge.rawValue)) }
        for id in entry.links {
            let target = linked.first { $0.id == id }
            let label = target.map { "\($0.kind.rawValue): \($0.headline.fitted(to: 50))" } ?? "not in this journal"
            fields.append(("links to", "\(style.id(short(id)))  \(label)"))
        }
        for source in linkedFrom {
            fields.append(
                (
                    "linked from",
                    "\(style.id(short(source.id)))  \(source.kind.rawValue): \(source.headline.fitted(to: 50))"
                ))
        }
        if entry.isTrashed { fields.append(("trashed", "yes (ally restore \(short(entry.id)))")) }
        let width = max(8, fields.map(\.0.count).max() ?? 0)
        for (name, value) in fields { lines.append("\(name.fitted(to: width)) \(value)") }
        if let conflict = entry.conflict { lines.append(""); lines += conflictLines(conflict, entry: entry) }
        if entry.conflict?.bodyVersions.isEmpty == false {
            // The versions and where they differ are shown above; the merge with its markers is what the editor
            // of `ally resolve` starts from.
            lines.append("")
            lines.append(style.dim("(`ally resolve` opens the merge with both versions marked)"))
        } else {
            lines.append("")
            lines += humane.wrapped(entry.body)
        }
        return lines.joined(separator: "\n")
    }

    func conflictLines(_ conflict: Conflict, entry: Entry) -> [String] {
        var lines: [String] = []
        if let trash = conflict.trash {
            let editors = Set(trash.unseenEdits.map { humane.laptop($0.deviceID) }).sorted().joined(separator: ", ")
            lines.append(
                style.warning("! conflict:")
                    + " trashed on \(humane.laptop(trash.trashedBy.deviceID)) (\(humane.time(trash.trashedAt.wallMillis)))"
                    + " while edited on \(editors)")
            lines.append(
                "  keep it with `ally resolve \(short(entry.id)) --keep`, or trash it with `ally resolve \(short(entry.id)) --discard`"
            )
        }
        if !conflict.bodyVersions.isEmpty {
            lines.append(
                style.warning("! conflict:") + " the body was edited on two laptops in overlapping places; "
                    + "both versions are kept")
            for version in conflict.bodyVersions {
                lines.append(
                    style.dim(
                        "--- from \(humane.laptop(version.id.deviceID)), \(humane.time(version.at.wallMillis)) "
                            + "(version \(version.id.short))"))
                lines.append(contentsOf: humane.wrapped(version.text, indent: 2).map { "  " + $0 })
            }
            let newest = conflict.bodyVersions.sorted { $0.at > $1.at }
            let mine = newest.first { $0.id.deviceID == humane.ownDevice } ?? newest[newest.count - 1]
            if let theirs = newest.first(where: { $0.id != mine.id }) {
                // Word by word, where the two differ: [-only in one-] {+only in the other+}.
                let (minus, plus) =
                    style.enabled
                    ? (("\u{1B}[31m[-", "-]\u{1B}[0m"), ("\u{1B}[32m{+", "+}\u{1B}[0m")) : (("[-", "-]"), ("{+", "+}"))
                lines.append(
                    style.dim(
                        "--- where they differ: [-…-] only from \(humane.laptop(mine.id.deviceID)), "
                            + "{+…+} only from \(humane.laptop(theirs.id.deviceID))"))
                var text = ""
                for segment in WordDiff.diff(mine.text, theirs.text) {
                    switch segment {
                    case .same(let words): text += words
                    case .onlyFirst(let words): text += minus.0 + words + minus.1
                    case .onlySecond(let words): text += plus.0 + words + plus.1
                    }
                }
                lines.append(contentsOf: humane.wrapped(text, indent: 2).map { "  " + $0 })
            }
            lines.append(
                "  settle it with `ally resolve \(short(entry.id))` (editor), `--take mine`, `--take theirs`, "
                    + "`--take LAPTOP-NAME` or `--body TEXT`")
        }
        return lines
    }
}

/// JSON printing shared by every `--json` command.
enum JSONOutput {
    static func string(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
