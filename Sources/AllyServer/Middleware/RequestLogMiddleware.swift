import Hummingbird
import Logging
import NIOCore

/// One log line per request, written once the answer is known: method, path (without the query), status and
/// duration. Never headers (tokens) or bodies (envelopes, keys), and never the query string.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let started = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - started
        let milliseconds = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
        context.logger.info(
            "\(request.method) \(request.uri.path) \(response.status.code)",
            metadata: ["ms": "\((milliseconds * 10).rounded() / 10)"])
        return response
    }
}
