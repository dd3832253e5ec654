import AllyCore
import AllyStore
import ArgumentParser

/// `ally history ID`: every change ever made to an entry, on any laptop.
struct History: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show every version and field change of an entry: what, when and on which laptop.",
        discussion: """
            Nothing a merge decides is lost: a field value that lost to a later one on another laptop is listed \
            here, marked "superseded", and every body version is shown in full.

            Example:
              ally history 3fa2c9d1
            """)

    @OptionGroup var journalOptions: JournalOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The entry's id or a unique prefix (4+ hex digits).", completion: Completions.entryIDs) var id:
        String

    struct Item: Encodable {
        var change: String
        var device: String
        var time: String
        var operation: String
        var field: String?
        var value: String?
        var text: String?
        var parents: [String]?
        var superseded: Bool
        /// A redacted copy (`ally redact`): strings in it were replaced by `[redacted]`.
        var redacted: Bool?
    }

    func run() throws {
        let context = CLIContext.current
        let journal = try journalOptions.openExisting(in: context)
        let entryID = try journal.resolveID(id)
        let changes = try journal.changes(for: entryID)
        var winners: [ScalarField: ChangeID] = [:]
        for change in changes {
            if case .set(let field, _) = change.operation { winners[field] = change.id }
        }
        let humane = Humane(context: context, journal: journal)
        let items = changes.map { item(for: $0, winners: winners) }
        if output.json {
            context.print(try JSONOutput.string(items))
            return
        }
        let style = Style(enabled: context.usesColour)
        for (change, item) in zip(changes, items) {
            let when = humane.time(change.at.wallMillis)
            let laptop = humane.laptop(change.id.deviceID)
            var line = "\(style.dim(when.fitted(to: 19)))  \(laptop.fitted(to: 16))  \(describe(item))"
            if item.superseded { line += style.dim("  (superseded)") }
            context.print(line)
            if let text = item.text {
                for row in text.split(separator: "\n", omittingEmptySubsequences: false) {
                    context.print("      │ " + row)
                }
            }
        }
    }

    func item(for change: Change, winners: [ScalarField: ChangeID]) -> Item {
        var item = Item(
            change: change.id.short, device: change.id.deviceID.short, time: ISOTimestamp.format(change.at.wallMillis),
            operation: change.operation.name, superseded: false)
        switch change.operation {
        case .create(let kind, _):
            item.value = kind.rawValue
        case .set(let field, let value):
            item.field = field.rawValue
            item.value = value
            item.superseded = winners[field] != change.id
        case .add(let field, let element), .remove(let field, let element, _):
            item.field = field.rawValue
            item.value = element
        case .editBody(let text, let parents):
            item.text = text
            item.parents = parents.map(\.short)
        case .stub(_, let parents):
            item.parents = parents.isEmpty ? nil : parents.map(\.short)
        case .redact(let targets, _):
            item.value = String(targets.count)
        case .trash, .restore, .purge:
            break
        }
        if change.isRedacted { item.redacted = true }
        return item
    }

    func describe(_ item: Item) -> String {
        switch item.operation {
        case "create": "created as \(item.value ?? "")"
        case "set": item.value.map { "set \(item.field ?? "") to \"\($0)\"" } ?? "cleared \(item.field ?? "")"
        case "add": "added \(item.value ?? "") to \(item.field ?? "")"
        case "remove": "removed \(item.value ?? "") from \(item.field ?? "")"
        case "editBody":
            (item.parents ?? []).isEmpty
                ? "wrote body version \(item.change)"
                : "wrote body version \(item.change) from \((item.parents ?? []).joined(separator: " + "))"
        case "trash": "moved to the trash"
        case "restore": "restored from the trash"
        case "purge": "purged: the entry and its history were destroyed"
        case "redact": "redacted \(item.value ?? "") earlier changes"
        case "stub": "a purged change"
        default: item.operation
        }
    }
}
