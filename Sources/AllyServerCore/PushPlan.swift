import AllyProtocol
import Foundation

/// Sorts a push into new changes and duplicates by `(device, seq)`, refusing different bytes under a known id
/// (SPEC §9). Both stores feed it the bytes they hold, so the rule lives in one place.
struct PushPlan {
    /// Changes to store, in the order pushed.
    private(set) var fresh: [Wire.Item] = []
    /// Changes already held, byte for byte (in the store or earlier in the same push).
    private(set) var duplicates = 0
    private var seen: [String: Data] = [:]

    /// Considers the next pushed change, given the envelope the store holds under its id, if any.
    mutating func add(_ item: Wire.Item, stored: Data?) throws {
        let key = "\(item.device).\(item.seq)"
        if let earlier = seen[key] ?? stored {
            guard earlier == item.envelope else {
                throw ServerError(
                    .conflict, "change \(item.device.prefix(8)).\(item.seq) is already stored with different bytes")
            }
            duplicates += 1
            return
        }
        seen[key] = item.envelope
        fresh.append(item)
    }
}
