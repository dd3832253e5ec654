import Hummingbird
import NIOCore

/// The request context of ally-server: the client's address (for login rate limits) and the body-size limit.
public struct AllyRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer's IP address, or "unknown".
    public let remoteAddress: String
    /// The connection, for closing it after an answer that leaves a request body unread.
    let channel: (any Channel)?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
        channel = source.channel
    }

    /// The ceiling for decoding; the configured limit is enforced earlier, by `BodyLimitMiddleware`.
    public var maxUploadSize: Int { 256 << 20 }
}
