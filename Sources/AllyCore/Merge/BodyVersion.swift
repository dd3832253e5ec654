/// One version of an entry's body: the text written by one `editBody` change and the versions it was made from.
public struct BodyVersion: Hashable, Sendable, Codable {
    /// The change that wrote the version; also the version's name.
    public var id: ChangeID
    /// When it was written.
    public var at: HybridTimestamp
    /// The whole text of this version.
    public var text: String
    /// The versions it was edited from; empty for the first.
    public var parents: [ChangeID]

    /// Makes a version.
    public init(id: ChangeID, at: HybridTimestamp, text: String, parents: [ChangeID]) {
        self.id = id
        self.at = at
        self.text = text
        self.parents = parents
    }
}
