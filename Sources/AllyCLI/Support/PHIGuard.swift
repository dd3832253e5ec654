import AllyCore

/// The patient-identifier guard (issue #4 §5): before an entry is saved, look for what may be a patient's
/// details and let the user redact, keep or abort.
struct PHIGuard {
    /// `--allow-phi`: keep whatever was found.
    var allow: Bool
    /// `--redact-phi`: replace whatever was found with `[redacted]`.
    var redact: Bool

    /// The title and body to save, after asking on a terminal or applying the flags; throws to abort.
    /// `editAgain`, when given, is offered as "[e]dit again": it reopens the editor on the body and returns the
    /// new text, which is then checked again.
    func vet(
        title: String?, body: String?, config: Config, context: CLIContext,
        editAgain: ((String) throws -> String)? = nil
    ) throws -> (title: String?, body: String?) {
        var body = body
        while true {
            let titleMatches = title.map(IdentifierScanner.scan) ?? []
            let bodyMatches = body.map(IdentifierScanner.scan) ?? []
            let all = titleMatches + bodyMatches
            if all.isEmpty || allow || (config.allowPHI && !redact) {
                Self.warnCombinations(title: title, body: body, context: context)
                return (title, body)
            }
            let redacted = (
                title.map { IdentifierScanner.redact($0, matches: titleMatches) },
                body.map { IdentifierScanner.redact($0, matches: bodyMatches) }
            )
            if redact { return redacted }
            let listing = all.map { "\"\($0.text)\" (\($0.kind.rawValue))" }.joined(separator: ", ")
            guard context.stdinIsTerminal else {
                throw CLIError(
                    "this looks like patient details: \(listing); nothing was written. Remove them, or add --redact-phi "
                        + "to replace them with [redacted], or --allow-phi to keep them", exitCode: 2)
            }
            context.note("This may identify a patient:")
            for match in all { context.note("  \(match.text)   (\(match.kind.rawValue))") }
            let choices =
                editAgain == nil
                ? "[r]edact them, [k]eep them, or [a]bort? " : "[r]edact them, [k]eep them, [e]dit again, or [a]bort? "
            asking: while true {
                let answer = context.ask(choices)?.lowercased().trimmingCharacters(in: .whitespaces)
                switch answer {
                case "r", "redact": return redacted
                case "k", "keep": return (title, body)
                case "e",
                    "edit" where editAgain != nil:
                    if let editAgain { body = try editAgain(body ?? "") }
                    break asking
                case "a", "abort", nil: throw PHIGuard.Aborted(title: title, body: body)
                default: continue
                }
            }
        }
    }

    /// Warns (without refusing) when a sentence combines details that together could identify a patient (issue 12
    /// §3, the GMC's warning): an age, a sex, a bed or ward, a condition, a date.
    static func warnCombinations(title: String?, body: String?, context: CLIContext) {
        let findings = QuasiIdentifiers.scan((title ?? "") + "\n" + (body ?? ""))
        guard !findings.isEmpty else { return }
        for finding in findings {
            let kinds = finding.details.keys.sorted().joined(separator: ", ")
            context.note(
                "Note: \"\(finding.sentence.prefix(120))\" combines \(kinds): together these could identify a "
                    + "patient. Consider leaving some out (`ally edit ID` can change it).")
        }
    }

    /// The user chose to abort at the identifier question; carries the text so the caller can keep a draft.
    struct Aborted: Error {
        var title: String?
        var body: String?
    }
}
