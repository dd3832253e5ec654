import Foundation

/// Details that identify no one alone but can together (the GMC's warning on reflective practice): an age, a sex, a
/// place in the hospital, a condition, a date. A sentence that combines three or more kinds of them, one of which
/// is a condition or a numbered bed, bay or room, probably describes one patient ("the 34-year-old woman in bay 3 with
/// pre-eclampsia last Tuesday"). The false-alarm rate on ordinary reflections is in docs/PRIVACY.md.
public enum QuasiIdentifiers {
    /// A kind of detail.
    public enum Detail: String, Sendable, Codable, CaseIterable, Comparable {
        case age, sex, place, condition, date

        public static func < (a: Detail, b: Detail) -> Bool { a.rawValue < b.rawValue }
    }

    /// One sentence that combines enough details to point at one person.
    public struct Finding: Sendable, Hashable, Codable {
        /// The sentence, as written.
        public var sentence: String
        /// The words found, by kind of detail (the first of each kind).
        public var details: [String: String]
    }

    /// How many kinds of detail in one sentence make a warning.
    public static let threshold = 3

    /// The sentences of `text` that combine `threshold` or more kinds of detail, one of them a condition or a
    /// numbered bed, bay or room.
    public static func scan(_ text: String) -> [Finding] {
        var findings: [Finding] = []
        for sentence in sentences(of: text) {
            let ns = sentence as NSString
            var found: [Detail: String] = [:]
            for (detail, regex) in rules {
                guard found[detail] == nil,
                    let match = regex.firstMatch(in: sentence, range: NSRange(location: 0, length: ns.length))
                else { continue }
                found[detail] = ns.substring(with: match.range)
            }
            // A ward or unit alone (ICU, resus) is where colleagues work too; a bed or bay number is a patient's.
            let bedside = found[.place].map { $0.contains(where: \.isNumber) } ?? false
            guard found.count >= threshold, found[.condition] != nil || bedside else { continue }
            findings.append(
                Finding(
                    sentence: sentence.trimmingCharacters(in: .whitespacesAndNewlines),
                    details: Dictionary(uniqueKeysWithValues: found.map { ($0.key.rawValue, $0.value) })))
        }
        return findings
    }

    /// Sentences: split at a full stop, question or exclamation mark followed by a space, and at line breaks.
    static func sentences(of text: String) -> [String] {
        var result: [String] = []
        var current = ""
        var previous: Character = " "
        for character in text {
            if character.isNewline {
                result.append(current)
                current = ""
            } else if character == " ", ".!?".contains(previous) {
                result.append(current)
                current = ""
            } else {
                current.append(character)
            }
            previous = character
        }
        result.append(current)
        return result.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    }

    static let weekday = "(?:mon|tues|wednes|thurs|fri|satur|sun)day"
    static let month =
        "(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"

    // The patterns are constants run by the tests.
    nonisolated(unsafe) static let rules: [(Detail, NSRegularExpression)] = [
        (
            .age,
            "\\b\\d{1,3}[- ](?:years?|yrs?|months?|weeks?|days?)[- ]old\\b|\\baged?\\s+\\d{1,3}\\b|\\b\\d{1,3}\\s?(?:yo|y/o|y\\.o\\.)(?!\\w)|\\bin\\s+(?:her|his|their)\\s+(?:early\\s+|mid-?|late\\s+)?(?:\\d0s|twenties|thirties|forties|fifties|sixties|seventies|eighties|nineties)\\b"
        ),
        (
            .sex,
            "\\b(?:woman|man|lady|gentleman|girl|boy|female|male|mother|father|mum|dad|wife|husband|son|daughter|widow|widower|pregnant|primip|multip|primigravida)\\b"
        ),
        (
            .place,
            "\\b(?:bay|bed|cubicle|side\\s+room|room)\\s*\\d{1,4}[A-Z]?\\b|\\b(?:ICU|ITU|HDU|NICU|SCBU|A&E|resus|labou?r\\s+ward|delivery\\s+suite|ward\\s+\\d{1,3}|side\\s+room)(?!\\w)"
        ),
        (
            .condition,
            "\\b(?:pre-?eclampsia|eclampsia|sepsis|septic|stroke|heart\\s+attack|STEMI|NSTEMI|MI|cardiac\\s+arrest|pulmonary\\s+embolism|PE|DVT|pneumonia|COPD|asthma|diabetes|diabetic|DKA|cancer|carcinoma|leukaemia|leukemia|lymphoma|tumou?r|dementia|delirium|fracture|fractured|overdose|self-?harm|psychosis|schizophrenia|bipolar|depression|miscarriage|ectopic|stillbirth|HIV|hepatitis|cirrhosis|COVID|meningitis|appendicitis|ha?emorrhage|PPH|anaphylaxis|seizures?|epilepsy|head\\s+injury|burns|amputation|transplant|dialysis|renal\\s+failure|kidney\\s+failure|heart\\s+failure|cystic\\s+fibrosis|sickle\\s+cell|Down\\s+syndrome|autism|anorexia|alcohol\\s+withdrawal|cellulitis|bronchiolitis|croup|twins|triplets)\\b"
        ),
        (
            .date,
            "\\b(?:yesterday|today|tonight|this\\s+morning|this\\s+afternoon|last\\s+night|last\\s+\(weekday)|on\\s+\(weekday)|\(weekday)|\\d{1,2}(?:st|nd|rd|th)?\\s+(?:of\\s+)?\(month)|\(month)\\s+\\d{1,2}(?:st|nd|rd|th)?|\\d{1,2}/\\d{1,2}(?:/\\d{2,4})?)\\b"
        ),
    ].map { detail, pattern in
        // swift-format-ignore: NeverUseForceTry
        (detail, try! NSRegularExpression(pattern: pattern, options: [.caseInsensitive]))
    }
}
