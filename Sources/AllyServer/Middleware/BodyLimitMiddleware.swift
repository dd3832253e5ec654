import AllyServerCore
import Hummingbird
import NIOCore

/// Reads at most `limit` bytes of a request body, answering 413 (problem+json) when there are more, so an
/// oversized push is refused before it is decoded.
struct BodyLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    let limit: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var request = request
        do {
            _ = try await request.collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw ServerError(.tooLarge, "the request body is larger than \(limit) bytes")
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw ServerError(.tooLarge, "the request body is larger than \(limit) bytes")
        }
        return try await next(request, context)
    }
}
