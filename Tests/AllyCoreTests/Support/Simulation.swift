import AllyCore

/// A seeded multi-laptop run: random writes of every kind, random partial exchanges, random clock skew.
struct Simulation {
    var replicas: [Replica]
    var generator: SplitMix64
    var now: Int64 = 1_790_000_000_000
    static let words = [
        "handover", "rounds", "listened", "interrupted", "credit", "mentor", "sponsor", "coffee", "silent", "repair",
    ]
    static let tags = ["ward", "clinic", "home", "rounds", "mm"]

    init(seed: UInt64, replicaCount: Int) {
        var generator = SplitMix64(seed: seed)
        var replicas: [Replica] = []
        for _ in 0..<replicaCount {
            let deviceID = DeviceID.random(using: &generator)
            replicas.append(Replica(deviceID: deviceID, skew: Int64.random(in: -5_000...5_000, using: &generator)))
        }
        self.replicas = replicas
        self.generator = generator
    }

    /// Runs `steps` random actions.
    mutating func run(steps: Int) {
        for _ in 0..<steps {
            now += Int64.random(in: 0...400, using: &generator)
            let r = Int.random(in: 0..<replicas.count, using: &generator)
            let roll = Int.random(in: 0..<100, using: &generator)
            if roll < 12 || replicas[r].entryIDs.isEmpty {
                create(on: r)
            } else if roll < 25 {
                let other = Int.random(in: 0..<replicas.count, using: &generator)
                // One-way, sometimes only part of the log: order and batching vary as on real laptops.
                let sent = replicas[other].changes.values.sorted { $0.id < $1.id }
                let cut = Int.random(in: 0...sent.count, using: &generator)
                replicas[r].receive(roll < 20 ? sent : Array(sent.prefix(cut)))
            } else {
                edit(on: r)
            }
        }
    }

    /// Gives every replica every change.
    mutating func exchangeAll() {
        let all = allChanges
        for index in replicas.indices { replicas[index].receive(all) }
    }

    var allChanges: [Change] {
        var union: [ChangeID: Change] = [:]
        for replica in replicas { union.merge(replica.changes) { first, _ in first } }
        return union.values.sorted { $0.id < $1.id }
    }

    private mutating func create(on r: Int) {
        let id = EntryID.random(using: &generator)
        let kind = EntryKind.allCases.randomElement(using: &generator) ?? .reflection
        replicas[r].write(.create(kind: kind, createdAt: now), to: id, now: now)
        replicas[r].write(.editBody(text: randomText(lines: 4), parents: []), to: id, now: now)
    }

    private mutating func edit(on r: Int) {
        guard let id = replicas[r].entryIDs.randomElement(using: &generator) else { return }
        let state = replicas[r].state(of: id)
        let choice = Int.random(in: 0..<100, using: &generator)
        let operation: ChangeOperation
        switch choice {
        case 0..<40:
            operation = .editBody(text: mutate(state.body.resolved().text), parents: state.body.heads.map(\.id))
        case 40..<55:
            let field = [ScalarField.title, .level, .minutes].randomElement(using: &generator) ?? .title
            let value: String? =
                switch field {
                case .level: Level.allCases.randomElement(using: &generator)?.rawValue
                case .minutes: String(Int.random(in: 0...60, using: &generator))
                default: Bool.random(using: &generator) ? nil : Self.words.randomElement(using: &generator)
                }
            operation = .set(field, value)
        case 55..<70:
            operation = .add(.tags, Self.tags.randomElement(using: &generator) ?? "ward")
        case 70..<82:
            let present = state.elements(of: .tags)
            guard let tag = present.randomElement(using: &generator) else { return }
            operation = .remove(.tags, tag, observed: state.liveAdds(of: tag, in: .tags))
        case 82..<92:
            operation = .trash(seen: replicas[r].versionVector)
        default:
            operation = .restore
        }
        replicas[r].write(operation, to: id, now: now)
    }

    private mutating func randomText(lines: Int) -> String {
        (0..<lines).map { _ in randomLine() }.joined(separator: "\n")
    }

    private mutating func randomLine() -> String {
        (0..<Int.random(in: 2...5, using: &generator)).map { _ in Self.words.randomElement(using: &generator) ?? "x" }
            .joined(separator: " ")
    }

    /// Replaces, inserts or deletes a line or a word.
    private mutating func mutate(_ text: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let at = Int.random(in: 0...lines.count, using: &generator)
        switch Int.random(in: 0..<4, using: &generator) {
        case 0: lines.insert(randomLine(), at: at)
        case 1 where at < lines.count: lines.remove(at: at)
        case 2 where at < lines.count:
            var words = lines[at].split(separator: " ").map(String.init)
            if !words.isEmpty {
                words[Int.random(in: 0..<words.count, using: &generator)] =
                    Self.words.randomElement(using: &generator) ?? "x"
            }
            lines[at] = words.joined(separator: " ")
        default:
            if at < lines.count { lines[at] = randomLine() } else { lines.append(randomLine()) }
        }
        return lines.joined(separator: "\n")
    }
}
