import Foundation

/// Replaces colleagues' names in text meant for someone else (a supervisor, a CPD/CME portfolio).
///
/// Catches a title with a name or an initial ("Dr. K", "Dr Okafor", "Prof. Adams", "Sister M.", "Sr. Okoye",
/// "Charge Nurse Bell", "Midwife Amara") and bare
/// initials used as names ("coffee with J."). First names on their own ("coffee with Jane") are not caught.
public enum ColleagueNames {
    // The patterns are constants run by the tests.
    // swift-format-ignore: NeverUseForceTry
    nonisolated(unsafe) static let titled = try! NSRegularExpression(
        pattern:
            "\\b(?:Dr|Prof|Professor|(?:Ward\\s+)?Sister|Sr|Matron|(?:(?:Charge|Staff|Student|Senior|Head|District|Practice|Specialist|Research|Theatre|Scrub)\\s+)?Nurse|(?:Student\\s+|Community\\s+)?Midwife|Ward\\s+Manager|Physio|Mr|Mrs|Ms|Miss|Mx)\\.?\\s+(?:[A-Z]'[A-Z][a-z]+|[A-Z][a-z]+(?:[-'][A-Z][a-z]+)?|[A-Z]\\.?)(?![a-z])"
    )
    // swift-format-ignore: NeverUseForceTry
    nonisolated(unsafe) static let initial = try! NSRegularExpression(
        pattern: "(?<=\\s|^|\\()(?!I\\.)[A-Z]\\.(?='s|\\s|,|;|:|\\)|$)")

    /// `text` with colleagues' names replaced by `[colleague]`.
    public static func redact(_ text: String) -> String {
        var result = text
        for regex in [titled, initial] {
            let ns = result as NSString
            result = regex.stringByReplacingMatches(
                in: result, range: NSRange(location: 0, length: ns.length), withTemplate: "[colleague]")
        }
        return result
    }
}
