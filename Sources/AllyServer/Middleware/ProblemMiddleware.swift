import AllyProtocol
import AllyServerCore
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1

/// Turns every failure into an RFC 9457 problem+json response; nothing secret goes in it or in the log.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The routes, to tell an unknown path (404) from a known path asked with a method it does not take (405).
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as ServerError {
            return Self.problem(
                status: Self.status(for: error.code), detail: error.message, retryAfter: error.retryAfter)
        } catch let error as HTTPError {
            if error.status == .notFound {
                let allowed = routes.methods(for: request.uri.path)
                if !allowed.isEmpty {
                    let names = allowed.map(\.rawValue)
                    return Self.problem(
                        status: .methodNotAllowed,
                        detail: "\(request.uri.path) takes \(names.joined(separator: ", ")), not \(request.method)",
                        allow: names.joined(separator: ", "))
                }
            }
            let detail: String =
                switch error.status {
                case .notFound: "no such endpoint: \(request.method) \(request.uri.path)"
                case .contentTooLarge: "the request body is too large"
                default: error.body ?? error.status.reasonPhrase
                }
            return Self.problem(status: error.status, detail: detail)
        } catch is HTTPParserError {
            // Malformed framing in the body (a bad chunk size, say): the client's fault, and the connection is done.
            var response = Self.problem(status: .badRequest, detail: "the request is not well-formed HTTP")
            response.headers[.connection] = "close"
            return response
        } catch is NIOTooManyBytesError {
            return Self.problem(status: .contentTooLarge, detail: "the request body is too large")
        } catch is DecodingError {
            return Self.problem(
                status: .badRequest, detail: "the request body is not the JSON this endpoint takes (see /v1 openapi)")
        } catch {
            if let unavailable = ServerError.storageFailure(error) {
                context.logger.error("database unavailable", metadata: ["error": "\(type(of: error))"])
                return Self.problem(
                    status: .serviceUnavailable, detail: unavailable.message, retryAfter: unavailable.retryAfter)
            }
            context.logger.error("unexpected failure", metadata: ["error": "\(type(of: error))"])
            return Self.problem(status: .internalServerError, detail: "the server failed; try again later")
        }
    }

    static func status(for code: ServerError.Code) -> HTTPResponse.Status {
        switch code {
        case .badRequest: .badRequest
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .conflict: .conflict
        case .tooLarge: .contentTooLarge
        case .tooManyRequests: .tooManyRequests
        case .unavailable: .serviceUnavailable
        }
    }

    static func problem(status: HTTPResponse.Status, detail: String, retryAfter: Int? = nil, allow: String? = nil)
        -> Response
    {
        let problem = Wire.Problem(
            type: "https://ally.invalid/problems/\(status.code)", title: status.reasonPhrase, status: status.code,
            detail: detail)
        let body = (try? JSONEncoder().encode(problem)) ?? Data("{}".utf8)
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        if let allow { headers[.allow] = allow }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
