import Foundation

/// Finds what looks like protected health information in free text: the HIPAA Safe Harbor identifiers a pattern
/// can catch (record numbers, dates of birth, phone and fax numbers, emails, addresses, national ids, ages over 89,
/// room or bed numbers next to a name…). Entries are about colleagues; this catches a patient's details written
/// by accident. Precision and recall on a labelled corpus are in docs/PRIVACY.md.
public enum IdentifierScanner {
    /// What kind of identifier a match looks like.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case medicalRecordNumber = "medical record number"
        case dateOfBirth = "date of birth"
        case date = "date tied to a patient"
        case phone = "phone number"
        case fax = "fax number"
        case email
        case address = "postal address"
        case postcode = "postcode or ZIP code"
        case nationalID = "national id number"
        case accountNumber = "account, plan or licence number"
        case age = "age over 89"
        case roomOrBed = "room or bed next to a name"
        case patientName = "patient's name"
        case ipAddress = "IP address"
        case url = "web address of a person or a document"
    }

    /// One match: where it is and what it looks like.
    public struct Match: Hashable, Sendable, Codable {
        public var kind: Kind
        /// The matched text.
        public var text: String
        /// UTF-16 offsets into the scanned text.
        public var start: Int
        public var end: Int
    }

    /// Every identifier-like span in `text`, in order, overlapping matches merged into the first.
    /// - Complexity: O(n) per pattern over the text's length.
    public static func scan(_ text: String) -> [Match] {
        let ns = text as NSString
        var found: [Match] = []
        for rule in rules {
            rule.regex.enumerateMatches(in: text, range: NSRange(location: 0, length: ns.length)) { result, _, _ in
                guard let result else { return }
                let range =
                    result.numberOfRanges > 1 && result.range(at: 1).location != NSNotFound
                    ? result.range(at: 1) : result.range
                let matched = ns.substring(with: range)
                guard rule.accepts(matched) else { return }
                found.append(
                    Match(kind: rule.kind, text: matched, start: range.location, end: range.location + range.length))
            }
        }
        found.sort { $0.start != $1.start ? $0.start < $1.start : $0.end > $1.end }
        var merged: [Match] = []
        for match in found {
            if let last = merged.last, match.start < last.end {
                if match.end > last.end {
                    merged[merged.count - 1].end = match.end
                    merged[merged.count - 1].text = ns.substring(
                        with: NSRange(location: last.start, length: match.end - last.start))
                }
                continue
            }
            merged.append(match)
        }
        return merged
    }

    /// `text` with every match replaced by `[redacted]`.
    public static func redact(_ text: String, matches: [Match]? = nil) -> String {
        let ns = NSMutableString(string: text)
        for match in (matches ?? scan(text)).sorted(by: { $0.start > $1.start }) {
            ns.replaceCharacters(
                in: NSRange(location: match.start, length: match.end - match.start), with: "[redacted]")
        }
        return ns as String
    }

    struct Rule: @unchecked Sendable {
        let kind: Kind
        let regex: NSRegularExpression
        let accepts: @Sendable (String) -> Bool

        init(
            _ kind: Kind, _ pattern: String, caseInsensitive: Bool = true,
            accepts: @escaping @Sendable (String) -> Bool = { _ in true }
        ) {
            self.kind = kind
            // The patterns are constants and the tests run every one; a typo is a programming error.
            // swift-format-ignore: NeverUseForceTry
            self.regex = try! NSRegularExpression(
                pattern: pattern, options: caseInsensitive ? [.caseInsensitive] : [])
            self.accepts = accepts
        }
    }

    static let month =
        "(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\\.?"
    static let fullDate =
        "(?:\\d{1,2}[/.-]\\d{1,2}[/.-](?:\\d{4}|\\d{2})|\\d{4}-\\d{2}-\\d{2}|\\d{1,2}(?:st|nd|rd|th)?\\s+(?:of\\s+)?\(month),?\\s+\\d{4}|\(month)\\s+\\d{1,2}(?:st|nd|rd|th)?,?\\s+\\d{4})"
    static let title = "(?:Mr|Mrs|Ms|Miss|Mx|Master)\\.?"
    static let surname = "(?:[A-Z]'[A-Z][a-z]+|Ma?c[A-Z][a-z]+|[A-Z][a-z]+(?:[-'][A-Z][a-z]+)?)"
    static let name = "\(surname)(?:\\s+\(surname))?"

    static func digitCount(_ text: String) -> Int { text.filter(\.isNumber).count }

    static let rules: [Rule] = [
        Rule(
            .medicalRecordNumber,
            "\\b(?:MRN|M\\.R\\.N\\.|medical record(?:\\s+(?:number|no\\.?|#))?|hospital\\s+(?:number|no\\.?|#|id)|record\\s+(?:number|no\\.?|#)|patient\\s+(?:id|number|no\\.?|#)|chart\\s+(?:number|no\\.?|#)|unit\\s+number|UR\\s+number|URN|CHI\\s+(?:number|no\\.?)?)\\s*(?:is|was|of)?\\s*[:#,]?\\s*[A-Z]{0,3}[- ]?\\d[\\d -]{3,12}\\d"
        ),
        Rule(
            .dateOfBirth,
            "\\b(?:DOB|D\\.O\\.B\\.?|date\\s+of\\s+birth|birth\\s?date|born(?:\\s+on)?|birthday(?:\\s+is)?)\\s*(?:is|was|of)?\\s*[:,]?\\s*\(fullDate)"
        ),
        // A date of birth a few words from its label ("born, according to the notes, on 3 March 1941").
        Rule(
            .dateOfBirth,
            "\\b(?:DOB|D\\.O\\.B\\.?|date\\s+of\\s+birth|birth\\s?date|born)\\b[^.\\n]{1,50}?\(fullDate)"
        ),
        Rule(
            .date,
            "\\b(?:admitted|admission|discharged|discharge|died|death|deceased|DOD|date\\s+of\\s+death|operated\\s+on|surgery|seen\\s+in\\s+clinic)\\s+(?:date\\s+)?(?:on|was|of|:)?\\s*\(fullDate)"
        ),
        Rule(
            .fax, "\\bfax(?:\\s+(?:number|no\\.?))?\\s*(?:is|:)?\\s*(\\+?\\(?\\d[\\d\\s().-]{7,17}\\d)",
            accepts: { (10...13).contains(digitCount($0)) }),
        Rule(
            .phone, "(?<![\\d/.-])(\\+?\\(?\\d[\\d\\s().-]{7,17}\\d)(?![\\d/-])",
            accepts: { text in
                let digits = digitCount(text)
                guard (10...13).contains(digits) else { return false }
                // Not a range of years or a date.
                if text.range(of: "^(?:19|20)\\d{2}\\s*[-–]\\s*(?:19|20)\\d{2}$", options: .regularExpression) != nil {
                    return false
                }
                return text.contains(where: { " -.()".contains($0) }) || text.hasPrefix("+") || text.hasPrefix("0")
                    || digits == 10
            }),
        Rule(.email, "\\b[A-Z0-9._%+-]+@[A-Z0-9.-]+\\.[A-Z]{2,}\\b"),
        Rule(
            .address,
            "\\b\\d{1,5}[A-Za-z]?\\s+(?:[A-Z][a-z]+\\s+){1,3}(?:Street|St|Avenue|Ave|Road|Rd|Lane|Ln|Drive|Boulevard|Blvd|Court|Ct|Close|Way|Place|Pl|Terrace|Crescent|Gardens|Square|Sq|Grove|Parade|Row|Mews|Hill|Walk)\\b\\.?",
            caseInsensitive: false),
        Rule(.address, "\\bP\\.?\\s?O\\.?\\s+Box\\s+\\d+\\b"),
        Rule(
            .address,
            "\\b(?:lives|living|resides|address(?:\\s+is)?)\\s+(?:at|on|in)?\\s*(?:flat|apartment|apt\\.?|unit)\\s+\\d+[A-Z]?\\b"
        ),
        Rule(.postcode, "\\b[A-Z]{1,2}\\d[A-Z\\d]?\\s?\\d[A-Z]{2}\\b", caseInsensitive: false),
        Rule(.postcode, "\\b(?:NSW|VIC|QLD|SA|WA|TAS|NT|ACT)\\s+\\d{4}\\b", caseInsensitive: false),
        Rule(
            .postcode, "\\b[ABCEGHJ-NPRSTVXY]\\d[ABCEGHJ-NPRSTV-Z]\\s?\\d[ABCEGHJ-NPRSTV-Z]\\d\\b",
            caseInsensitive: false),
        Rule(
            .postcode,
            "\\b(?:A[KLRZ]|C[AOT]|D[CE]|FL|GA|HI|I[ADLN]|K[SY]|LA|M[ADEINOST]|N[CDEHJMVY]|O[HKR]|PA|RI|S[CD]|T[NX]|UT|V[AT]|W[AIVY])\\s+(\\d{5}(?:-\\d{4})?)\\b",
            caseInsensitive: false),
        Rule(
            .postcode,
            "\\b(?:zip(?:\\s+code)?|postcode|post\\s+code)\\s*(?:is|:)?\\s*(?:\\d{5}(?:-\\d{4})?|[A-Z]{1,2}\\d[A-Z\\d]?\\s?\\d[A-Z]{2})\\b"
        ),
        Rule(.nationalID, "\\b\\d{3}-\\d{2}-\\d{4}\\b"),
        Rule(.nationalID, "\\b\\d{3} \\d{2} \\d{4}\\b"),
        Rule(
            .nationalID,
            "\\b(?:SSN|social\\s+security(?:\\s+(?:number|no\\.?))?|NHS\\s+(?:number|no\\.?)?|NI\\s+number|national\\s+insurance(?:\\s+(?:number|no\\.?))?|SIN|medicare(?:\\s+(?:number|no\\.?))?|PPS\\s+number|passport(?:\\s+(?:number|no\\.?))?)\\s*(?:is|was|:|,)?\\s*[A-Z]{0,2}\\s?\\d[\\d -]{5,12}\\d?[A-Z]?"
        ),
        Rule(.nationalID, "\\b[A-CEGHJ-PR-TW-Z]{2}\\s?\\d{2}\\s?\\d{2}\\s?\\d{2}\\s?[A-D]\\b", caseInsensitive: false),
        Rule(
            .accountNumber,
            "\\b(?:insurance|policy|member|membership|plan|beneficiary|account|acct\\.?|licen[cs]e|certificate|registration|plate|VIN|serial|device\\s+serial|pacemaker\\s+serial)\\s+(?:id|number|no\\.?|#)?\\s*(?:is|was|:)?\\s*#?\\s*[A-Z0-9]*-?\\d[A-Z0-9-]{4,}\\b"
        ),
        // UK number plates (AB12 CDE), common enough in notes about a family's car.
        Rule(.accountNumber, "\\b[A-Z]{2}\\d{2}\\s?[A-Z]{3}\\b", caseInsensitive: false),
        // A labelled number of any other kind (issue 12 §3): plan, beneficiary and card numbers (US MBI and
        // Medicaid, Ontario OHIP, Australian Medicare, DVA, IHI and TFN, Canadian SIN), certificates, licences,
        // device serials and plates, in any of the formats that follow a label.
        Rule(
            .accountNumber,
            "(?i:\\b(?:medicaid|medi-cal|OHIP|health\\s+card|health\\s+plan|beneficiary(?:\\s+identifier)?|MBI|HICN|DVA(?:\\s+file)?|IHI|TFN|tax\\s+file|ITIN|SIN|social\\s+insurance|birth\\s+certificate|death\\s+certificate|marriage\\s+certificate|certificate|driver'?s\\s+licen[cs]e|licen[cs]e|DL#?|S/N|serial|device\\s+ID|implant\\s+serial|registration|reg|rego|plate|URN)(?:\\s+(?:number|no\\.?|#|id|identifier|card))*)\\s*(?:(?i:is|was)\\s*)?[:#,(]?\\s*([A-Z]{0,4}[ -]?\\d[\\dA-Z/ -]{1,20}[\\dA-Z])",
            caseInsensitive: false,
            accepts: { text in
                digitCount(text) >= 3 && text.filter { $0.isLetter || $0.isNumber }.count >= 5
                    && text.range(of: "^(?:19|20)\\d{2}$", options: .regularExpression) == nil
            }),
        // Letters and digits that only an id has: hospital numbers (RXH1234567), plan ids (W123456789), device
        // serials (PJN774512), DVA numbers (QX901533), Medicaid numbers (98765432A).
        Rule(.accountNumber, "\\b(?:[A-Z]{1,3}\\d{6,9}|\\d{7,9}[A-Z])\\b", caseInsensitive: false),
        // The US Medicare Beneficiary Identifier (1EG4-TE5-MK73), with or without its dashes.
        Rule(
            .accountNumber,
            "\\b[1-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\\d-?[AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\\d-?[AC-HJKMNP-RT-Y]{2}\\d{2}\\b",
            caseInsensitive: false),
        // Plates: US (7ABC123, ABC-1234) and Australian (1ABC 234, ABC-123) after a word about a car.
        Rule(
            .accountNumber,
            "(?i:\\b(?:car|plate|reg|rego|registration|ute|van|vehicle|truck|pickup)\\b)[^.\\n]{0,20}?\\b(\\d[A-Z]{3}\\s?\\d{3}|[A-Z]{3}-\\d{3,4})\\b",
            caseInsensitive: false),
        Rule(.age, "\\b(?:9\\d|1[01]\\d)[- ]?(?:years?|yrs?)[- ]old\\b"),
        Rule(.age, "\\b(?:aged?|age\\s+of)\\s+(?:9\\d|1[01]\\d)\\b"),
        Rule(.age, "\\b(?:9\\d|1[01]\\d)\\s?(?:yo\\b|y/o\\b|y\\.o\\.|yr\\s+old\\b)"),
        Rule(.age, "\\b(?:9\\d|1[01]\\d)(?:st|nd|rd|th)\\s+birthday\\b"),
        Rule(
            .roomOrBed,
            "\\b\(title)\\s+\(name)\\b[^.\\n]{0,40}?\\b(?:bed|room|bay|cubicle|side\\s+room|rm\\.?)\\s*\\d{1,4}[A-Z]?\\b"
        ),
        Rule(
            .roomOrBed,
            "\\b(?:bed|room|bay|cubicle|side\\s+room|rm\\.?)\\s*\\d{1,4}[A-Z]?\\b[^.\\n]{0,25}?\\b\(title)\\s+\(name)\\b"
        ),
        // A bed, cubicle or side room is where one patient is, named or not; a room or bay only next to a person.
        Rule(.roomOrBed, "\\b(?:bed|cubicle|side\\s+room)\\s*\\d{1,3}[A-Z]?\\b"),
        Rule(
            .roomOrBed,
            "\\b(?:patient|man|woman|lady|gentleman|boy|girl|child|baby|resident)\\b[^.\\n]{0,20}?\\b(?:room|bay)\\s+\\d{1,4}[A-Z]?\\b"
        ),
        Rule(
            .patientName,
            "\\b(?:[Pp]atient|[Pp]t\\.?|[Rr]esident)\\s+(?:called\\s+|named\\s+)?(\(title)\\s+\(name)|[A-Z][a-z]+\\s+[A-Z][a-z]+)\\b",
            caseInsensitive: false),
        Rule(.patientName, "\\b(?:Mr|Mrs|Miss|Mx|Master)\\.?\\s+\(name)\\b", caseInsensitive: false),
        Rule(.ipAddress, "\\b(?:(?:25[0-5]|2[0-4]\\d|1?\\d?\\d)\\.){3}(?:25[0-5]|2[0-4]\\d|1?\\d?\\d)\\b"),
        Rule(.ipAddress, "(?<![\\w:])(?:[0-9a-f]{1,4}:){5,7}[0-9a-f]{1,4}(?![\\w:])"),
        Rule(.ipAddress, "(?<![\\w:])(?:[0-9a-f]{1,4}:){1,6}:(?:[0-9a-f]{1,4}:){0,5}[0-9a-f]{1,4}(?![\\w:])"),
        Rule(.url, "\\bhttps?://\\S*(?:patient|mrn|record|chart|pid)\\S*"),
        // Any other web address with a path that names a person or a document: a profile, a shared file.
        Rule(
            .url,
            "\\b(?:https?://|www\\.)[^\\s/]+/(?:[^\\s]*(?:file|doc|view|share|profile|user|people|scan|letter|photo|id=|in/)[^\\s]*|[a-z]+\\.[a-z]+[.\\d]*)(?<![.,;:)])"
        ),
    ]
}
