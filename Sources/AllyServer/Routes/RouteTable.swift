import Foundation
import Hummingbird

/// The methods each path takes, recorded as the routes are added, so that a request with a known path and an
/// unknown method gets 405 and an `Allow` header (RFC 9110 §15.5.6) rather than 404. Filled while the router is
/// built, read-only once the server runs.
final class RouteTable: @unchecked Sendable {
    private var routes: [(method: HTTPRequest.Method, segments: [Substring])] = []

    func record(_ method: HTTPRequest.Method, _ path: String) {
        routes.append((method, Self.segments(path)))
    }

    /// The methods routed for `path`, in the order they were added; empty when no route has that path.
    func methods(for path: String) -> [HTTPRequest.Method] {
        let wanted = Self.segments(path)
        var found: [HTTPRequest.Method] = []
        for route in routes where Self.matches(route.segments, wanted) && !found.contains(route.method) {
            found.append(route.method)
        }
        return found
    }

    static func segments(_ path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: true)
    }

    /// A `:name` segment matches any one segment.
    static func matches(_ pattern: [Substring], _ path: [Substring]) -> Bool {
        pattern.count == path.count && zip(pattern, path).allSatisfy { $0.hasPrefix(":") || $0 == $1 }
    }
}

/// Adds routes to a router or group and records them in a `RouteTable`.
struct RecordingRoutes<Context: RequestContext> {
    let router: any RouterMethods<Context>
    let prefix: String
    let table: RouteTable

    func group(_ path: String) -> RecordingRoutes {
        RecordingRoutes(router: router.group(RouterPath(path)), prefix: prefix + "/" + path, table: table)
    }

    func on(
        _ method: HTTPRequest.Method, _ path: String,
        use handler: @Sendable @escaping (Request, Context) async throws -> some ResponseGenerator
    ) {
        table.record(method, prefix + "/" + path)
        router.on(RouterPath(path), method: method, use: handler)
    }
}
