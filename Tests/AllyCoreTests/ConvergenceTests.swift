import AllyCore
import Foundation
import Testing

/// DESIGN.md §4: the same set of changes materialises to the same entries in any order, with any duplication
/// and any batching; no body version is ever lost. Every run prints its seed; replay one with ALLY_SEED.
@Suite struct ConvergenceTests {
    static func seeds(count: Int) -> [UInt64] {
        if let fixed = ProcessInfo.processInfo.environment["ALLY_SEED"].flatMap(UInt64.init) { return [fixed] }
        var source = SystemRandomNumberGenerator()
        return (0..<count).map { _ in source.next() }
    }

    @Test("Materialisation ignores order, duplication and batching", arguments: seeds(count: 12))
    func orderDuplicationAndBatching(seed: UInt64) {
        print("ConvergenceTests.orderDuplicationAndBatching seed \(seed) (replay with ALLY_SEED=\(seed))")
        // Given three to five laptops writing and exchanging at random
        var generator = SplitMix64(seed: seed)
        var simulation = Simulation(seed: seed, replicaCount: Int.random(in: 3...5, using: &generator))
        simulation.run(steps: 300)
        let changes = simulation.allChanges
        let reference = Materializer.materialize(changes)

        // When the same set arrives shuffled, with duplicates, and in batches of random size
        for _ in 0..<5 {
            var shuffled = changes.shuffled(using: &generator)
            let duplicates = shuffled.prefix(Int.random(in: 0...shuffled.count, using: &generator))
            shuffled.append(contentsOf: duplicates)
            shuffled.shuffle(using: &generator)
            var states: [EntryID: EntryState] = [:]
            var index = 0
            while index < shuffled.count {
                let size = Int.random(in: 1...50, using: &generator)
                for change in shuffled[index..<min(index + size, shuffled.count)] {
                    states[change.entryID, default: EntryState(entryID: change.entryID)].apply(change)
                }
                index += size
            }
            let entries = states.compactMapValues { $0.makeEntry() }

            // Then every entry is identical
            let differing = Set(entries.keys).union(reference.keys).filter { entries[$0] != reference[$0] }
            #expect(
                differing.isEmpty,
                "seed \(seed): \(differing.count) entries differ, e.g. \(differing.sorted().first.map(\.rawValue) ?? "")"
            )
        }
    }

    @Test("Laptops converge after a full exchange, and every body version stays reachable", arguments: seeds(count: 12))
    func convergenceAndReachability(seed: UInt64) {
        print("ConvergenceTests.convergenceAndReachability seed \(seed) (replay with ALLY_SEED=\(seed))")
        // Given laptops that wrote offline and exchanged only partly
        var simulation = Simulation(seed: seed, replicaCount: 3)
        simulation.run(steps: 400)

        // When every laptop receives everything
        simulation.exchangeAll()
        let views = simulation.replicas.map { Materializer.materialize($0.changes.values) }

        // Then all laptops show the same journal
        for view in views.dropFirst() {
            let differing = Set(view.keys).union(views[0].keys).filter { view[$0] != views[0][$0] }
            #expect(differing.isEmpty, "seed \(seed): \(differing.count) entries differ between laptops")
        }

        // And every body version ever written is still in its entry's graph
        let all = simulation.allChanges
        let byEntry = Dictionary(grouping: all, by: \.entryID)
        var conflicts = 0
        for (entryID, changes) in byEntry {
            let state = EntryState(entryID: entryID, changes: changes)
            for change in changes {
                if case .editBody = change.operation {
                    #expect(state.body.versions[change.id] != nil, "seed \(seed): lost version \(change.id)")
                }
            }
            if let conflict = state.makeEntry()?.conflict, !conflict.bodyVersions.isEmpty {
                conflicts += 1
                // A body conflict keeps every head and shows each head's text inside the markers.
                #expect(state.body.heads.count > 1, "seed \(seed)")
            }
        }
        print("  \(byEntry.count) entries, \(all.count) changes, \(conflicts) body conflicts")
    }
}
