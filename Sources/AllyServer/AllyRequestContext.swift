import Hummingbird
import NIOCore

/// The request context of ally-server: the client's address (for login rate limits) and the body-size limit.
public struct AllyRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer's IP address, or "unknown".
    public let remoteAddress: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// Bodies above this are refused with 413 before they are read whole.
    public var maxUploadSize: Int { ServerLimits.maxBodyBytes }
}

/// The body limit the context reads; set once at start-up from the service's limits.
enum ServerLimits {
    nonisolated(unsafe) static var maxBodyBytes = 8 << 20
}
