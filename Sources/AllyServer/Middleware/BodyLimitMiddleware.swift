import AllyServerCore
import Hummingbird
import NIOCore

/// Reads at most `limit` bytes of a request body, answering 413 (problem+json) when there are more, so an
/// oversized push is refused before it is decoded.
struct BodyLimitMiddleware: RouterMiddleware {
    typealias Context = AllyRequestContext
    let limit: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        // A declared length above the limit is refused before a byte of the body is read, and the connection is
        // closed after the answer, so the client cannot make the server read (or discard) the rest.
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit {
            var response = ProblemMiddleware<Context>.problem(
                status: .contentTooLarge, detail: "the request body is larger than \(limit) bytes")
            response.headers[.connection] = "close"
            // Stop reading: the server would otherwise drain the whole declared body before the next request.
            context.channel?.close(mode: .input, promise: nil)
            return response
        }
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
